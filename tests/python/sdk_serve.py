"""The Python synapse-sdk's model tokens against a replica of a synapse serve deployment.

Run by scripts/python-sdk.sh with the dev backend's URL and token. The SDK's BackendClient
registers a model (a zip of `model.json`, `{"scale": 2.5}`) through its chunked upload; a replica
of the models test plugin (`target/debug/models-plugin serve --signed-only`, built by the phase)
serves the backend's models; each request carries the header the SDK's
`create_serve_multiplexed_model_id` makes (a JWT PyJWT signs with the backend's URL), as the SDK's
`infer_remote` sends it. Checks: the answer is the model's; a token of another backend, one
whose claims were altered, and a plain id are refused (401); a caller the backend does not know
is refused (403); a model the backend lacks is a 404 naming it. Exits non-zero, naming the check,
when anything differs.
"""

import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from synapse_sdk.clients.backend import BackendClient
from synapse_sdk.plugins.actions.inference.serve import create_serve_multiplexed_model_id

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from devbackend import check  # noqa: E402

BINARY = HERE.parent.parent / "target" / "debug" / "models-plugin"


def post(addr, header, body):
    """POST `body` to the replica with the model header; (status, decoded answer)."""
    request = urllib.request.Request(f"http://{addr}/", data=json.dumps(body).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("serve_multiplexed_model_id", header)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def main():
    url, token = sys.argv[1], sys.argv[2]
    client = BackendClient(url, access_token=token)
    work = Path(tempfile.mkdtemp())
    archive = work / "model.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("model.json", json.dumps({"scale": 2.5}))
    model = client.create_model({"name": "scaler"}, file=archive)
    check("the SDK registered a model with a file", isinstance(model.get("id"), int), model)

    env = dict(os.environ, SYNAPSE_HOST=url, SYNAPSE_ACCESS_TOKEN=token, SYNAPSE_MODEL_CACHE=str(work / "cache"))
    replica = subprocess.Popen(
        [str(BINARY), "serve", "--bind", "127.0.0.1:0", "--signed-only"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = replica.stdout.readline()
        if not line.startswith("@synapse-serve "):
            replica.kill()
            check("the replica announced its address", False, line + replica.stderr.read())
        addr = json.loads(line[len("@synapse-serve "):])["addr"]

        header = create_serve_multiplexed_model_id(model["id"], token, url)
        status, answer = post(addr, header, {"values": [1, 2, 3]})
        check("the SDK's model token is taken", status == 200, f"{status} {answer}")
        check("the answer is the model's", answer["sum"] == 15.0 and answer["model"] == model["id"], answer)

        foreign = create_serve_multiplexed_model_id(model["id"], token, "https://elsewhere.example")
        status, answer = post(addr, foreign, {"values": [1]})
        check("a token of another backend is refused", status == 401, f"{status} {answer}")
        head, claims, signature = header.split(".")
        other = create_serve_multiplexed_model_id(model["id"] + 1, token, url).split(".")[1]
        status, answer = post(addr, f"{head}.{other}.{signature}", {"values": [1]})
        check("altered claims are refused", status == 401 and "signature" in answer["error"]["message"], answer)
        status, answer = post(addr, str(model["id"]), {"values": [1]})
        check("a plain id is refused by a --signed-only replica", status == 401, f"{status} {answer}")

        stranger = create_serve_multiplexed_model_id(model["id"], "not-a-token", url)
        status, answer = post(addr, stranger, {"values": [1]})
        check("a caller the backend refuses gets 403", status == 403, f"{status} {answer}")
        missing = create_serve_multiplexed_model_id(987654, token, url)
        status, answer = post(addr, missing, {"values": [1]})
        check("a model the backend lacks is a 404 naming it", status == 404 and "987654" in answer["error"]["message"], answer)
        status, answer = post(addr, header, {"values": "x"})
        check("a body of another shape is a 422 with its path", status == 422 and answer["error"]["violations"][0]["path"] == "$.values", answer)
    finally:
        replica.terminate()
        replica.wait(timeout=30)


main()
