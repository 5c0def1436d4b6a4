"""The Python synapse-sdk, unchanged, reading ground truth, projects, tasks, plugin releases and
serve applications from the dev backend (synapse-dev-backend).

Run by scripts/python-sdk.sh with the dev backend's URL and token. It seeds a ground-truth
dataset, a project and a plugin release through /_dev/seed/*, then makes the SDK's own calls the
way its actions make them: the dataset download's list_ground_truth_events (with its
url_conversion download of every file, in small pages), to_task's get_project, list_tasks,
get_task and annotate_task_data, the deployment's create_serve_application and to_task's
list_serve_applications, train's get_plugin_release. Then it reads /_dev/state to check that
everything arrived as the SDK sent it. Exits non-zero, naming the check, when anything differs.
"""

import json
import sys
from pathlib import Path

from synapse_sdk.clients.backend import BackendClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from devbackend import check, dev  # noqa: E402


def png_size(path):
    header = Path(path).read_bytes()[:24]
    if header[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


def ground_truth(url, client):
    seeded = dev(url, "_dev/seed/gt_dataset", {"seed": 3, "classes": ["car", "person"],
                                               "splits": {"train": 5, "validation": 2}, "width": 40, "height": 24})
    version = seeded["ground_truth_dataset_version"]

    # As plugins/actions/dataset/action.py calls it, with pages of 3 so that `next` is followed.
    params = {"fields": ["category", "files", "data"], "expand": ["data"], "ground_truth_dataset_versions": version}
    events, count = client.list_ground_truth_events(params=params, list_all=True, page_size=3)
    events = list(events)
    check("list_ground_truth_events: every event, across pages", count == 7 and len(events) == 7, (count, len(events)))
    check("events are distinct", len({event["id"] for event in events}) == 7)
    for event in events:
        files = event["files"]
        image, meta = files["image_1"], files["data_meta_1"]
        check(f"event {event['id']}: url_conversion downloaded its image", "url" not in image and Path(image["path"]).is_file(), image)
        check(f"event {event['id']}: the image is a 40x24 PNG", png_size(image["path"]) == (40, 24), png_size(image["path"]))
        on_disk = json.loads(Path(meta["path"]).read_text())
        check(f"event {event['id']}: data_meta_1 is its DM v1", on_disk == event["data"], on_disk)
        boxes = [box for box in seeded["boxes"] if box["event"] == event["id"]]
        coordinates = [item["coordinate"] for item in event["data"]["annotationsData"]["image_1"]]
        expected = [{"x": b["x"], "y": b["y"], "width": b["width"], "height": b["height"]} for b in boxes]
        check(f"event {event['id']}: the boxes are the seed's", coordinates == expected, (coordinates, expected))

    validation, count = client.list_ground_truth_events(params={**params, "category": "validation"}, list_all=True)
    validation = list(validation)
    check("the category filter", count == 2 and all(event["category"] == "validation" for event in validation), validation)
    shown = client.get_ground_truth_version(version)
    check("get_ground_truth_version", shown["id"] == version and shown["event_count"] == 7, shown)


def annotation(url, client):
    seeded = dev(url, "_dev/seed/project", {"seed": 8, "classes": ["car", "person"], "tasks": 3, "with_labels": True})
    project = client.get_project(seeded["project"])
    schema = project["configuration"]["classification"]["bounding_box"]["classification_schema"]
    check("get_project: its class schema", [entry["code"] for entry in schema] == ["car", "person"], schema)

    tasks, count = client.list_tasks(params={"project": seeded["project"], "page_size": 2}, list_all=True)
    tasks = list(tasks)
    check("list_tasks: every task, across pages", count == 3 and [t["id"] for t in tasks] == seeded["tasks"], tasks)

    # As to_task's annotate_task_data step fetches and submits.
    task = client.get_task(seeded["tasks"][0], params={"fields": "id,data,data_unit", "expand": "data_unit"})
    files = task["data_unit"]["files"]
    check("get_task: the data unit's files", files["image_1"]["is_primary"] and "label_1" in files, files)
    check("get_task: the original file name", files["image_1"]["file_name_original"] == "task_0001.png", files)
    dm = {"extra": {}, "relations": {}, "annotationGroups": {},
          "annotations": {"image_1": [{"id": "a1b2c3d4e5", "tool": "bounding_box", "isLocked": False,
                                       "isVisible": True, "isValid": False, "isDrawCompleted": True, "label": [],
                                       "classification": {"class": "car"}}]},
          "annotationsData": {"image_1": [{"id": "a1b2c3d4e5", "coordinate": {"x": 1, "y": 2, "width": 3, "height": 4}}]}}
    answer = client.annotate_task_data(task["id"], data={"action": "submit", "data": dm}, schema="dm_schema_v1")
    check("annotate_task_data", answer["data"] == dm, answer)
    try:
        client.annotate_task_data(task["id"], data={"action": "submit", "data": {"annotations": {}}}, schema="dm_schema_v1")
        check("a DM v1 that does not fit is refused", False)
    except Exception as error:  # the SDK's ClientError
        check("a DM v1 that does not fit is refused", "400" in str(error) or getattr(error, "status_code", None) == 400, error)
    return task["id"], dm


def plugins(url, client):
    release = dev(url, "_dev/seed/plugin_release", {"code": "detector", "version": "1.0.0",
                                                    "config": {"code": "detector", "actions": {"inference": {}}}})
    shown = client.get_plugin_release(release["id"], params={"expand": "plugin"})
    check("get_plugin_release with expand=plugin", shown["plugin"]["code"] == "detector" and shown["version"] == "1.0.0", shown)

    # As to_task's prepare step deploys a pre-processor, and the deployment registers it.
    ran = client.run_plugin("detector", {"agent": 1, "action": "deployment", "params": {"num_cpus": 1}})
    job = ran["job_id"]
    created = client.create_serve_application({"job": job, "status": "RUNNING", "data": {"name": "detector"}})
    check("create_serve_application", created["status"] == "RUNNING" and created["job"] == job, created)
    listed = client.list_serve_applications(params={"plugin_code": "detector", "job__agent": 1})
    check("list_serve_applications by plugin and agent", [app["id"] for app in listed["results"]] == [created["id"]], listed)
    other = client.list_serve_applications(params={"plugin_code": "detector", "job__agent": 2})
    check("another agent has none", other["count"] == 0, other)
    return job


def main():
    url, token = sys.argv[1], sys.argv[2]
    client = BackendClient(url, access_token=token, tenant="acme")
    # The other scripts share the backend: the counts and credentials below are this script's own.
    before = dev(url, "_dev/state")
    ground_truth(url, client)
    task, dm = annotation(url, client)
    job = plugins(url, client)

    state = dev(url, "_dev/state")
    stored = next(t for t in state["tasks"] if t["id"] == task)
    check("the annotation is stored as sent", [a["data"] for a in stored["annotations"]] == [dm], stored["annotations"])
    check("with its schema", stored["annotations"][0]["schema"] == "dm_schema_v1", stored["annotations"])
    run = next(r for r in state["plugin_runs"] if r["job"] == job)
    check("the run arrived as PluginRunRequest sends it",
          run["body"] == {"agent": 1, "action": "deployment", "params": {"num_cpus": 1}, "language": "ko"}, run)
    requests = {key: count - before["requests"].get(key, 0) for key, count in state["requests"].items()}
    auth = state["auth"][len(before["auth"]):]
    pages = requests.get("GET /sdk/ground_truth_events/")
    check("the events were read in pages (3 of the version, 1 of its validation split)", pages == 4, requests)
    # The SDK caches downloads by URL, so the validation split's files are not fetched again.
    media = requests.get("GET /media/{*key}", 0)
    check("no file was downloaded twice", 0 < media <= 14, requests)
    variants = {(record["variant"], record["tenant"]) for record in auth}
    check("every request carried the SDK's headers", variants == {("access_token", "acme")}, variants)
    check("no request was refused", all(record["accepted"] for record in auth))


if __name__ == "__main__":
    main()
