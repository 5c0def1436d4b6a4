"""The trivial model behind Ray Serve, as the Python SDK serves models: the Serve side of
`bench/src/bin/serve_figures.rs`.

Each request carries the `serve_multiplexed_model_id` header holding the SDK's model token (a
JWT, HS256, the backend's URL as the secret, payload `{"model": "<id>", "token": "<user token>"}`,
no `exp`: `synapse_sdk`'s `create_serve_multiplexed_model_id`). The deployment verifies it with
PyJWT on every request, as `BaseServeDeployment._load_model_from_token` decodes it, and loads the
model through `@serve.multiplexed(max_num_models_per_replica=3)`, keyed by the header's value as
Serve's own routing keys it. The model is its id; `infer` answers
`{"model": "<id>", "sum": sum(body["values"])}`.

Deployed by the Serve REST API (`PUT /api/serve/applications/`) with
`import_path: "ray_serve_app:build"` and `args`:

- `backend_url` (required): the tokens' secret;
- `num_cpus` (default 1): the replica's CPUs;
- `max_ongoing_requests` (default Serve's, 5): requests one replica takes at once.

A missing or refused header answers 401 naming why; a body without a list `values` answers 422.
"""

from typing import Any

import jwt
from ray import serve
from starlette.requests import Request
from starlette.responses import JSONResponse

HEADER = "serve_multiplexed_model_id"


class TrivialModel:
    """A model that is only its id: the cost of inference is nil, so the figures measure serving."""

    def __init__(self, model_id: str):
        self.model_id = model_id

    def infer(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"model": self.model_id, "sum": sum(body["values"])}


@serve.deployment(num_replicas=1)
class TrivialServe:
    def __init__(self, backend_url: str):
        self.backend_url = backend_url

    def claims(self, token: str) -> dict[str, Any]:
        """The token's claims, verified as the SDK's `jwt.decode(token, backend_url, algorithms=['HS256'])`."""
        return jwt.decode(token, self.backend_url, algorithms=["HS256"])

    @serve.multiplexed(max_num_models_per_replica=3)
    async def get_model(self, token: str) -> TrivialModel:
        return TrivialModel(str(self.claims(token)["model"]))

    async def __call__(self, request: Request) -> JSONResponse:
        token = serve.get_multiplexed_model_id() or request.headers.get(HEADER, "")
        if not token:
            return JSONResponse({"detail": f"missing header {HEADER}"}, status_code=401)
        try:
            self.claims(token)
        except jwt.InvalidTokenError as error:
            return JSONResponse({"detail": f"{HEADER}: {error}"}, status_code=401)
        model = await self.get_model(token)
        body = await request.json()
        if not isinstance(body, dict) or not isinstance(body.get("values"), list):
            return JSONResponse({"detail": "body: expected {\"values\": [number, ...]}"}, status_code=422)
        return JSONResponse(model.infer(body))


def build(args: dict[str, Any]) -> serve.Application:
    """The application for the Serve config's `args` (see the module's doc)."""
    if not args.get("backend_url"):
        raise ValueError("args.backend_url is required: the secret of the model tokens")
    options: dict[str, Any] = {"ray_actor_options": {"num_cpus": float(args.get("num_cpus", 1))}}
    if "max_ongoing_requests" in args:
        options["max_ongoing_requests"] = int(args["max_ongoing_requests"])
    return TrivialServe.options(**options).bind(str(args["backend_url"]))
