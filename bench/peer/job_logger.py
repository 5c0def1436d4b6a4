"""The Python Synapse SDK's JobLogger reporting one event sequence to a backend job, for
comparison with synapse's JobSink (`bench/src/bin/job_sink_figures.rs`, which runs this script).

    python bench/peer/job_logger.py URL TOKEN JOB ITERATIONS PACE_PER_S

The sequence, the same as the Rust side's: ITERATIONS iterations of `set_progress(i, N)` and one
`log` entry `iteration {i, loss}`, and `set_metrics` every tenth of the run; then `finish()`,
which delivers what is still queued. With PACE_PER_S > 0 the iterations are spread evenly at
that rate (for the outage figure); 0 runs them flat out. The logger prints every entry to
standard output, as it does in a job (the harness sends it to /dev/null). Prints one JSON line
on standard error: the sequence's wall time and this process's CPU time over it, in seconds,
and its peak resident memory in KiB.
"""

import json
import sys
import time

from synapse_sdk.clients.backend import BackendClient
from synapse_sdk.loggers import JobLogger
from synapse_sdk.plugins.models.logger import LogLevel


def main():
    url, token, job, iterations, pace = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    client = BackendClient(url, access_token=token)
    logger = JobLogger(client, job, step_proportions={"train": 100})
    logger.set_step("train")
    start = time.monotonic()
    cpu = time.process_time()
    every = max(1, iterations // 10)
    for i in range(1, iterations + 1):
        logger.set_progress(i, iterations, "train")
        logger.log(LogLevel.INFO, "iteration", {"i": i, "loss": 1.0 / i})
        if i % every == 0:
            logger.set_metrics({"loss": 1.0 / i, "iteration": i}, "train")
        if pace > 0:
            behind = start + i / pace - time.monotonic()
            if behind > 0:
                time.sleep(behind)
    logger.finish()
    done = time.monotonic()
    print(json.dumps({"sequence_s": done - start, "cpu_s": time.process_time() - cpu, "peak_rss_kib": peak_rss_kib()}),
          file=sys.stderr)


def peak_rss_kib():
    """VmHWM: this process's own peak resident memory, in KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


if __name__ == "__main__":
    main()
