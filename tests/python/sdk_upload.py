"""The Python synapse-sdk's chunked upload and model creation, unchanged, against the dev backend.

Run by scripts/python-sdk.sh with the dev backend's URL and token. It uploads a few-MB file in
several chunks with the SDK's own create_chunked_upload, creates a model from a file with
create_model exactly as plugins call it, reads the model back (get_model downloads its file),
then checks /_dev/state: the stored MD5s equal the local ones and the model has the fields sent.
Exits non-zero, naming the check, when anything differs.
"""

import hashlib
import os
import sys
import tempfile
from pathlib import Path

from synapse_sdk.clients.backend import BackendClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from devbackend import check, dev  # noqa: E402


def main():
    url, token = sys.argv[1], sys.argv[2]
    client = BackendClient(url, access_token=token, tenant="acme")
    work = Path(tempfile.mkdtemp())
    data = os.urandom(3 * 1024 * 1024 + 12345)
    md5 = hashlib.md5(data).hexdigest()
    path = work / "model.zip"
    path.write_bytes(data)

    # Several chunks: the SDK's chunk size is a parameter of create_chunked_upload. Requests are
    # counted from here: the scripts before this one share the backend.
    before = dev(url, "_dev/state")["requests"]
    progress = []
    upload = client.create_chunked_upload(path, chunk_size=1024 * 1024, on_progress=lambda sent, total: progress.append(sent))
    check("create_chunked_upload finalized", upload.get("completed_at") and upload.get("checksum") == md5, upload)
    check("four chunks reported", progress == [1048576, 2097152, 3145728, len(data)], progress)
    state = dev(url, "_dev/state")
    stored = next(u for u in state["chunked_uploads"] if u["id"] == upload["id"])
    check("the stored md5 is the file's", stored["md5"] == md5 and stored["size"] == len(data), stored)
    check("the filename field named the file", stored["filename"] == "model.zip", stored)
    sent = lambda route: state["requests"].get(route, 0) - before.get(route, 0)  # noqa: E731
    check("one PUT created the upload, three appended",
          sent("PUT /chunked_upload/") == 1 and sent("PUT /chunked_upload/{id}/") == 3, state["requests"])
    check("the finalize was one POST", sent("POST /chunked_upload/{id}/") == 1, state["requests"])
    check("get_chunked_upload shows it complete", client.get_chunked_upload(upload["id"])["completed_at"])

    # create_model as plugins call it: the data dict and file= (the SDK uploads, then POSTs).
    model = client.create_model(
        {"name": "sdk-model", "plugin": "detector", "version": "0.1.0",
         "configuration": {"classes": ["car"]}, "description": "made by the SDK"},
        file=path,
    )
    check("create_model", model["name"] == "sdk-model" and model["file"].startswith(url), model)
    state = dev(url, "_dev/state")
    stored = next(m for m in state["models"] if m["id"] == model["id"])
    check("the model has the fields sent",
          (stored["plugin"], stored["version"], stored["configuration"], stored["description"])
          == ("detector", "0.1.0", {"classes": ["car"]}, "made by the SDK"), stored)
    its_upload = next(u for u in state["chunked_uploads"] if u["id"] == stored["chunked_upload"])
    check("the model's upload has the file's md5", its_upload["md5"] == md5, its_upload)

    # get_model turns the file URL into a downloaded local path.
    got = client.get_model(model["id"])
    local = Path(str(got["file"]))
    check("get_model downloaded the file", local.exists() and hashlib.md5(local.read_bytes()).hexdigest() == md5, got)

    try:
        client.create_model({"name": "x", "chunked_upload": "0" * 32})
        check("a model from no upload is refused", False)
    except Exception as error:  # the SDK's ClientError
        check("a model from no upload is refused", "400" in str(error) or getattr(error, "status_code", None) == 400,
              error)


if __name__ == "__main__":
    main()
