"""One chunked upload by the Python Synapse SDK, timed, for comparison with synapse's
(`bench/src/bin/upload_figures.rs`, which runs this script).

    python bench/peer/chunked_upload.py <backend url> <token> <file>

Uploads the file with the SDK's own `BackendClient.create_chunked_upload` (its default 50 MiB
chunks) and prints one JSON line: {"seconds": <time of the call>, "id": <upload id>,
"checksum": <the finalize's md5>}. Only the call is timed, not the interpreter's start.
"""

import json
import sys
import time

from synapse_sdk.clients.backend import BackendClient


def main():
    url, token, path = sys.argv[1], sys.argv[2], sys.argv[3]
    client = BackendClient(url, access_token=token)
    start = time.perf_counter()
    result = client.create_chunked_upload(path)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "id": result["id"], "checksum": result.get("checksum")}))


if __name__ == "__main__":
    main()
