"""The Python synapse-sdk's own `to_task` action, method FILE, unchanged, pre-annotating a project
of the dev backend (synapse-dev-backend) from YOLO labels.

Run by scripts/python-sdk.sh with the dev backend's URL and token. It seeds a project of 5 tasks
(80x48 images, 3 classes), the third without its `label_1`, and runs the SDK's `ToTaskAction`
with the YOLO hook of bench/peer/to_task_file.py (the SDK's YOLO -> DM v2 -> DM v1 converters):
initialize (project, data collection), prepare (the `label_1` specification), fetch_tasks,
annotate_task_data, finalize. Then it checks the result and, from /_dev/state, that every
labelled task got one submission whose DM v1 is the seed's boxes (in pixels, classes by name,
annotations and annotationsData joined by id) and that the unlabelled task got none and is the
one recorded failure. Exits non-zero, naming the check, when anything differs.
"""

import importlib.util
import sys
import tempfile
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

    state = dev(url, "_dev/state")
    tasks = {task["id"]: task for task in state["tasks"] if task["project"] == seeded["project"]}
    check("the project's 5 tasks are in the state", sorted(tasks) == sorted(seeded["tasks"]), sorted(tasks))
    for task_id in seeded["tasks"]:
        task = tasks[task_id]
        if task_id == unlabelled:
            check(f"task {task_id} (no label_1): nothing submitted", task["annotations"] == [] and task["data"] is None,
                  task["annotations"])
            continue
        annotations = task["annotations"]
        check(f"task {task_id}: one submission, action submit, no ?schema= (the SDK's default)",
              len(annotations) == 1 and annotations[0]["action"] == "submit" and annotations[0]["schema"] is None,
              annotations)
        boxes = [box for box in seeded["boxes"] if box["task"] == task_id]
        ok, why = matches(annotations[0]["data"], boxes)
        check(f"task {task_id}: the submitted DM v1 is the seed's {len(boxes)} boxes", ok, why)
        check(f"task {task_id}: the task's data is the submission", task["data"] == annotations[0]["data"])


if __name__ == "__main__":
    main()
