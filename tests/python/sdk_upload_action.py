"""The Python synapse-sdk's own upload action (DefaultUploadAction, its eight steps), unchanged,
against the dev backend.

Run by scripts/python-sdk.sh with the dev backend's URL and token. It seeds a data collection
(image_1 required and primary, data_meta_1) through /_dev/data_collections, writes six PNG + JSON
pairs into a folder inside the backend's file-system storage (storage 1, whose location is its
media directory: the SDK reads an upload's `path` relative to the storage's root), runs the
action in single-path mode with default settings, then checks /_dev/state: one unit per pair,
each holding both files under their spec names, every file's SHA-1 and stored bytes the local
file's, and the storage opened through its session (POST storages/{id}/session/). Exits non-zero,
naming the check, when anything differs.
"""

import hashlib
import json
import struct
import sys
import tempfile
import zlib
from pathlib import Path

from synapse_sdk.clients.backend import BackendClient
from synapse_sdk.loggers import NoOpLogger
from synapse_sdk.plugins.actions.upload import DefaultUploadAction, UploadParams
from synapse_sdk.plugins.context import RuntimeContext
from synapse_sdk.plugins.context.env import PluginEnvironment

sys.path.insert(0, str(Path(__file__).resolve().parent))
from devbackend import check, dev  # noqa: E402

STEMS = [f"scene_{n:02}" for n in range(1, 7)]


def png(side, seed):
    """An RGB PNG, `side` pixels square, its pixels a function of `seed`."""
    row = lambda y: b"\x00" + bytes((x * 7 + y * 3 + seed * 11) % 256 for x in range(side * 3))  # noqa: E731
    raw = b"".join(row(y) for y in range(side))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def sha1(data):
    return hashlib.sha1(data).hexdigest()


def main():
    url, token = sys.argv[1], sys.argv[2]
    client = BackendClient(url, access_token=token, tenant="acme")

    # The backend's file-system storage, as the SDK lists internal storages.
    storages = client._get("storages/", params={"category": "internal"})["results"]
    local = next((s for s in storages if s["provider"] == "file_system"), None)
    check("a file_system storage is listed", local is not None and local["configuration"].get("location"), storages)
    location = Path(local["configuration"]["location"])

    seeded = dev(url, "_dev/data_collections", {"name": "upload-action", "file_specifications": [
        {"name": "image_1", "file_type": "image", "is_required": True, "is_primary": True},
        {"name": "data_meta_1", "file_type": "data"},
    ]})

    # The folder, inside the storage: <path>/image_1/<stem>.png and <path>/data_meta_1/<stem>.json.
    source = Path(tempfile.mkdtemp(prefix="sdk-upload-", dir=location))
    local_bytes = {}
    for n, stem in enumerate(STEMS):
        image, meta = source / "image_1" / f"{stem}.png", source / "data_meta_1" / f"{stem}.json"
        image.parent.mkdir(exist_ok=True)
        meta.parent.mkdir(exist_ok=True)
        image.write_bytes(png(16, n))
        meta.write_text(json.dumps({"stem": stem, "index": n}))
        local_bytes[(stem, "image_1")] = image.read_bytes()
        local_bytes[(stem, "data_meta_1")] = meta.read_bytes()

    before_state = dev(url, "_dev/state")
    before, before_sessions = before_state["requests"], before_state["storage_sessions"]
    ctx = RuntimeContext(logger=NoOpLogger(), env=PluginEnvironment({}), client=client)
    params = UploadParams.model_validate(
        {"name": "sdk upload action", "path": source.name, "storage": local["id"], "data_collection": seeded["id"]},
        context={"client": client},
    )
    result = DefaultUploadAction(params, ctx).run()
    # Eight steps, seven run: process_metadata skips itself when there is no metadata sheet.
    check("the upload action succeeds, its steps all run but process_metadata",
          result.success and result.steps_total == 8 and result.steps_executed == 7, result)
    check("every pair is uploaded and becomes a unit, none lost",
          result.uploaded_files == len(STEMS) and result.data_units == len(STEMS) and not result.partial_failure,
          result)

    state = dev(url, "_dev/state")
    units = [u for u in state["data_units"] if u["data_collection"] == seeded["id"]]
    check("one unit per pair in the collection", sorted(u["meta"].get("origin_file_stem") for u in units) == STEMS,
          units)
    files = {f["id"]: f for f in state["data_files"]}
    held = {(u["meta"]["origin_file_stem"], spec): files.get(i) for u in units for spec, i in u["files"].items()}
    check("every unit holds both specs", sorted(held) == sorted(local_bytes), sorted(held))
    wrong_sum = [k for k, f in held.items() if not f or (f["checksum"], f["size"]) != (sha1(local_bytes[k]), len(local_bytes[k]))]
    check("every file exists with the local file's SHA-1 and size", not wrong_sum, wrong_sum)
    wrong_bytes = [k for k, f in held.items() if (location / f["key"]).read_bytes() != local_bytes[k]]
    check("every stored file's bytes are the local file's", not wrong_bytes, wrong_bytes)
    suffix = {"image_1": ".png", "data_meta_1": ".json"}
    wrong_name = [k for k, f in held.items() if f["filename"] != k[0] + suffix[k[1]]]
    check("every file keeps its name", not wrong_name, [held[k] for k in wrong_name])

    # Through the dev backend's file-system storage: the session, then presigned transfers.
    count = lambda route: state["requests"].get(route, 0) - before.get(route, 0)  # noqa: E731
    sessions = [s for s in state["storage_sessions"] if s["id"] > max((b["id"] for b in before_sessions), default=0)]
    check("the storage was opened through its session, for reading",
          count("POST /storages/{id}/session/") >= 1 and sessions
          and all((s["storage"], s["purpose"]) == (local["id"], "read") for s in sessions), state["storage_sessions"])
    unserved = {k: n for k, n in state["unmatched"].items() if n != before_state["unmatched"].get(k, 0)}
    check("no request of the action fell through to an unserved path", not unserved, unserved)
    check("one PUT per file", count("PUT /_presigned/{*key}") == 2 * len(STEMS), state["requests"])
    check("the units in one POST data_units/", count("POST /data_units/") == 1, state["requests"])


if __name__ == "__main__":
    main()
