#!/usr/bin/env bash
# Build time of a plugin crate of its own, as a new user writes it from the README: one
# `#[action]` with its `#[params]`, `synapse::plugin!`, and `synapse::main!` in src/main.rs,
# depending on this checkout's synapse by path. For each feature set of synapse, in a fresh
# target directory:
#
#   - cold: `cargo build --timings` (debug), the crates already downloaded;
#   - incremental: the action's body edited, then `cargo build --timings` again (3 times; the
#     median is reported);
#   - release: `cargo build --release`, and the size of the binary, as built and stripped.
#
# Times are cargo's own ("Finished ... in"). The plugin lives outside the workspace, so it gets
# none of its settings (.cargo/config.toml, [profile]): what a new user gets.
#
#   bench/build_time.sh                          # default, ray, store, discovery, all
#   bench/build_time.sh default "ray,store"      # the sets named (comma-separated features)
#
# Environment: SYNAPSE_DIR (the synapse crate to build against; this checkout's by default),
# KEEP_DIR (where each set's timings report is copied, e.g. cargo-timing-default.html),
# NO_RELEASE=1 (skip the release builds), DEV_DEBUG (a `[profile.dev] debug` setting for the
# plugin, e.g. `line-tables-only`; none by default, as a new plugin has none).
#
# Needs GNU time (`time -f`): the CPU time (user + system) of the cold build, which other work
# on the machine changes much less than its wall time. The load column is the 1-minute load
# average at the end of the cold build: about 2 when the build had the machine's 2 cores to
# itself, more when something else ran too.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
synapse_dir="${SYNAPSE_DIR:-$root/synapse}"
keep_dir="${KEEP_DIR:-}"
sets=("$@")
if [ ${#sets[@]} -eq 0 ]; then sets=(default ray store discovery "ray,store,discovery"); fi

work="$(mktemp -d "${TMPDIR:-/tmp}/synapse-build-time.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# "Finished `dev` profile [...] target(s) in 1m 02s" -> 62.00
finished_secs() {
  sed -n 's/.*Finished .* in \(.*\)$/\1/p' "$1" | tail -1 | awk '{
    s = 0
    for (i = 1; i <= NF; i++) {
      v = $i
      if (v ~ /m$/) { sub(/m$/, "", v); s += v * 60 } else { sub(/s$/, "", v); s += v }
    }
    printf "%.2f", s
  }'
}

median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }

make_plugin() { # dir features
  local dir="$1" features="$2" dep
  mkdir -p "$dir/src"
  if [ "$features" = default ]; then
    dep="synapse = { path = \"$synapse_dir\" }"
  else
    dep="synapse = { path = \"$synapse_dir\", features = [\"${features//,/\", \"}\"] }"
  fi
  cat >"$dir/Cargo.toml" <<EOF
[package]
name = "newplugin"
description = "A new user's first plugin."
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
$dep

[workspace]
EOF
  if [ -n "${DEV_DEBUG:-}" ]; then
    printf '\n[profile.dev]\ndebug = "%s"\n' "$DEV_DEBUG" >>"$dir/Cargo.toml"
  fi
  # The workspace's lock file and toolchain: the same crate versions as the workspace builds.
  cp "$root/Cargo.lock" "$dir/Cargo.lock"
  cp "$root/rust-toolchain.toml" "$dir/rust-toolchain.toml"
  cat >"$dir/src/lib.rs" <<'EOF'
//! A new user's first plugin: the README's `process` action.
use synapse::prelude::*;

synapse::plugin!(name = "New Plugin", category = Custom);

/// Parameters for the process action.
#[params]
pub struct ProcessParams {
    /// Path to input file
    pub input_path: String,
    /// Path to output file
    pub output_path: String,
    #[param(default = 32, range(min = 1, max = 1024))]
    pub batch_size: u32,
    #[param(default)]
    pub verbose: bool,
}

/// What the process action returns.
#[output]
pub struct ProcessResult {
    pub status: String,
    pub output_path: String,
    pub items_processed: u64,
}

/// Process files with progress tracking.
#[action(name = "process", category = Custom)]
pub struct ProcessAction;

impl Action for ProcessAction {
    type Params = ProcessParams;
    type Output = ProcessResult;

    async fn execute(&self, params: ProcessParams, ctx: &Context) -> Result<ProcessResult> {
        let total = 100;
        for i in 0..total {
            ctx.set_progress(i + 1, total);
        }
        ctx.set_metrics(metrics! { items_processed: total }, "process");
        Ok(ProcessResult { status: "completed".into(), output_path: params.output_path, items_processed: total })
    }
}
EOF
  echo 'synapse::main!(newplugin);' >"$dir/src/main.rs"
}

rows=()
for set in "${sets[@]}"; do
  dir="$work/plugin-${set//,/-}"
  target="$work/target-${set//,/-}"
  make_plugin "$dir" "$set"
  echo "== synapse features: $set" >&2
  (cd "$dir" && cargo fetch --quiet)
  (cd "$dir" && CARGO_TARGET_DIR="$target" command time -f '%U %S' -o "$dir/cold.cpu" \
    cargo build --timings 2>"$dir/cold.log") || { cat "$dir/cold.log" >&2; exit 1; }
  cold="$(finished_secs "$dir/cold.log")"
  load="$(cut -d' ' -f1 /proc/loadavg)"
  cpu="$(awk '{ printf "%.0f", $1 + $2 }' "$dir/cold.cpu")"
  crates="$(grep -c '^ *Compiling ' "$dir/cold.log")"
  if [ -n "$keep_dir" ]; then
    mkdir -p "$keep_dir"
    cp "$target/cargo-timings/cargo-timing.html" "$keep_dir/cargo-timing-${set//,/-}.html"
  fi
  incs=()
  for n in 101 102 103; do
    sed -i "s/let total = [0-9]*;/let total = $n;/" "$dir/src/lib.rs"
    (cd "$dir" && CARGO_TARGET_DIR="$target" cargo build --timings 2>"$dir/inc.log") ||
      { cat "$dir/inc.log" >&2; exit 1; }
    incs+=("$(finished_secs "$dir/inc.log")")
  done
  inc="$(median3 "${incs[@]}")"
  debug_size="$(stat -c %s "$target/debug/newplugin")"
  release="-" size="-" stripped="-"
  if [ "${NO_RELEASE:-}" != 1 ]; then
    (cd "$dir" && CARGO_TARGET_DIR="$target" cargo build --release 2>"$dir/release.log") ||
      { cat "$dir/release.log" >&2; exit 1; }
    release="$(finished_secs "$dir/release.log")"
    size="$(stat -c %s "$target/release/newplugin")"
    strip -o "$work/stripped" "$target/release/newplugin"
    stripped="$(stat -c %s "$work/stripped")"
  fi
  rows+=("| $set | $crates | $cold s | $cpu s | $load | $inc s (${incs[*]}) | $(( debug_size / 1048576 )) MiB | $release s | $size | $stripped |")
  printf '%s\n' "${rows[-1]}" >&2
  rm -rf "$target"
done

echo "| synapse features | crates compiled | cold debug build | its CPU time | load | incremental (median of 3) | debug binary | release build | release binary (bytes) | stripped (bytes) |"
echo "|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
