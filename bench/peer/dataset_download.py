"""One dataset download by the Python Synapse SDK, timed, for comparison with synapse's
(`bench/src/bin/download_figures.rs`, which runs this script).

    python bench/peer/dataset_download.py <backend url> <token> <version> <output dir> [split ...]

Runs the SDK's own `DatasetAction.download` (operation `download`, the given splits, an explicit
`output_dir`, so its dataset cache is bypassed as ours is) and prints one JSON line:
{"seconds": <time of the call>, "count": <events written>, "bytes": <bytes under output dir>}.
The SDK keeps downloaded files in `/tmp/datamaker/media` by URL and reuses them; the script points
that directory at a fresh one inside the output directory, so every run downloads every file.
Only the call is timed, not the interpreter's start.
"""

import json
import sys
import time
from pathlib import Path

import synapse_sdk.utils.file.download as sdk_download
from synapse_sdk.clients.backend import BackendClient
from synapse_sdk.loggers import NoOpLogger
from synapse_sdk.plugins.actions.dataset.action import DatasetAction, DatasetParams
from synapse_sdk.plugins.context import RuntimeContext
from synapse_sdk.plugins.context.env import PluginEnvironment


def main():
    url, token, version, output = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    splits = sys.argv[5:]
    media = output / ".media"

    def temp_path(sub_path=None):
        return media / sub_path if sub_path else media

    sdk_download.get_temp_path = temp_path
    client = BackendClient(url, access_token=token)
    ctx = RuntimeContext(logger=NoOpLogger(), env=PluginEnvironment({}), client=client)
    params = DatasetParams(
        operation="download",
        dataset=version,
        splits={split: {} for split in splits} or None,
        output_dir=output / "dataset",
    )
    action = DatasetAction(params, ctx)
    start = time.perf_counter()
    result = action.download()
    seconds = time.perf_counter() - start
    written = sum(path.stat().st_size for path in (output / "dataset").rglob("*") if path.is_file())
    print(json.dumps({"seconds": seconds, "count": result.count, "bytes": written}))


if __name__ == "__main__":
    main()
