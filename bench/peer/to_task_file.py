"""One pre-annotation run by the Python Synapse SDK's own `to_task` action (method `file`),
timed, for comparison with synapse's `to_task`.

    python bench/peer/to_task_file.py <backend url> <token> <project id> <target spec name> <class,names>

Runs the SDK's `ToTaskAction` with `method=file`, the given `target_specification_name`, the
project, `task_filters={}` and `agent=1` (required by `ToTaskParams`, unused by FILE): it reads
the project and its data collection, lists the project's tasks, and for each fetches the task with
its data unit, hands the primary file and the target spec's file to the plugin's
`convert_data_from_file`, and submits the result with `PUT tasks/{id}/annotate_task_data/`. The
hook is what a plugin author writes for YOLO labels (`class cx cy w h`, normalized, one box a
line): both files downloaded with the SDK's `download_file`, the label read with the SDK's
`YOLOToDMConverter` (single-file mode, DM v2, boxes in pixels of the primary image's size, which
it reads with Pillow, classes from the comma-separated names by index) and turned into DM v1 by
its `DMV2ToV1Converter`. Prints one JSON line:
{"seconds": <time of the action's run>, "success": <tasks annotated>, "failed": <tasks failed>}.
Downloads go to a fresh temporary directory, so every run fetches every file. Only the run is
timed, not the interpreter's start.
"""

import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

# pydantic warns on import that the SDK's `ToTaskParams.schema` shadows `BaseModel.schema`.
warnings.filterwarnings("ignore", message='Field name "schema"')

from synapse_sdk.clients.backend import BackendClient  # noqa: E402
from synapse_sdk.loggers import NoOpLogger  # noqa: E402
from synapse_sdk.plugins.actions.to_task.action import ToTaskAction, ToTaskParams  # noqa: E402
from synapse_sdk.plugins.context import RuntimeContext  # noqa: E402
from synapse_sdk.plugins.context.env import PluginEnvironment  # noqa: E402
from synapse_sdk.utils.annotation_models.dm import DMVersion  # noqa: E402
from synapse_sdk.utils.converters.dm.to_v1 import DMV2ToV1Converter  # noqa: E402
from synapse_sdk.utils.converters.yolo.to_dm import YOLOToDMConverter  # noqa: E402
from synapse_sdk.utils.file.download import download_file  # noqa: E402


class YoloToTask(ToTaskAction):
    """`to_task` of a plugin whose data units carry YOLO labels beside their image: `class_names`
    by class index, files downloaded into `media_dir`."""

    def __init__(self, params, ctx, class_names, media_dir):
        super().__init__(params, ctx)
        self.class_names = class_names
        self.media_dir = media_dir

    def convert_data_from_file(self, primary_file_url, primary_file_name, data_file_url, data_file_name, task_data=None):
        image = download_file(primary_file_url, self.media_dir, evict=False)
        label = download_file(data_file_url, self.media_dir, evict=False)
        converter = YOLOToDMConverter(is_single_conversion=True, dm_version=DMVersion.V2, class_names=self.class_names)
        with open(image, "rb") as file:
            v2 = converter.convert_single_file(label.read_text().splitlines(), file)["dm_json"]
        return DMV2ToV1Converter().convert(v2)


def run(url, token, project, target, class_names, media_dir, batch_size=1, schema="dm_schema_v1"):
    """The action's `ToTaskResult` and the seconds its run took; `batch_size` and `schema` as
    `ToTaskParams` takes them (the command line keeps their defaults: one task at a time, DM v1)."""
    client = BackendClient(url, access_token=token)
    ctx = RuntimeContext(logger=NoOpLogger(), env=PluginEnvironment({}), client=client)
    params = ToTaskParams(
        name="to_task",
        project=project,
        agent=1,
        task_filters={},
        method="file",
        target_specification_name=target,
        batch_size=batch_size,
        schema=schema,
    )
    action = YoloToTask(params, ctx, class_names, media_dir)
    start = time.perf_counter()
    result = action.run()
    return result, time.perf_counter() - start


def main():
    url, token, project, target = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    class_names = [name for name in sys.argv[5].split(",") if name]
    with tempfile.TemporaryDirectory() as media:
        result, seconds = run(url, token, project, target, class_names, Path(media))
    print(json.dumps({"seconds": seconds, "success": result.success_count, "failed": result.failed_count}))


if __name__ == "__main__":
    main()
