#!/usr/bin/env bash
# Every test of the workspace, from a fresh clone: formatting, lints, unit, integration,
# doc and compile-fail (trybuild) tests (the committed config.yaml files of the examples among
# them: tests/examples_config.rs), and the Ray tests against a real local Ray head
# (scripts/ray.sh installs and starts it).
#
# Ray tests are the tests of tests/ray_*.rs and tests whose names start with `ray_` (the
# nextest filter below). The ordinary test step builds them but leaves them to the Ray phase,
# which runs them offline inside fresh network and PID namespaces with SYNAPSE_RAY_ADDRESS set;
# those of tests/ray_two_nodes.rs (runs placed on another machine, a node lost) run in a phase of
# their own, on a two-node cluster (SYNAPSE_RAY_NODES=2 scripts/ray.sh run).
# Outside CI, SYNAPSE_SKIP_RAY=1 skips the Ray phase, and so does a machine where
# `scripts/ray.sh check` fails (no unshare, ip or python3, or no namespaces); in CI (CI=true)
# the Ray phase always runs.
#
# The object store tests (tests/storage_s3.rs, tests/storage_object.rs) need synapse-tests' `s3`
# feature, which only the S3 phase turns on (synapse's object store clients are built there
# alone); that phase runs them against moto_server on loopback (scripts/moto.sh starts it,
# installing `moto[server]` when missing).
# Outside CI, SYNAPSE_SKIP_S3=1 skips it, and so does a machine where `scripts/moto.sh check`
# fails; in CI it always runs, and an S3 test without moto fails. The last phase runs the Python
# synapse-sdk (from PyPI) against the dev backend (scripts/python-sdk.sh); outside CI,
# SYNAPSE_SKIP_PYTHON_SDK=1 skips it. Before it, the dev backend's web console is tested in
# headless Chromium (scripts/console-test.sh: playwright-core from npm, Debian's chromium);
# outside CI, SYNAPSE_SKIP_CONSOLE=1 skips that phase, and so does a machine without node, npm
# or chromium; in CI it always runs.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step's heading, with the time the one before it took (SECONDS: since the script started).
step_started=0
step() {
  if [ "$step_started" -gt 0 ] || [ "$SECONDS" -gt 0 ]; then printf '(%d s)\n' "$((SECONDS - step_started))"; fi
  step_started=$SECONDS
  printf '\n\033[1m== %s\033[0m (at %d s)\n' "$*" "$SECONDS"
}
in_ci() { case "${CI:-}" in true | TRUE | True | 1) return 0 ;; *) return 1 ;; esac; }

RAY_TESTS='binary(/^ray_/) | test(/^ray_/)'
# Of those, the tests of runs placed on another machine need the two-node cluster of their own phase.
TWO_NODE_TESTS='binary(ray_two_nodes)'
# The compile-fail tests run in a step of their own: alone on the machine, and with cargo's
# progress lines filtered out so that a mismatch is the first thing a failed run shows.
UI_TESTS='package(synapse-ui-tests)'
# The `synapse` command's tests run beside the feature checks (see there).
CLI_TESTS='package(synapse-cli)'
if in_ci; then
  # A clean build gains nothing from incremental caches, and they take a gigabyte of disk.
  export CARGO_INCREMENTAL=0
  df -h . | sed 's/^/disk: /'
  trap 'df -h . | sed "s/^/disk at the failure: /"' ERR
fi
nextest=false
if cargo nextest --version >/dev/null 2>&1; then nextest=true; fi

step "formatting"
cargo fmt --all -- --check

step "lints"
cargo clippy --workspace --all-targets --locked -- -D warnings

# The `synapse` command's tests make a plugin crate of every category and build each in a target
# directory of their own (five feature sets of synapse): minutes of builds that need no lock on
# the workspace's target directory. They run in the background, beside the feature checks below
# (one rustc at a time), and their output is shown when they end.
step "the synapse command's tests (a plugin of every category made, built, tested, published): started"
cli_tests=()
while IFS= read -r binary; do cli_tests+=("$binary"); done < <(
  cargo test --locked -p synapse-cli --no-run 2>&1 | tee /dev/stderr | sed -n 's/^ *Executable .* (\(.*\))$/\1/p'
)
[ ${#cli_tests[@]} -ge 3 ] || { echo "the synapse command's test binaries were not found" >&2; exit 1; }
cli_log="$(mktemp)"
(for binary in "${cli_tests[@]}"; do "$binary" || exit 1; done) >"$cli_log" 2>&1 &
cli_pid=$!
trap 'kill "$cli_pid" 2>/dev/null || true' EXIT

# The workspace turns every feature of synapse on (its tests use them all); a plugin turns on
# what it uses. Each feature set's library compiles on its own, warning-free (`tls` only adds
# rustls to `ray`'s HTTP client; the tests, every feature on, are linted above). Checked only:
# the dependencies' metadata of the step above is reused.
step "synapse's features, one at a time"
for features in "" ray store discovery backend storage formats dataset train upload export to_task serve s3 gcs azure; do
  echo "features: ${features:-(default)}"
  cargo clippy --quiet -p synapse --lib --locked --no-default-features --features "$features" -- -D warnings
done
echo "the S3 storage tests (synapse-tests with s3)"
cargo clippy --quiet -p synapse-tests --test storage_s3 --test storage_object --test data_ops_export_s3 --test upload_s3 --locked --features s3 -- -D warnings
echo "the dev backend's presigned uploads into S3 (synapse-dev-backend with s3)"
cargo clippy --quiet -p synapse-dev-backend --all-targets --locked --features s3 -- -D warnings

step "the synapse command's tests: their end (the other tests run on a quiet machine)"
if wait "$cli_pid"; then
  cat "$cli_log"
else
  cat "$cli_log"
  echo "the synapse command's tests failed (above)" >&2
  exit 1
fi

step "tests"
if $nextest; then
  cargo nextest run --workspace --locked --no-fail-fast -E "not ($RAY_TESTS | $UI_TESTS | $CLI_TESTS)"
else
  # cargo test cannot leave the Ray tests out: without a Ray head they skip here (CI unset),
  # and the Ray phase below runs them.
  env -u CI cargo test --workspace --locked --no-fail-fast --lib --bins --tests \
    --exclude synapse-ui-tests --exclude synapse-cli
fi

step "compile-fail tests (trybuild)"
cargo test --locked -p synapse-ui-tests --test ui 2>&1 |
  grep -v -E '^ +(Compiling|Checking|Finished|Running|Blocking) '

step "doc tests"
cargo test --workspace --locked --doc

step "Ray tests, against a local Ray head in fresh network and PID namespaces"
if ! in_ci && [ "${SYNAPSE_SKIP_RAY:-}" = 1 ]; then
  echo "skipped: SYNAPSE_SKIP_RAY=1"
elif ! in_ci && ! scripts/ray.sh check; then
  echo "skipped: this machine cannot run the Ray head in namespaces (see above); CI runs these tests"
else
  # Build on the host, where crates can still be downloaded: the namespaces have no network.
  if $nextest; then
    cargo nextest run --workspace --locked --no-run
    # One test at a time: the head has 2 CPUs, and a job whose supervisor waits past
    # RAY_JOB_START_TIMEOUT_SECONDS for resources another test's jobs hold fails for no fault of its own.
    scripts/ray.sh run -- cargo nextest run --workspace --locked --offline --no-fail-fast --test-threads 1 \
      -E "($RAY_TESTS) & not ($TWO_NODE_TESTS)"
  else
    single_node=()
    for file in tests/ray_*.rs; do
      name="$(basename "$file" .rs)"
      [ "$name" = ray_two_nodes ] || single_node+=(--test "$name")
    done
    cargo test --workspace --locked --no-run "${single_node[@]}"
    scripts/ray.sh run -- cargo test --workspace --locked --offline --no-fail-fast "${single_node[@]}" -- --test-threads 1
  fi
fi

step "Ray tests on two nodes: the head and a worker node, each in a network namespace of its own"
if ! in_ci && [ "${SYNAPSE_SKIP_RAY:-}" = 1 ]; then
  echo "skipped: SYNAPSE_SKIP_RAY=1"
elif ! in_ci && ! SYNAPSE_RAY_NODES=2 scripts/ray.sh check; then
  echo "skipped: this machine cannot run two Ray nodes in namespaces (see above); CI runs these tests"
else
  # Built by the step above.
  if $nextest; then
    SYNAPSE_RAY_NODES=2 scripts/ray.sh run -- cargo nextest run --workspace --locked --offline --no-fail-fast \
      --test-threads 1 -E "$TWO_NODE_TESTS"
  else
    SYNAPSE_RAY_NODES=2 scripts/ray.sh run -- cargo test --workspace --locked --offline --no-fail-fast \
      --test ray_two_nodes -- --test-threads 1
  fi
fi

step "S3 storage tests, against moto_server on loopback"
S3_TESTS=(-p synapse-tests --features s3 --test storage_s3 --test storage_object --test data_ops_export_s3 --test upload_s3)
if ! in_ci && [ "${SYNAPSE_SKIP_S3:-}" = 1 ]; then
  echo "skipped: SYNAPSE_SKIP_S3=1"
elif ! in_ci && ! scripts/moto.sh check; then
  echo "skipped: no moto_server here, and no Python to install it with; CI runs these tests"
else
  # Built before moto_server starts, so that it runs only as long as the tests.
  if $nextest; then
    cargo nextest run --locked --no-run "${S3_TESTS[@]}"
    scripts/moto.sh run -- cargo nextest run --locked --no-fail-fast "${S3_TESTS[@]}"
  else
    cargo test --locked --no-run "${S3_TESTS[@]}"
    scripts/moto.sh run -- cargo test --locked --no-fail-fast "${S3_TESTS[@]}"
  fi
fi

step "the dev backend's web console, in headless Chromium"
if ! in_ci && [ "${SYNAPSE_SKIP_CONSOLE:-}" = 1 ]; then
  echo "skipped: SYNAPSE_SKIP_CONSOLE=1"
else
  # Outside CI, it says so and passes when node, npm or chromium is missing; in CI it fails.
  scripts/console-test.sh run
fi

step "the Python synapse-sdk against the dev backend"
if ! in_ci && [ "${SYNAPSE_SKIP_PYTHON_SDK:-}" = 1 ]; then
  echo "skipped: SYNAPSE_SKIP_PYTHON_SDK=1"
elif ! in_ci && ! scripts/python-sdk.sh check; then
  echo "skipped: no Python >= 3.12 on this machine; CI runs this phase"
else
  scripts/python-sdk.sh run
fi

step "all tests passed"
