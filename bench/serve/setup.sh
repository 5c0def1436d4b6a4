#!/usr/bin/env bash
# What the serve figures (bench/src/bin/serve_figures.rs) need besides the workspace, installed
# when missing (each step is skipped when already done):
#
#   - wrk, the HTTP load generator, from Debian's package `wrk` (apt-get as root, else sudo);
#   - ray[serve]==<the pinned Ray> and PyJWT in .venv/ray (SYNAPSE_RAY_SERVE=1 scripts/ray.sh install).
#
#   bench/serve/setup.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

log() { printf 'serve setup: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

if command -v wrk >/dev/null; then
  log "wrk is installed ($(command -v wrk))"
else
  command -v apt-get >/dev/null || die "no wrk, and no apt-get to install it with: install wrk (https://github.com/wg/wrk)"
  as_root=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "no wrk; installing it needs root or sudo: apt-get install -y wrk"
    as_root=(sudo)
  fi
  log "installing wrk from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get install -y --no-install-recommends wrk >/dev/null ||
    { "${as_root[@]}" apt-get update -q >/dev/null && "${as_root[@]}" apt-get install -y --no-install-recommends wrk >/dev/null; } ||
    die "apt-get could not install wrk"
  command -v wrk >/dev/null || die "wrk is still missing after apt-get install"
fi

SYNAPSE_RAY_SERVE=1 "$ROOT/scripts/ray.sh" install
