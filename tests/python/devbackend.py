"""What the tests/python/sdk_*.py scripts share: requests to the dev backend's /_dev/* routes and
the checks that end a script, naming what differed.

Not a client script itself (scripts/python-sdk.sh runs only sdk_*.py); each script imports it after
putting its own folder on sys.path, since runpy does not.
"""

import json
import sys
import urllib.request


def dev(url, path, body=None, timeout=30):
    """GET `url + path` (POST `body` as JSON when given) and return the decoded JSON answer.

    `url` is the dev backend's base URL ending in '/', `path` e.g. "_dev/state"; `timeout` in
    seconds (seeding a dataset of images takes longer than a read)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, method="GET" if body is None else "POST")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


def check(what, ok, detail=""):
    """Say `ok: what`, or `FAILED: what detail` on stderr and exit 1 when `ok` is false."""
    if not ok:
        print(f"FAILED: {what} {detail}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")
