#!/usr/bin/env bash
# The Python synapse-sdk, a client nobody here wrote, against the dev backend
# (synapse-dev-backend): its v1 BackendClient, its JobLogger and its upload action run unchanged
# (tests/python/sdk_*.py, each in turn) and the dev backend's state must show what they sent.
#
#   scripts/python-sdk.sh install   create .venv/sdk with synapse-sdk==$SDK_VERSION from PyPI
#                                   (a Python >= 3.12: pyenv's, or $PYTHON); skipped when present
#   scripts/python-sdk.sh run       install, build and start the dev backend on loopback (in a
#                                   temporary data dir, with a fresh token), run the client,
#                                   stop the backend by its pid; exits with the client's status
#   scripts/python-sdk.sh check     say whether `run` can work here (a Python >= 3.12)
#
# Environment: SYNAPSE_SDK_VENV (default .venv/sdk), PYTHON.
set -euo pipefail
cd "$(dirname "$0")/.."

SDK_VERSION="2026.2.17" # the release backend.md was written from
VENV="${SYNAPSE_SDK_VENV:-.venv/sdk}"

say() { echo "python-sdk.sh: $*" >&2; }

# synapse-sdk needs Python >= 3.12 (it uses PEP 695 generics).
find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.12 python3.13 \
    "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin/python3 \
    python3; do
    [ -n "$candidate" ] || continue
    command -v "$candidate" >/dev/null 2>&1 || [ -x "$candidate" ] || continue
    if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      command -v "$candidate" 2>/dev/null || echo "$candidate"
      return 0
    fi
  done
  return 1
}

install() {
  if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import importlib.metadata as m, sys; \
sys.exit(0 if m.version('synapse-sdk') == '$SDK_VERSION' else 1)" 2>/dev/null; then
    return 0
  fi
  local python
  python="$(find_python)" || { say "no Python >= 3.12 (set PYTHON=…)"; return 1; }
  say "installing synapse-sdk==$SDK_VERSION into $VENV with $python ($("$python" -V 2>&1))"
  rm -rf "$VENV"
  "$python" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "synapse-sdk==$SDK_VERSION"
}

run() {
  install
  cargo build --quiet --locked -p synapse-dev-backend
  # The serve deployment the SDK's model tokens are checked against (tests/python/sdk_serve.py).
  cargo build --quiet --locked -p synapse-tests --bin models-plugin
  local token url
  # Globals: the exit trap runs after this function has returned.
  data="$(mktemp -d)"
  token="dev-$RANDOM$RANDOM"
  target/debug/synapse-dev-backend --bind 127.0.0.1:0 --data "$data/state" --token "$token" >"$data/out" 2>"$data/err" &
  pid=$!
  # Ended by its own pid, whatever happens.
  trap 'kill "${pid:-}" 2>/dev/null; wait "${pid:-}" 2>/dev/null; rm -rf "${data:-}"' EXIT
  for _ in $(seq 1 300); do
    # The backend's shell may not have created its output file yet.
    url="$(sed -n 's/^@synapse-dev-backend .*"url":"\([^"]*\)".*/\1/p' "$data/out" 2>/dev/null || true)"
    [ -n "$url" ] && break
    if ! kill -0 "$pid" 2>/dev/null; then
      say "the dev backend exited before it listened:"
      cat "$data/err" >&2
      return 1
    fi
    sleep 0.1
  done
  [ -n "$url" ] || { say "the dev backend did not say where it listens within 30 s"; return 1; }
  say "dev backend at $url (pid $pid)"
  # Hermetic: no credentials or settings from this user's environment or home.
  env -u SYNAPSE_HOST -u SYNAPSE_ACCESS_TOKEN -u SYNAPSE_PLUGIN_RUN_USER_TOKEN -u SYNAPSE_PLUGIN_RUN_TENANT \
    -u SYNAPSE_PLUGIN_RUN_URL_HOST -u SENTRY_DSN HOME="$data" PYTHONWARNINGS=ignore \
    "$VENV/bin/python" - "$url" "$token" <<'PY'
import runpy, sys, glob
# Every client script in turn, each against the same backend; the first failure ends the phase.
for script in sorted(glob.glob("tests/python/sdk_*.py")):
    print(f"== {script}", flush=True)
    sys.argv = [script] + sys.argv[1:]
    runpy.run_path(script, run_name="__main__")
PY
}

case "${1:-}" in
  install) install ;;
  run) run ;;
  check) find_python >/dev/null || { say "no Python >= 3.12 here"; exit 1; } ;;
  *)
    echo "usage: scripts/python-sdk.sh install|run|check" >&2
    exit 2
    ;;
esac
