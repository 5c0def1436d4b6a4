"""One upload workflow by the Python Synapse SDK, timed, for comparison with synapse's.

    python bench/peer/upload_workflow.py <backend url> <token> <source dir> <storage id> <data collection id>

Runs the SDK's own `DefaultUploadAction` (its eight steps: initialize, process_metadata,
analyze_collection, organize_files, validate_files, upload_files, generate_data_units, cleanup)
in single-path mode (`path=<source dir>`), with the given storage and data collection and every
other parameter at the SDK's default (10 upload workers, presigned batches of 200, units created
in batches of 200 by one worker). The source dir's spec folders (`image_1/`, `data_meta_1/`, … as
the collection's file specifications name them) hold files grouped by stem.

The SDK reads `path` relative to the storage's root (its `local` provider joins it to the
configuration's `location`, a leading `/` dropped), so the source dir must lie inside that
storage: with the dev backend's `file_system` storage 1, inside its media directory (`GET
storages/1/` `configuration.location`). A relative source dir is passed as it is; an absolute one
is made relative to the storage's `location` (one outside it stops the script, naming both).

Prints one JSON line:
{"seconds": <time of the action's run>, "files": <data files uploaded>, "data_units": <units created>}
where `files` counts files (a pair is two), not the groups the SDK's `uploaded_files` counts.
Only the run is timed: not the interpreter's start, nor the params' validation (which reads the
storage and the collection). Exits 1, saying why, when the params are refused (an unknown storage
or collection) or the run fails or loses files (with the SDK's result).
"""

import json
import sys
import time
from pathlib import Path

from pydantic import ValidationError
from synapse_sdk.clients.backend import BackendClient
from synapse_sdk.loggers import NoOpLogger
from synapse_sdk.plugins.actions.upload import DefaultUploadAction, UploadParams
from synapse_sdk.plugins.context import RuntimeContext
from synapse_sdk.plugins.context.env import PluginEnvironment


class Upload(DefaultUploadAction):
    """The SDK's default upload action, unchanged, keeping the context it runs with (to count the
    files its units hold)."""

    def create_context(self):
        self.context = super().create_context()
        return self.context


def storage_path(client, storage, source):
    """`source` as the SDK's `path` param: relative to the storage's `location`."""
    if not Path(source).is_absolute():
        return source
    location = client.get_storage(storage).configuration.get("location")
    try:
        return str(Path(source).resolve().relative_to(Path(location).resolve())) if location else None
    except ValueError:
        sys.exit(f"the source dir {source} is not inside storage {storage}'s location {location}")


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    url, token = sys.argv[1], sys.argv[2]
    storage, collection = int(sys.argv[4]), int(sys.argv[5])
    client = BackendClient(url, access_token=token)
    source = storage_path(client, storage, sys.argv[3])
    if source is None:
        sys.exit(f"storage {storage} has no location; give the source dir relative to its root")
    ctx = RuntimeContext(logger=NoOpLogger(), env=PluginEnvironment({}), client=client)
    # The params' validators read the storage and the collection through the client, as the
    # SDK's runner validates them before an action runs.
    try:
        params = UploadParams.model_validate(
            {"name": "upload_workflow", "path": source, "storage": storage, "data_collection": collection},
            context={"client": client},
        )
    except ValidationError as error:
        sys.exit(f"the SDK refused the params: {error}")
    action = Upload(params, ctx)
    start = time.perf_counter()
    try:
        result = action.run()
    except RuntimeError as error:  # the orchestrator's "Step '<name>' failed: <why>", after rollback
        sys.exit(f"the upload failed: {error}")
    seconds = time.perf_counter() - start
    if not result.success or result.partial_failure:
        sys.exit(f"the upload failed: {result.model_dump_json()}")
    files = sum(len(unit["files"]) for unit in action.context.uploaded_files)
    print(json.dumps({"seconds": seconds, "files": files, "data_units": result.data_units}))


if __name__ == "__main__":
    main()
