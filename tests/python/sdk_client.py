"""The Python synapse-sdk, unchanged, as a client of the dev backend (synapse-dev-backend).

Run by scripts/python-sdk.sh with the dev backend's URL and token. It uses the SDK's own v1
BackendClient and its JobLogger (the logger a platform job runs with) the way plugins do, then
reads the dev backend's /_dev/state to check that everything arrived as the SDK sent it. Exits
non-zero, naming the check, when anything differs.
"""

import sys
from pathlib import Path

from synapse_sdk.clients.backend import BackendClient
from synapse_sdk.loggers import JobLogger

sys.path.insert(0, str(Path(__file__).resolve().parent))
from devbackend import check, dev  # noqa: E402


def main():
    url, token = sys.argv[1], sys.argv[2]
    client = BackendClient(url, access_token=token, tenant="acme")
    # The scripts share one backend: what this one checks is what came after this snapshot.
    before = dev(url, "_dev/state")
    jobs_before = len(before["jobs"])

    # The client's calls.
    job = dev(url, "_dev/jobs", {})
    job_id = job["id"]
    check("get_job", client.get_job(job_id)["status"] == "PENDING")
    updated = client.update_job(job_id, {"status": "RUNNING", "meta": {"queue": None}})
    check("update_job", updated["status"] == "RUNNING", updated)
    client.create_logs({"event": "message", "data": {"content": "one"}, "datetime": "2026-11-30T12:00:00Z",
                        "job": job_id, "level": "info"})
    client.create_logs([{"event": "message", "data": {"content": f"many {n}"}, "datetime": "2026-11-30T12:00:01Z",
                         "job": job_id, "level": "info"} for n in range(3)])
    logs = client.list_job_console_logs(job_id)
    check("create_logs then list_job_console_logs", len(logs) == 4, logs)
    for _ in range(3):
        dev(url, "_dev/jobs", {})
    page = client.list_jobs(params={"page_size": 2})
    check("list_jobs pages", page["count"] == jobs_before + 4 and len(page["results"]) == 2 and page["next"], page)
    try:
        client.get_job(9999)
        check("a missing job is an error", False)
    except Exception as error:  # the SDK's ClientError
        check("a missing job is an error", "404" in str(error) or getattr(error, "status_code", None) == 404, error)

    # The SDK's JobLogger, as a platform job reports itself.
    second = dev(url, "_dev/jobs", {})["id"]
    logger = JobLogger(client, str(second), log_flush_interval=0.1, progress_flush_interval=0.1)
    logger.info("starting")
    logger.set_progress(1, 4, step="train")
    logger.set_metrics({"loss": 0.5}, step="train")
    logger.set_progress(4, 4, step="train")
    logger.info("done")
    logger.finish()
    client.update_job(second, {"status": "SUCCEEDED", "result": {"ok": True}})

    state = dev(url, "_dev/state")
    reported = next(job for job in state["jobs"] if job["id"] == second)
    bodies = [patch["body"] for patch in reported["patches"]]
    check("JobLogger patched a progress record", any("progress_record" in body for body in bodies), bodies)
    check("JobLogger patched a metrics record", any("metrics_record" in body for body in bodies), bodies)
    last_progress = [body["progress_record"] for body in bodies if "progress_record" in body][-1]
    check("the last progress record is 100 %", last_progress["current_progress"]["percent"] == 100.0, last_progress)
    check("the job ended", reported["status"] == "SUCCEEDED", reported["status"])
    messages = [log["data"].get("content") for log in state["logs"] if str(log["job"]) == str(second)]
    check("JobLogger's log entries arrived", "starting" in messages and "done" in messages, messages)
    auth = state["auth"][len(before["auth"]):]
    variants = {(record["variant"], record["tenant"]) for record in auth}
    check("every request carried the SDK's headers", variants == {("access_token", "acme")}, variants)
    check("no request was refused", all(record["accepted"] for record in auth))
    print(f"the Python synapse-sdk ran {len(auth)} requests against the dev backend")


if __name__ == "__main__":
    main()
