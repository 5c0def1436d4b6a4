#!/usr/bin/env bash
# The dev backend's web console (/console/) in a real browser: headless Chromium from Debian's
# packages, driven by playwright-core from npm (tests/console/console.test.mjs), against real
# plugin runs reporting to a dev backend started here.
#
#   scripts/console-test.sh install   playwright-core (tests/console/package-lock.json) into the
#                                     git-ignored tests/console/node_modules; Debian's chromium
#                                     with apt-get when missing and root
#   scripts/console-test.sh check     say whether `run` can work here (node, npm, chromium)
#   scripts/console-test.sh run       install, build the dev backend and the plugins, start the
#                                     backend on loopback (a temporary data dir, a fresh token),
#                                     run the browser test, stop the backend by its pid
#
# Outside CI, `run` skips (exit 0) when node, npm or Chromium is missing and cannot be installed;
# in CI (CI=true) that fails. Environment: CHROMIUM (default: chromium on the PATH).
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=tests/console
say() { echo "console-test.sh: $*" >&2; }
in_ci() { case "${CI:-}" in true | TRUE | True | 1) return 0 ;; *) return 1 ;; esac; }

chromium_path() {
  local candidate
  for candidate in "${CHROMIUM:-}" chromium /usr/bin/chromium; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

check() {
  local missing=()
  if ! command -v node >/dev/null 2>&1; then
    missing+=(node)
  elif ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
    missing+=("node >= 20 (playwright-core's least; this is $(node --version))")
  fi
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  chromium_path >/dev/null || missing+=(chromium)
  if [ "${#missing[@]}" -gt 0 ]; then
    say "missing: ${missing[*]}"
    return 1
  fi
}

install() {
  if ! chromium_path >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's chromium"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null; }
  fi
  if ! command -v node >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's nodejs and npm"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm >/dev/null
  fi
  check || return 1
  if [ ! -f "$DIR/node_modules/playwright-core/package.json" ] ||
    ! cmp -s "$DIR/package-lock.json" "$DIR/node_modules/.package-lock.json.installed" 2>/dev/null; then
    say "installing playwright-core into $DIR/node_modules"
    npm ci --prefix "$DIR" --no-audit --no-fund --loglevel=error
    cp "$DIR/package-lock.json" "$DIR/node_modules/.package-lock.json.installed"
  fi
}

run() {
  if ! install; then
    if in_ci; then
      say "CI: the console test cannot run without node, npm and chromium"
      return 1
    fi
    say "skipped: install node, npm and chromium to run it (CI always does)"
    return 0
  fi
  local chromium
  chromium="$(chromium_path)"
  say "$("$chromium" --version 2>/dev/null | head -1), node $(node --version)"
  cargo build --quiet --locked -p synapse-dev-backend
  cargo build --quiet --locked -p synapse-tests --bin quickstart-plugin --bin faulty-plugin --bin image-pipeline-plugin
  local token url
  # Globals: the exit trap runs after this function has returned.
  data="$(mktemp -d)"
  token="dev-$RANDOM$RANDOM"
  target/debug/synapse-dev-backend --bind 127.0.0.1:0 --data "$data/state" --token "$token" >"$data/out" 2>"$data/err" &
  pid=$!
  # Ended by its own pid, whatever happens.
  trap 'kill "${pid:-}" 2>/dev/null; wait "${pid:-}" 2>/dev/null; rm -rf "${data:-}"' EXIT
  for _ in $(seq 1 300); do
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
  say "dev backend at $url (pid $pid); its console at ${url}console/"
  mkdir -p "$data/scratch"
  CONSOLE_BACKEND_URL="$url" CONSOLE_TOKEN="$token" CONSOLE_CHROMIUM="$chromium" \
    CONSOLE_BIN="$PWD/target/debug" CONSOLE_TMP="$data/scratch" NO_PROXY='*' \
    node "$DIR/console.test.mjs"
}

case "${1:-run}" in
  install) install ;;
  check) check ;;
  run) run ;;
  *)
    say "usage: $0 [install|check|run]"
    exit 2
    ;;
esac
