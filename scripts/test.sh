#!/usr/bin/env bash
# Every test of the workspace, from a fresh clone: formatting, lints, unit, integration,
# doc and compile-fail (trybuild) tests, and the committed config.yaml files of the examples.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "formatting"
cargo fmt --all -- --check

step "lints"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast --lib --bins --tests
fi

step "doc tests"
cargo test --workspace --locked --doc

step "examples' config.yaml is up to date"
for example in examples/*/; do
  name="$(basename "$example")"
  cargo run --quiet --locked -p "$name" -- config --check --dir "$example"
done

step "all tests passed"
