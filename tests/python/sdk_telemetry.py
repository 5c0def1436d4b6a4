"""Training telemetry of the Python synapse-sdk, unchanged, against the dev backend.

Run by scripts/python-sdk.sh with the dev backend's URL and token. The SDK's JobLogger (the logger a
platform job runs with) records metrics (`log_metric`, as `TrainAction.report_metrics` calls it)
and a visualization (`log_visualization`: the client sends the image as a base64 `data:` URI in
the entry's `file`); /_dev/state must show the entries as the SDK shaped them, and the
visualization's file, served back from its URL, must be the exact PNG sent. Exits non-zero, naming
the check, when anything differs.
"""

import struct
import sys
import tempfile
import urllib.request
import zlib
from pathlib import Path

from synapse_sdk.clients.backend import BackendClient
from synapse_sdk.loggers import JobLogger

sys.path.insert(0, str(Path(__file__).resolve().parent))
from devbackend import check, dev  # noqa: E402


def png(width, height):
    """A real PNG (8-bit RGB) of `width` x `height` pixels of a gradient."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(
        b"\x00" + bytes(channel for x in range(width) for channel in (x * 20 % 256, y * 30 % 256, 200))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def main():
    url, token = sys.argv[1], sys.argv[2]
    client = BackendClient(url, access_token=token, tenant="acme")
    job = dev(url, "_dev/jobs", {})["id"]
    logger = JobLogger(client, str(job), log_flush_interval=0.1, progress_flush_interval=0.1)

    image_bytes = png(12, 8)
    with tempfile.TemporaryDirectory() as folder:
        image = Path(folder) / "predictions.png"
        image.write_bytes(image_bytes)
        for epoch in (1, 2):
            logger.log_metric("train", "epoch", epoch, loss=1.0 / epoch)
            logger.log_metric("validation", "epoch", epoch, map50=0.2 * epoch)
        logger.log_visualization("validation", "predictions", 0, str(image), epoch=2)
        logger.finish()

    state = dev(url, "_dev/state")
    entries = [entry for entry in state["logs"] if str(entry["job"]) == str(job)]
    metrics = [entry["data"] for entry in entries if entry["event"] == "metric"]
    expected = [
        {"category": category, "key": "epoch", "value": epoch, "metrics": values}
        for epoch in (1, 2)
        for category, values in (("train", {"loss": 1.0 / epoch}), ("validation", {"map50": 0.2 * epoch}))
    ]
    check("log_metric entries arrive as the SDK shaped them", metrics == expected, metrics)
    visualizations = [entry for entry in entries if entry["event"] == "visualization"]
    check("one visualization entry", len(visualizations) == 1, entries)
    visualization = visualizations[0]
    data = {"category": "validation", "group": "predictions", "index": 0, "epoch": 2}
    check("the visualization's data", visualization["data"] == data, visualization)
    check("a legacy event has no level", visualization["level"] is None, visualization)
    file_url = visualization["file"]
    check("the visualization's file is shown as a media URL", str(file_url).startswith(url + "media/"), visualization)
    with urllib.request.urlopen(file_url, timeout=30) as response:
        served = response.read()
        kind = response.headers.get("Content-Type")
    check("the file served back is the exact PNG sent", served == image_bytes, (len(served), len(image_bytes)))
    check("the file is served as a PNG", kind == "image/png", kind)
    print(f"the SDK's JobLogger sent {len(metrics)} metrics and a {len(image_bytes)}-byte visualization")


if __name__ == "__main__":
    main()
