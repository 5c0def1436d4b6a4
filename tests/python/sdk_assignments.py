"""The Python synapse-sdk's client and export, unchanged, reading assignments from the dev backend
(synapse-dev-backend): `GET sdk/assignments/`.

Run by scripts/python-sdk.sh with the dev backend's URL and token. It seeds a project of 3 tasks
and one assignment per task (two holding a DM v1 annotation), lists them with the SDK's
`list_assignments` (the one page, and every page with `list_all`), then runs the SDK's step-based
`DefaultExportAction` in process (its default `BaseExporter`) with target `assignment` into the
backend's storage 1 at a path that lands in a temporary directory. It checks the listing's rows
(`{id, project, task, data, file}`), the files written (a DM JSON per annotated assignment named
after the task's `file_name_original`, an original per assignment, the unannotated one in the error
list) and that the SDK asked for nothing the backend does not serve. Exits non-zero, naming the
check, when anything differs.
"""

import json
import os
import sys
import tempfile
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


def dm(box_id, x):
    return {"extra": {}, "relations": {}, "annotationGroups": {},
            "annotations": {"image_1": [{"id": box_id, "tool": "bounding_box", "classification": {"class": "car"}}]},
            "annotationsData": {"image_1": [{"id": box_id, "coordinate": {"x": x, "y": 2, "width": 5, "height": 6}}]}}


def main():
    url, token = sys.argv[1], sys.argv[2]
    seeded = dev(url, "_dev/seed/project", {"seed": 6, "classes": ["car"], "tasks": 3, "width": 24, "height": 16})
    project, tasks = seeded["project"], seeded["tasks"]
    data = {str(tasks[0]): dm("a1", 1), str(tasks[1]): dm("b2", 2)}
    made = dev(url, "_dev/seed/assignments", {"project": project, "data": data})["assignments"]
    before = dev(url, "_dev/state")

    client = BackendClient(url, access_token=token)
    page = client.list_assignments(params={"project": project, "page_size": 2})
    check("list_assignments: a DRF page", (page["count"], len(page["results"])) == (3, 2), page)
    rows, count = client.list_assignments(params={"project": project}, list_all=True)
    rows = list(rows)
    check("list_assignments(list_all): every assignment", count == 3 and [r["id"] for r in rows] == [m["id"] for m in made],
          rows)
    first = rows[0]
    check("list_assignments: the row's keys", {"id", "project", "task", "data", "file"} <= set(first), first)
    check("list_assignments: the task's primary file", first["file"]["file_name_original"] == "task_0001.png", first)
    check("list_assignments: the assignment's data", first["data"] == dm("a1", 1), first)

    location = Path(client.get_storage(1).configuration["location"]).resolve()
    output = Path(tempfile.mkdtemp(prefix="sdk-assignments-")).resolve()
    sdk_download.get_temp_path = lambda sub_path=None: output / ".media" / sub_path if sub_path else output / ".media"
    os.environ["SYNAPSE_EXPORT_DISABLE_ASYNC_DELEGATE"] = "true"
    ctx = RuntimeContext(logger=NoOpLogger(), env=PluginEnvironment({}), client=client)
    params = ExportParams(name="assigned", storage=1, path=os.path.relpath(output, location), target="assignment",
                          filter={"project": project}, save_original_file=True, disable_async_delegate=True)
    result = ExportAction(params, ctx).run()
    check("export: the annotated assignments exported, the other failed",
          (result["exported_count"], result["failed_count"], result["total_count"]) == (2, 1, 3), result)
    root = output / "assigned"
    labels = sorted(path.name for path in (root / "labels").iterdir())
    originals = sorted(path.name for path in (root / "origin_files").iterdir())
    check("export: a DM JSON per annotated assignment", labels == ["task_0001.json", "task_0002.json"], labels)
    check("export: an original per assignment", originals == ["task_0001.png", "task_0002.png", "task_0003.png"],
          originals)
    check("export: the DM as the assignment holds it",
          json.loads((root / "labels" / "task_0002.json").read_text()) == dm("b2", 2))
    errors = json.loads((root / "error_file_list.json").read_text())
    check("export: the unannotated assignment in the error list", errors["json_file_name"][0][0] == "task_0003.json",
          errors)

    after = dev(url, "_dev/state")
    check("export: nothing asked that the backend does not serve", after["unmatched"] == before["unmatched"],
          (before["unmatched"], after["unmatched"]))


if __name__ == "__main__":
    main()
