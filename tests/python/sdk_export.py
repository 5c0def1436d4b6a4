"""The Python synapse-sdk's own export action, unchanged, exporting ground truth from the dev
backend (synapse-dev-backend).

Run by scripts/python-sdk.sh with the dev backend's URL and token. It seeds a ground-truth version,
then runs the SDK's step-based `DefaultExportAction` in process (its default `BaseExporter`: one DM
JSON per item under `labels/`, the originals under `origin_files/`) with target `ground_truth`,
into the backend's storage 1 (`file_system`, its media directory) at a path that lands in a
temporary directory, in cursor pages of 2 (`SYNAPSE_EXPORT_PAGE_SIZE`). It checks the files
written (one JSON and one PNG per event, named after the data unit's `file_name_original`, the
JSON the event's DM v1 with the seed's boxes, the PNG the served image) and, in /_dev/state, that
the SDK opened a storage session and asked for nothing the backend does not serve. Exits non-zero,
naming the check, when anything differs.
"""

import json
import os
import sys
import tempfile
import urllib.request
from pathlib import Path

import synapse_sdk.utils.file.download as sdk_download
from synapse_sdk.clients.backend import BackendClient
from synapse_sdk.loggers import NoOpLogger
from synapse_sdk.plugins.actions.export.action import DefaultExportAction
from synapse_sdk.plugins.actions.export.exporter import BaseExporter
from synapse_sdk.plugins.actions.export.models import ExportParams
from synapse_sdk.plugins.context import RuntimeContext
from synapse_sdk.plugins.context.env import PluginEnvironment

sys.path.insert(0, str(Path(__file__).resolve().parent))
from devbackend import check, dev  # noqa: E402


class ExportAction(DefaultExportAction):
    """The SDK's export as a plugin declares it: its default exporter as the entrypoint."""

    entrypoint = BaseExporter

    def execute(self):
        raise NotImplementedError("the step-based run() is used")


def main():
    url, token = sys.argv[1], sys.argv[2]
    seeded = dev(url, "_dev/seed/gt_dataset", {"seed": 11, "classes": ["car", "person"],
                                               "splits": {"train": 4, "validation": 2}, "width": 48, "height": 32})
    version = seeded["ground_truth_dataset_version"]
    before = dev(url, "_dev/state")

    client = BackendClient(url, access_token=token)
    # What the SDK asks for, seen (not changed) at its client's GET.
    requested = []
    sdk_get = client._get

    def seen_get(path, *args, **kwargs):
        requested.append((path, kwargs.get("params")))
        return sdk_get(path, *args, **kwargs)

    client._get = seen_get
    location = Path(client.get_storage(1).configuration["location"]).resolve()
    output = Path(tempfile.mkdtemp(prefix="sdk-export-")).resolve()
    # Files the SDK downloads while listing go to a cache of its own; keep it in the temporary dir.
    sdk_download.get_temp_path = lambda sub_path=None: output / ".media" / sub_path if sub_path else output / ".media"
    os.environ["SYNAPSE_EXPORT_DISABLE_ASYNC_DELEGATE"] = "true"
    os.environ["SYNAPSE_EXPORT_PAGE_SIZE"] = "2"
    try:
        ctx = RuntimeContext(logger=NoOpLogger(), env=PluginEnvironment({}), client=client)
        params = ExportParams(name="gt", storage=1, path=os.path.relpath(output, location), target="ground_truth",
                              filter={"ground_truth_dataset_version": version}, save_original_file=True,
                              disable_async_delegate=True)
        result = ExportAction(params, ctx).run()
    finally:
        del os.environ["SYNAPSE_EXPORT_PAGE_SIZE"]
    check("export: every event exported", (result["exported_count"], result["failed_count"],
                                           result["total_count"]) == (6, 0, 6), result)
    check("export: the steps that ran", result["success"] and result["steps_executed"] == 6, result)
    root = output / "gt"
    check("export: written under the storage path given", Path(result["output_path"]).resolve() == output, result)

    labels = sorted(path.name for path in (root / "labels").iterdir())
    originals = sorted(path.name for path in (root / "origin_files").iterdir())
    expected = [f"img_{n:04d}" for n in range(1, 7)]
    check("export: one DM JSON per event, named by file_name_original", labels == [f"{n}.json" for n in expected], labels)
    check("export: one original per event", originals == [f"{n}.png" for n in expected], originals)
    check("export: no error list", not (root / "error_file_list.json").exists())

    for image in seeded["images"]:
        name = image["url"].rsplit("/", 1)[1]
        exported = json.loads((root / "labels" / name.replace(".png", ".json")).read_text())
        boxes = [box for box in seeded["boxes"] if box["event"] == image["event"]]
        coordinates = [item["coordinate"] for item in exported["annotationsData"]["image_1"]]
        truth = [{"x": b["x"], "y": b["y"], "width": b["width"], "height": b["height"]} for b in boxes]
        check(f"export {name}: the boxes are the seed's", coordinates == truth, (coordinates, truth))
        classes = [item["classification"]["class"] for item in exported["annotations"]["image_1"]]
        check(f"export {name}: the classes are the seed's", classes == [b["class"] for b in boxes], classes)
        with urllib.request.urlopen(image["url"], timeout=30) as response:
            served = response.read()
        check(f"export {name}: the original is the served image", (root / "origin_files" / name).read_bytes() == served)

    after = dev(url, "_dev/state")
    asked = {key: after["requests"].get(key, 0) - before["requests"].get(key, 0) for key in after["requests"]}
    check("export: the SDK opened a storage session", asked.get("POST /storages/{id}/session/") == 1, asked)
    # Two count probes (page-numbered), then 3 cursor pages of 2, the 2nd and 3rd by `next`.
    check("export: events asked for 5 times", asked.get("GET /sdk/ground_truth_events/") == 5, asked)
    followed = [path for path, _ in requested if "cursor=" in path]
    check("export: the SDK followed the cursor pages' next", len(followed) == 2, requested)
    check("export: nothing asked that the backend does not serve", after["unmatched"] == before["unmatched"],
          (before["unmatched"], after["unmatched"]))


if __name__ == "__main__":
    main()
