"""The Python synapse-sdk's own `to_task` action, method FILE, unchanged, pre-annotating a project
of the dev backend (synapse-dev-backend) from YOLO labels.

Run by scripts/python-sdk.sh with the dev backend's URL and token. It seeds a project of 5 tasks
(80x48 images, 3 classes), the third without its `label_1`, and runs the SDK's `ToTaskAction`
with the YOLO hook of bench/peer/to_task_file.py (the SDK's YOLO -> DM v2 -> DM v1 converters):
initialize (project, data collection), prepare (the `label_1` specification), fetch_tasks,
annotate_task_data, finalize. Then it checks the result and, from /_dev/state, that every
labelled task got one submission whose DM v1 is the seed's boxes (in pixels, classes by name,
annotations and annotationsData joined by id) and that the unlabelled task got none and is the
one recorded failure. A second project runs in the SDK's batch mode (windows of 4 tasks, their
PUTs concurrent) with `schema='any'`, one task's PUT refused by an injected 400: that task and the
unlabelled one are the recorded failures, the others are stored with `?schema=any`. Exits
non-zero, naming the check, when anything differs.
"""

import importlib.util
import json
import sys
import tempfile
import urllib.request
from pathlib import Path

from synapse_sdk.clients.backend import BackendClient  # noqa: F401 (the SDK must import)

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from devbackend import check, dev  # noqa: E402

CLASSES = ["car", "person", "truck"]
FLAGS = {"isLocked": False, "isVisible": True, "isValid": False, "isDrawCompleted": True, "label": []}


def load_bench():
    """bench/peer/to_task_file.py as a module: its hook is the one under test."""
    path = HERE.parent.parent / "bench" / "peer" / "to_task_file.py"
    spec = importlib.util.spec_from_file_location("to_task_file", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def close(a, b):
    return abs(a - b) < 1e-3


def matches(submitted, boxes):
    """Whether the DM v1 `submitted` is exactly `boxes` (ids aside, coordinates to 1e-3 px)."""
    if {key: submitted.get(key) for key in ("extra", "relations", "annotationGroups")} != {
        "extra": {}, "relations": {}, "annotationGroups": {}
    }:
        return False, "meta sections"
    if set(submitted["annotations"]) != {"image_1"} or set(submitted["annotationsData"]) != {"image_1"}:
        return False, "media keys"
    annotations, data = submitted["annotations"]["image_1"], submitted["annotationsData"]["image_1"]
    if len(annotations) != len(boxes) or len(data) != len(boxes):
        return False, f"{len(annotations)} annotations, {len(data)} data, {len(boxes)} boxes"
    for annotation, item, box in zip(annotations, data, boxes):
        expected = {"id": annotation["id"], "tool": "bounding_box", "classification": {"class": box["class"]}, **FLAGS}
        if annotation != expected or item["id"] != annotation["id"]:
            return False, (annotation, item)
        coordinate = item["coordinate"]
        if set(coordinate) != {"x", "y", "width", "height"} or not all(
            close(coordinate[key], box[key]) for key in ("x", "y", "width", "height")
        ):
            return False, (coordinate, box)
    if len({annotation["id"] for annotation in annotations}) != len(annotations):
        return False, "ids repeat"
    return True, ""


def submitted_as_seeded(state, seeded, failed, schema):
    """Check that each task of `seeded` outside `failed` got one submission (with `schema`) of its
    seed's boxes, and each in `failed` none."""
    tasks = {task["id"]: task for task in state["tasks"] if task["project"] == seeded["project"]}
    check(f"project {seeded['project']}: its tasks are in the state", sorted(tasks) == sorted(seeded["tasks"]),
          sorted(tasks))
    for task_id in seeded["tasks"]:
        task = tasks[task_id]
        if task_id in failed:
            check(f"task {task_id} (failed): nothing stored", task["annotations"] == [] and task["data"] is None,
                  task["annotations"])
            continue
        annotations = task["annotations"]
        check(f"task {task_id}: one submission, action submit, ?schema={schema or '(none)'}",
              len(annotations) == 1 and annotations[0]["action"] == "submit" and annotations[0]["schema"] == schema,
              annotations)
        boxes = [box for box in seeded["boxes"] if box["task"] == task_id]
        ok, why = matches(annotations[0]["data"], boxes)
        check(f"task {task_id}: the submitted DM v1 is the seed's {len(boxes)} boxes", ok, why)
        check(f"task {task_id}: the task's data is the submission", task["data"] == annotations[0]["data"])


def clear_faults(url):
    request = urllib.request.Request(url + "_dev/faults", method="DELETE")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def batched(url, token, bench):
    """Windows of 4 (the SDK's concurrent PUTs), `?schema=any`, and one PUT the backend refuses:
    that task is a recorded failure beside the unlabelled one, and the others are stored."""
    seeded = dev(url, "_dev/seed/project", {"seed": 12, "classes": CLASSES, "tasks": 6, "with_labels": True,
                                            "without_label": [5], "width": 48, "height": 80})
    refused, unlabelled = seeded["tasks"][1], seeded["tasks"][5]
    dev(url, "_dev/faults", {"method": "PUT", "path_glob": f"tasks/{refused}/annotate_task_data/", "status": 400})
    try:
        with tempfile.TemporaryDirectory() as media:
            result, _ = bench.run(url, token, seeded["project"], "label_1", CLASSES, Path(media), batch_size=4,
                                  schema="any")
    finally:
        clear_faults(url)
    check("batched to_task: 6 tasks, 4 annotated, 2 failed",
          (result.total_tasks, result.success_count, result.failed_count) == (6, 4, 2), result)
    check("batched to_task: the failures are the refused PUT's task and the unlabelled one",
          sorted(failure["task_id"] for failure in result.failures) == sorted([refused, unlabelled]), result.failures)
    submitted_as_seeded(dev(url, "_dev/state"), seeded, {refused, unlabelled}, "any")


def main():
    url, token = sys.argv[1], sys.argv[2]
    seeded = dev(url, "_dev/seed/project", {"seed": 11, "classes": CLASSES, "tasks": 5, "with_labels": True,
                                            "without_label": [2], "width": 80, "height": 48})
    unlabelled = seeded["tasks"][2]
    bench = load_bench()
    with tempfile.TemporaryDirectory() as media:
        result, _ = bench.run(url, token, seeded["project"], "label_1", CLASSES, Path(media))
    check("to_task: SUCCEEDED", result.status == "SUCCEEDED", result)
    check("to_task: 5 tasks, 4 annotated, 1 failed",
          (result.total_tasks, result.success_count, result.failed_count) == (5, 4, 1), result)
    check("to_task: the failure is the unlabelled task's",
          [failure["task_id"] for failure in result.failures] == [unlabelled], result.failures)
    check("to_task: it failed for want of its label_1 file",
          "Target specification file not found" in result.failures[0]["error"], result.failures)

    # The SDK sends no ?schema= for its default, dm_schema_v1.
    submitted_as_seeded(dev(url, "_dev/state"), seeded, {unlabelled}, None)
    batched(url, token, bench)


if __name__ == "__main__":
    main()
