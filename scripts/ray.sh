#!/usr/bin/env bash
# A local, loopback-only Ray head for the Ray tests (tests/ray_*.rs), which talk to Ray's
# dashboard over HTTP (Jobs REST API).
#
#   scripts/ray.sh install           create .venv/ray and install ray[default]==$RAY_VERSION (skipped when present);
#                                    with SYNAPSE_RAY_SERVE=1 also ray[serve] and PyJWT (the Serve figures, bench/serve/)
#   scripts/ray.sh start             start a single-node head on 127.0.0.1 (idempotent), wait for the dashboard,
#                                    and check that every listener of its processes is on loopback
#   scripts/ray.sh stop              stop that head (idempotent)
#   scripts/ray.sh status            print the dashboard's /api/version; exit 1 when it does not answer
#   scripts/ray.sh check             say whether `run` can work here (python3, unshare, ip, ss, privileges)
#   scripts/ray.sh run -- CMD...     install, then in fresh network and PID namespaces (only `lo`, up):
#                                    start, run CMD with SYNAPSE_RAY_ADDRESS=http://127.0.0.1:8265, stop;
#                                    exits with CMD's status
#   SYNAPSE_RAY_NODES=2 scripts/ray.sh run -- CMD...
#                                    the same with a two-node cluster (scripts/ray-node.sh): the head and
#                                    a worker node, each in a network namespace of its own, joined by a
#                                    veth pair; CMD runs beside the head with SYNAPSE_RAY_ADDRESS=
#                                    http://192.0.2.1:8265 and SYNAPSE_RAY_WORKER_NODE=192.0.2.2
#   scripts/ray.sh node kill|start   inside `run` with two nodes (for the tests): SIGKILL every process of
#                                    the worker node (a machine lost), or start a new worker node
#
# `run` is what the tests use: nothing the head binds can be reached from outside the namespace, its
# ports never clash with another Ray on the machine, and every process it started ends with the
# namespace. `start`/`stop` outside `run` use the host's network (still loopback only); `stop` then
# signals only the processes of this head (its own session, found by a marker in the environment of
# `ray start`), never every Ray process of the user as `ray stop` would: `ray stop` runs only inside
# the namespace.
#
# The head: --num-cpus=2, --num-gpus=0, custom resource {"plugin_slot": 4}, a 200 MB object store,
# token auth off, usage stats off, jobs that cannot be scheduled fail after
# RAY_JOB_START_TIMEOUT_SECONDS (60 s here; Ray's default is 900 s). The worker node of the
# two-node cluster: --num-cpus=2, a simulated --num-gpus=1, {"plugin_slot": 4, "worker_node": 4}
# (a run that asks for a GPU or `worker_node` is placed there), and a node whose raylet stops
# answering is declared dead after about 3 s (Ray's default is about 15 s).
#
# Environment: SYNAPSE_RAY_VENV (default .venv/ray), SYNAPSE_RAY_TMP (Ray's temp dir for `start`;
# default /tmp/synapse-ray; `run` uses a new one each time), PYTHON (default python3),
# SYNAPSE_RAY_SERVE=1 (`install` and `run` also install ray[serve] and PyJWT: about 110 MB more).
set -euo pipefail

RAY_VERSION="2.60.0" # the pinned Ray: install, and what the tests expect from /api/version
PYJWT_VERSION="2.15.1" # with SYNAPSE_RAY_SERVE=1: the Serve app verifies model tokens as the SDK does

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRIPT="$ROOT/scripts/ray.sh"
VENV="${SYNAPSE_RAY_VENV:-$ROOT/.venv/ray}"
PYTHON="${PYTHON:-python3}"
RAY_TMP="${SYNAPSE_RAY_TMP:-/tmp/synapse-ray}"
DASHBOARD_PORT=8265
NUM_CPUS=2
RESOURCES='{"plugin_slot": 4}'
OBJECT_STORE_BYTES=200000000
START_TIMEOUT_S=120
STOP_GRACE_S=10

# Without RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0, Ray on Linux replaces --node-ip-address=127.0.0.1 with
# the machine's routable address and binds GCS, raylet and agents to all interfaces.
export RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0
export RAY_USAGE_STATS_ENABLED=0
# Explicit: when unset, a stray ~/.ray/auth_token silently turns token auth on.
export RAY_AUTH_MODE=disabled
export RAY_JOB_START_TIMEOUT_SECONDS="${RAY_JOB_START_TIMEOUT_SECONDS:-60}"
# Ray's fallback temp dir (and the `ray_current_cluster` file `ray stop` removes): ours, not /tmp/ray.
export RAY_TMPDIR="$RAY_TMP"

log() { printf 'ray.sh: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# The cluster's nodes: 1 (the head alone, on loopback) or 2 (scripts/ray-node.sh).
NODES="${SYNAPSE_RAY_NODES:-1}"
case "$NODES" in 1 | 2) ;; *) die "SYNAPSE_RAY_NODES must be 1 or 2, not '$NODES'" ;; esac
HEAD_IP=127.0.0.1
# shellcheck source=scripts/ray-node.sh
source "$ROOT/scripts/ray-node.sh"
URL="http://$HEAD_IP:$DASHBOARD_PORT"

usage() {
  sed -n '2,/^set -euo/p' "$SCRIPT" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

python_in_venv() { [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c '' 2>/dev/null; }

# The extras to install: `default`, and `serve` with SYNAPSE_RAY_SERVE=1.
EXTRAS="default"
[ "${SYNAPSE_RAY_SERVE:-0}" != 1 ] || EXTRAS="default,serve"
REQUIREMENTS=("ray[$EXTRAS]==$RAY_VERSION")
[ "${SYNAPSE_RAY_SERVE:-0}" != 1 ] || REQUIREMENTS+=("PyJWT==$PYJWT_VERSION")

# Exit 0 when the venv holds ray==$RAY_VERSION and every requirement of its extras $EXTRAS (and
# PyJWT==$PYJWT_VERSION with `serve`).
installed() {
  python_in_venv || return 1
  "$VENV/bin/python" - "$RAY_VERSION" "$EXTRAS" "$PYJWT_VERSION" <<'PY'
import re, sys
from importlib import metadata

extras = sys.argv[2].split(",")
try:
    if metadata.version("ray") != sys.argv[1]:
        sys.exit(1)
    if "serve" in extras and metadata.version("PyJWT") != sys.argv[3]:
        sys.exit(1)
    for requirement in metadata.requires("ray") or []:
        for extra in extras:
            if re.search(r"""extra\s*==\s*["']%s["']""" % re.escape(extra), requirement):
                metadata.version(re.split(r"[\s<>=!~;\[(]", requirement, maxsplit=1)[0])
except metadata.PackageNotFoundError:
    sys.exit(1)
PY
}

do_install() {
  if installed; then
    log "ray[$EXTRAS]==$RAY_VERSION is installed in ${VENV#"$ROOT"/}"
    return 0
  fi
  local t0=$SECONDS
  if ! python_in_venv; then
    command -v "$PYTHON" >/dev/null || die "$PYTHON not found: Ray needs a CPython 3 with the venv module"
    [ ! -e "$VENV" ] || rm -rf "$VENV" # a venv whose interpreter is gone or broken
    log "creating the virtualenv ${VENV#"$ROOT"/}"
    mkdir -p "$(dirname "$VENV")"
    "$PYTHON" -m venv "$VENV" || die "'$PYTHON -m venv' failed (on Debian: apt-get install python3-venv)"
  fi
  log "installing ${REQUIREMENTS[*]} into ${VENV#"$ROOT"/} (ray[default] about 400 MB, serve about 110 MB more)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "${REQUIREMENTS[@]}" ||
    die "pip could not install ${REQUIREMENTS[*]} (is PyPI reachable?)"
  installed || die "ray[$EXTRAS]==$RAY_VERSION is still incomplete in $VENV after pip install"
  log "installed ${REQUIREMENTS[*]} in $((SECONDS - t0)) s"
}

# GET $URL$1; prints the body and exits 0 on a 2xx answer.
http_get() {
  "$VENV/bin/python" - "$URL$1" <<'PY'
import sys, urllib.request

try:
    with urllib.request.urlopen(sys.argv[1], timeout=2) as response:
        sys.stdout.write(response.read().decode())
except Exception:
    sys.exit(1)
PY
}

json_field() { "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin).get(sys.argv[1]) or "")' "$1"; }

# The session of the head started with $RAY_TMP (empty when none was).
our_session() {
  local latest
  latest="$(readlink "$RAY_TMP/session_latest" 2>/dev/null)" || return 0
  basename "$latest"
}

# What answers on the dashboard port: "ours", "other <session>", or "none".
dashboard_state() {
  local version session
  version="$(http_get /api/version)" || {
    echo none
    return 0
  }
  session="$(json_field session_name <<<"$version")"
  if [ -n "$session" ] && [ "$session" = "$(our_session)" ]; then echo ours; else echo "other $session"; fi
}

# The processes of this head. Inside the namespaces of `run`: every process there. On the host:
# `ray start` runs in a session of its own (setsid) with a marker in its environment; the head is every
# process of a session that holds a marked process (not all keep the marker readable: Ray renames
# its workers and agents over their environment), plus their descendants (job entrypoints start
# sessions of their own).
marker() { echo "SYNAPSE_RAY_CLUSTER=$RAY_TMP"; }
cluster_pids() {
  if in_namespace; then
    ps -e -o pid= | awk '$1 != 1 { print $1 }'
    return 0
  fi
  local marked own_session
  marked="$({ grep -lzxF "$(marker)" /proc/[0-9]*/environ 2>/dev/null || true; } | sed 's#^/proc/##; s#/environ$##')"
  [ -n "$marked" ] || return 0
  own_session="$(ps -o sid= -p $$ | tr -d ' ')"
  ps -e -o pid=,ppid=,sid= | awk -v marked="$(tr '\n' ' ' <<<"$marked")" -v own="$own_session" '
    BEGIN { n = split(marked, m, " "); for (i = 1; i <= n; i++) mark[m[i]] = 1 }
    { pid[NR] = $1; parent[$1] = $2; session[$1] = $3 }
    END {
      for (p in mark) if ((p in session) && session[p] != own && session[p] != 0) ours[session[p]] = 1
      for (i = 1; i <= NR; i++) if ((pid[i] in mark) || (session[pid[i]] in ours)) keep[pid[i]] = 1
      do {
        grown = 0
        for (i = 1; i <= NR; i++) if (!(pid[i] in keep) && (parent[pid[i]] in keep)) { keep[pid[i]] = 1; grown = 1 }
      } while (grown)
      for (p in keep) print p
    }'
}

# Fails unless every TCP/UDP listener of this cluster's processes is on loopback (or, with two
# nodes, on the cluster's own link).
check_loopback() {
  local pids line address pid checked=0 bad=0
  pids=" $(cluster_pids | tr '\n' ' ') "
  while read -r line; do
    address="$(awk '{print $5}' <<<"$line")"
    # shellcheck disable=SC2013 # PIDs are words
    for pid in $(grep -o 'pid=[0-9]*' <<<"$line" | cut -d= -f2); do
      case "$pids" in *" $pid "*) ;; *) continue ;; esac
      checked=$((checked + 1))
      case "$address" in
        127.*:* | "[::ffff:127."*\]:* | "[::1]:"* | "[::1]%"*) ;;
        *)
          on_cluster_link "$address" && break
          log "NOT ON LOOPBACK: $address ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-100))"
          bad=1
          ;;
      esac
      break
    done
  done < <(cluster_listeners)
  link_is_private || return 1
  [ "$checked" -gt 0 ] || {
    log "found no listener of this head's processes (ss -ltunp); cannot check that they are on loopback"
    return 1
  }
  [ "$bad" = 0 ] || return 1
  if [ "$NODES" = 2 ]; then
    log "all $checked listeners of the cluster are on loopback or its own link"
  else
    log "all $checked listeners of the head are on loopback"
  fi
}

in_namespace() {
  # PID 1 of the namespaces `run` makes is this script's `_inside`.
  [ "${SYNAPSE_RAY_NAMESPACE:-}" = 1 ] && tr '\0' ' ' </proc/1/cmdline 2>/dev/null | grep -q "ray.sh _inside"
}

need_tools() {
  local missing=()
  command -v ss >/dev/null || missing+=("ss (Debian package iproute2)")
  command -v setsid >/dev/null || missing+=("setsid (Debian package util-linux)")
  if [ "${1:-}" = namespace ]; then
    command -v unshare >/dev/null || missing+=("unshare (Debian package util-linux)")
    command -v ip >/dev/null || missing+=("ip (Debian package iproute2)")
  fi
  [ ${#missing[@]} = 0 ] || die "missing: ${missing[*]}"
}

do_start() {
  [ "$NODES" = 1 ] || in_namespace || die "two nodes start only inside scripts/ray.sh run (their own namespaces)"
  installed || die "ray[default]==$RAY_VERSION is not installed: run scripts/ray.sh install"
  need_tools
  local state
  state="$(dashboard_state)"
  case "$state" in
    ours)
      log "already running at $URL"
      check_loopback || die "the running head has listeners off loopback; stop it with scripts/ray.sh stop"
      return 0
      ;;
    other*)
      die "port $DASHBOARD_PORT already answers for another Ray head (${state#other }); stop it, or use" \
        "scripts/ray.sh run -- CMD, which starts its own head in a fresh network namespace"
      ;;
  esac
  mkdir -p "$RAY_TMP"
  local t0=$SECONDS output="$RAY_TMP/ray-start.log"
  local args=(start --head --node-ip-address="$HEAD_IP" --port=6379 --ray-client-server-port=10001
    --dashboard-host="$HEAD_IP" --dashboard-port="$DASHBOARD_PORT" --include-dashboard=true
    --num-cpus="$NUM_CPUS" --num-gpus=0 --resources="$RESOURCES" --object-store-memory="$OBJECT_STORE_BYTES"
    --temp-dir="$RAY_TMP" --disable-usage-stats)
  if ! setsid --wait env "$(marker)" "$VENV/bin/ray" "${args[@]}" >"$output" 2>&1; then
    cat "$output" >&2
    do_stop >/dev/null 2>&1 || true
    die "ray start failed (output above; logs in $RAY_TMP/session_latest/logs)"
  fi
  until [ "$(dashboard_state)" = ours ]; do
    if [ $((SECONDS - t0)) -ge "$START_TIMEOUT_S" ]; then
      cat "$output" >&2
      do_stop || true
      die "the dashboard did not answer on $URL within $START_TIMEOUT_S s (logs in $RAY_TMP/session_latest/logs)"
    fi
    sleep 0.25
  done
  sed 's/\x1b\[[0-9;]*m//g' "$output" | grep -q "Local node IP: $HEAD_IP" ||
    log "warning: Ray did not report node IP $HEAD_IP (see $output)"
  sleep 2 # the dashboard agent and the runtime-env agent open their ports just after the dashboard answers
  if ! check_loopback; then
    do_stop || true
    die "refusing to keep a Ray head with listeners off loopback"
  fi
  log "Ray $RAY_VERSION is up at $URL after $((SECONDS - t0)) s"
}

# Of the PIDs given, those still alive (zombies excluded), as "PID COMMAND" lines.
alive() {
  [ $# -gt 0 ] || return 0
  ps -o pid=,stat=,comm= -p "$(tr ' ' ',' <<<"$*")" 2>/dev/null | awk '$2 !~ /^Z/ { print $1, $3 }' || true
}

# SIGTERM the PIDs given, wait up to STOP_GRACE_S for them to end, then SIGKILL what is left.
terminate() {
  [ $# -gt 0 ] || return 0
  local t0=$SECONDS left
  kill -TERM "$@" 2>/dev/null || true
  while left="$(alive "$@" | awk '{ print $1 }')" && [ -n "$left" ]; do
    if [ $((SECONDS - t0)) -ge "$STOP_GRACE_S" ]; then
      log "killing what did not end $STOP_GRACE_S s after SIGTERM: $(tr '\n' ' ' <<<"$left")"
      # shellcheck disable=SC2086 # one PID a word
      kill -KILL $left 2>/dev/null || true
      return 0
    fi
    sleep 0.2
  done
}

do_stop() {
  local t0=$SECONDS processes
  if in_namespace; then
    # Inside the PID namespace `ray stop` can see only this head's processes.
    "$VENV/bin/ray" stop >/dev/null 2>&1 || "$VENV/bin/ray" stop --force >/dev/null 2>&1 || true
    log "stopped in $((SECONDS - t0)) s"
    return 0
  fi
  # shellcheck disable=SC2046 # one PID a word
  processes="$(alive $(cluster_pids))"
  if [ -z "$processes" ]; then
    log "not running"
    rm -f "$RAY_TMP/ray_current_cluster"
    return 0
  fi
  # In the order `ray stop` uses: the raylet first (its agents and workers follow it), the GCS last.
  # shellcheck disable=SC2046
  terminate $(awk '$2 == "raylet" { print $1 }' <<<"$processes")
  # shellcheck disable=SC2046
  terminate $(awk '$2 != "raylet" && $2 != "gcs_server" { print $1 }' <<<"$processes")
  # shellcheck disable=SC2046
  terminate $(awk '$2 == "gcs_server" { print $1 }' <<<"$processes")
  # What `ray stop` also removes: `ray start` refuses to run while this file names a live GCS.
  rm -f "$RAY_TMP/ray_current_cluster"
  log "stopped in $((SECONDS - t0)) s"
}

do_status() {
  python_in_venv || die "Ray is not installed in $VENV (scripts/ray.sh install)"
  local version
  if version="$(http_get /api/version)"; then
    echo "$version"
  else
    log "no Ray dashboard answers on $URL"
    exit 1
  fi
}

do_check() {
  need_tools namespace
  command -v "$PYTHON" >/dev/null || python_in_venv || die "$PYTHON not found"
  local userns=()
  [ "$(id -u)" = 0 ] || userns=(--map-root-user)
  unshare "${userns[@]}" --net --pid --fork --mount-proc -- ip link set lo up 2>/dev/null ||
    die "cannot create network and PID namespaces here (unshare ${userns[*]} --net --pid --fork --mount-proc)"
  [ "$NODES" = 1 ] || can_add_netns ||
    die "cannot add a network namespace for the worker node (ip netns add: root is needed)"
  log "ok: Ray tests can run here"
}

do_run() {
  [ "${1:-}" = "--" ] && shift
  [ $# -ge 1 ] || die "usage: scripts/ray.sh run -- CMD [ARGS...]"
  in_namespace && die "already inside the namespace of scripts/ray.sh run"
  local tmp rc namespace interrupted=0 t0=$SECONDS userns=()
  do_check
  do_install
  [ "$(id -u)" = 0 ] || userns=(--map-root-user)
  tmp="$(mktemp -d /tmp/synapse-ray.XXXXXX)" # short: Ray's socket paths live below it
  log "starting Ray in fresh network and PID namespaces"
  # In the background so that a signal here is handled at once: SIGKILL to unshare takes its child,
  # PID 1 of the namespaces, with it (--kill-child), and the kernel then kills everything inside.
  # shellcheck disable=SC2016 # expanded by the inner bash
  SYNAPSE_RAY_TMP="$tmp" SYNAPSE_RAY_NAMESPACE=1 SYNAPSE_RAY_VENV="$VENV" PYTHON="$PYTHON" \
    unshare "${userns[@]}" --net --pid --fork --kill-child --mount-proc -- \
    bash -c 'ip link set lo up && exec bash "$0" _inside "$@"' "$SCRIPT" "$@" <&0 &
  namespace=$!
  trap 'interrupted=1; kill -KILL "$namespace" 2>/dev/null || true' INT TERM HUP
  set +e
  wait "$namespace" 2>/dev/null
  rc=$?
  while kill -0 "$namespace" 2>/dev/null; do
    wait "$namespace" 2>/dev/null
    rc=$?
  done
  set -e
  trap - INT TERM HUP
  if [ "$interrupted" = 1 ]; then
    log "interrupted: the namespaces are gone, and with them every process started in them"
    rc=130
  fi
  log "done in $((SECONDS - t0)) s"
  # The namespace file of a two-node run killed before it removed it (scripts/ray-node.sh).
  rm -f "/run/netns/$(basename "$tmp").worker" 2>/dev/null || true
  if [ "$rc" = 0 ] || [ "$interrupted" = 1 ]; then
    rm -rf "$tmp" "$tmp".node.*
  else
    log "exit status $rc; Ray's logs are kept in $tmp/session_latest/logs (a worker node's in $tmp.node.*)"
  fi
  exit "$rc"
}

# PID 1 of the namespaces: start, run the command, stop.
do_inside() {
  in_namespace || die "_inside is internal to scripts/ray.sh run"
  local rc t0
  trap 'log "interrupted"; do_stop; exit 130' INT TERM
  [ "$NODES" = 1 ] || link_up
  do_start
  if [ "$NODES" = 2 ]; then
    start_worker_node
    export SYNAPSE_RAY_WORKER_NODE="$WORKER_IP"
  fi
  log "running: $*"
  t0=$SECONDS
  set +e
  SYNAPSE_RAY_ADDRESS="$URL" "$@"
  rc=$?
  set -e
  log "the command exited with status $rc after $((SECONDS - t0)) s"
  if ! check_loopback; then
    log "error: something in the namespace listens off loopback (a process of the head, or one the command left)"
    [ "$rc" != 0 ] || rc=1
  fi
  do_stop
  link_down
  exit "$rc"
}

[ $# -ge 1 ] || usage
command="$1"
shift
case "$command" in
  install) do_install ;;
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  check) do_check ;;
  run) do_run "$@" ;;
  node) do_node "$@" ;;
  _inside) do_inside "$@" ;;
  -h | --help | help) usage ;;
  *)
    log "unknown command: $command"
    usage
    ;;
esac
