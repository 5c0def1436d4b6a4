"""The Python synapse-sdk's data calls, unchanged, against the dev backend (synapse-dev-backend).

Run by scripts/python-sdk.sh with the dev backend's URL and token. The SDK's own v1 BackendClient
reads a data collection (seeded through /_dev/data_collections), uploads data files as its bulk
upload does (upload_data_file: a multipart POST data_files/ per file), checks checksums, creates
data units and reads one back, uploads through presigned URLs (upload_files_bulk with the
'presigned' strategy: a single PUT and a multipart one, SHA-1 confirmed), reads the storage, then
checks /_dev/state. Exits non-zero, naming the check, when anything differs.
"""

import hashlib
import json
import sys
import tempfile
from pathlib import Path

from synapse_sdk.clients.backend import BackendClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from devbackend import check, dev  # noqa: E402


def sha1(path):
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()


def main():
    url, token = sys.argv[1], sys.argv[2]
    client = BackendClient(url, access_token=token, tenant="acme")
    # The scripts share one backend: what this one checks is what came after this snapshot.
    before = dev(url, "_dev/state")
    work = Path(tempfile.mkdtemp())

    seeded = dev(url, "_dev/data_collections", {"name": "pets", "file_specifications": [
        {"name": "image_1", "file_type": "image", "is_required": True, "is_primary": True},
        {"name": "data_meta_1", "file_type": "data", "function_type": "meta"},
    ]})
    collection = client.get_data_collection(seeded["id"])
    names = [spec["name"] for spec in collection["file_specifications"]]
    check("get_data_collection expands the file specifications", names == ["image_1", "data_meta_1"], collection)

    # Files as the SDK's bulk upload sends them: one multipart POST data_files/ each.
    units = []
    for stem in ("cat", "dog"):
        image = work / f"{stem}.png"
        image.write_bytes(b"\x89PNG\r\n\x1a\n" + stem.encode() * 64)
        meta = work / f"{stem}.json"
        meta.write_text(json.dumps({"label": stem}))
        units.append(client.upload_data_file(
            {"files": {"image_1": image, "data_meta_1": meta}, "meta": {"origin_file_stem": stem}}, seeded["id"]))
    cat_image = units[0]["files"]["image_1"]
    check("create_data_file's checksum is the SHA-1 of the content",
          cat_image["checksum"] == sha1(cat_image["path"]), cat_image)

    if hasattr(client, "verify_data_files_checksums"):
        verified = client.verify_data_files_checksums([cat_image["checksum"], "0" * 40])
        check("verify_data_files_checksums", verified == {"existing_checksums": [cat_image["checksum"]]}, verified)

    created = client.create_data_units(units)
    check("create_data_units creates every unit", isinstance(created, list) and len(created) == 2, created)
    unit = client.get_data_unit(created[0]["id"], params={"expand": "files"})
    image_file = unit["files"]["image_1"]
    check("get_data_unit expands its files",
          image_file["checksum"] == cat_image["checksum"] and image_file["is_primary"] and image_file["url"], unit)

    # The presigned upload, as the upload action runs it for S3 storages.
    small = work / "small.json"
    small.write_text(json.dumps({"n": 1}))
    large = work / "large.bin"
    large.write_bytes(bytes(range(251)) * (6 * 1024 * 1024 // 251 + 1))
    result = client.upload_files_bulk([small, large], strategy="presigned", max_upload_retries=0)
    check("upload_files_bulk (presigned) confirms both files",
          result.created_count == 2 and result.failed_count == 0, result)
    by_path = {Path(entry.file_key).name: entry for entry in result.results}
    check("the presigned checksums are SHA-1",
          by_path["small.json"].checksum == sha1(small) and by_path["large.bin"].checksum == sha1(large), by_path)

    storage = client.get_storage(1)
    check("get_storage", storage.provider == "file_system" and storage.is_default, storage)

    state = dev(url, "_dev/state")
    files = state["data_files"][len(before["data_files"]):]
    units = state["data_units"][len(before["data_units"]):]
    origins = sorted(file["origin"] for file in files)
    check("the data files arrived", origins == ["multipart"] * 4 + ["presigned"] * 2, origins)
    check("the units arrived", len(units) == 2 and units[0]["meta"] == {"origin_file_stem": "cat"}, units)
    route = "PUT /_presigned/{*key}"
    puts = state["requests"].get(route, 0) - before["requests"].get(route, 0)
    check("one PUT for the small file, one per part for the large one", puts == 3, state["requests"])
    refused = [record for record in state["auth"][len(before["auth"]):] if not record["accepted"]]
    check("no request was refused", not refused, refused)


if __name__ == "__main__":
    main()
