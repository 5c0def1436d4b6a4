#!/usr/bin/env bash
# moto_server (the `moto` package from PyPI), an S3 API on loopback for the S3 storage tests
# (tests/storage_s3.rs).
#
#   scripts/moto.sh install          find moto_server (on PATH, or in .venv/moto); when there is none,
#                                    create .venv/moto and install 'moto[server]' into it
#   scripts/moto.sh check            say whether `run` can work here (moto_server, or a python3 to install it)
#   scripts/moto.sh run -- CMD...    install, start moto_server on 127.0.0.1 at a free port, wait until it
#                                    answers, run CMD with SYNAPSE_TEST_S3_ENDPOINT=http://127.0.0.1:PORT,
#                                    SYNAPSE_TEST_S3_ACCESS_KEY, SYNAPSE_TEST_S3_SECRET_KEY and
#                                    SYNAPSE_TEST_S3_REGION set, then stop the server by its pid (also when
#                                    CMD fails or the script is interrupted); exits with CMD's status
#
# moto keeps everything in memory: each `run` starts empty. Its credentials are fake (moto accepts any).
#
# Environment: SYNAPSE_MOTO_VENV (default .venv/moto), PYTHON (default python3), MOTO_SERVER (a
# moto_server to use instead of looking for one).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRIPT="$ROOT/scripts/moto.sh"
VENV="${SYNAPSE_MOTO_VENV:-$ROOT/.venv/moto}"
PYTHON="${PYTHON:-python3}"
START_TIMEOUT_S=60

log() { printf 'moto.sh: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

usage() {
  sed -n '2,/^set -euo/p' "$SCRIPT" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

# Whether $1 is a moto_server that runs (a pyenv shim of another Python version does not).
works() { [ -n "$1" ] && "$1" --help >/dev/null 2>&1; }

# The moto_server to use, or nothing.
find_server() {
  local candidate
  for candidate in "${MOTO_SERVER:-}" "$VENV/bin/moto_server" "$(command -v moto_server 2>/dev/null || true)"; do
    if works "$candidate"; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

do_install() {
  local server
  if server="$(find_server)"; then
    log "moto_server: $server"
    return 0
  fi
  local t0=$SECONDS
  command -v "$PYTHON" >/dev/null || die "no moto_server, and no $PYTHON to install it with"
  [ ! -e "$VENV" ] || rm -rf "$VENV" # a venv without a working moto_server
  log "installing 'moto[server]' into ${VENV#"$ROOT"/}"
  mkdir -p "$(dirname "$VENV")"
  "$PYTHON" -m venv "$VENV" || die "'$PYTHON -m venv' failed (on Debian: apt-get install python3-venv)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input 'moto[server]' ||
    die "pip could not install 'moto[server]' (is PyPI reachable?)"
  works "$VENV/bin/moto_server" || die "$VENV/bin/moto_server does not run after pip install"
  log "installed moto in $((SECONDS - t0)) s"
}

do_check() {
  local server
  if server="$(find_server)"; then
    log "ok: $server"
  elif command -v "$PYTHON" >/dev/null && "$PYTHON" -c 'import venv' 2>/dev/null; then
    log "ok: no moto_server yet; 'run' installs it into ${VENV#"$ROOT"/} with $PYTHON"
  else
    die "no moto_server, and no $PYTHON with the venv module to install it with"
  fi
}

# A TCP port on 127.0.0.1 that is free now.
free_port() {
  "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
    "$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Whether something answers HTTP at $1.
answers() {
  if command -v curl >/dev/null; then
    curl -s -o /dev/null --max-time 2 "$1"
  else
    "$PYTHON" -c 'import sys, urllib.request
try:
    urllib.request.urlopen(sys.argv[1], timeout=2)
except urllib.error.HTTPError:
    pass' "$1" 2>/dev/null
  fi
}

do_run() {
  [ "${1:-}" = "--" ] && shift
  [ $# -ge 1 ] || die "usage: scripts/moto.sh run -- CMD [ARGS...]"
  do_install
  local server port url rc t0=$SECONDS
  server="$(find_server)"
  port="$(free_port)" || die "cannot find a free port on 127.0.0.1"
  url="http://127.0.0.1:$port"
  # Globals: the exit trap runs after this function has returned.
  moto_log="$(mktemp /tmp/synapse-moto.XXXXXX)"
  "$server" -H 127.0.0.1 -p "$port" >"$moto_log" 2>&1 &
  moto_pid=$!
  # Ended by its own pid, whatever happens.
  trap 'kill "${moto_pid:-}" 2>/dev/null; wait "${moto_pid:-}" 2>/dev/null; rm -f "${moto_log:-}"' EXIT
  trap 'exit 130' INT TERM HUP
  until answers "$url/"; do
    if ! kill -0 "$moto_pid" 2>/dev/null; then
      cat "$moto_log" >&2
      die "moto_server exited before it answered on $url (its output is above)"
    fi
    if [ $((SECONDS - t0)) -ge "$START_TIMEOUT_S" ]; then
      cat "$moto_log" >&2
      die "moto_server did not answer on $url within $START_TIMEOUT_S s"
    fi
    sleep 0.2
  done
  log "moto_server is up at $url (pid $moto_pid) after $((SECONDS - t0)) s; running: $*"
  t0=$SECONDS
  set +e
  SYNAPSE_TEST_S3_ENDPOINT="$url" SYNAPSE_TEST_S3_ACCESS_KEY="moto-access-key" \
    SYNAPSE_TEST_S3_SECRET_KEY="moto-secret-key" SYNAPSE_TEST_S3_REGION="us-east-1" "$@"
  rc=$?
  set -e
  log "the command exited with status $rc after $((SECONDS - t0)) s"
  exit "$rc"
}

[ $# -ge 1 ] || usage
command="$1"
shift
case "$command" in
  install) do_install ;;
  check) do_check ;;
  run) do_run "$@" ;;
  -h | --help | help) usage ;;
  *)
    log "unknown command: $command"
    usage
    ;;
esac
