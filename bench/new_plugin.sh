#!/usr/bin/env bash
# `synapse new` → the first local run of the plugin it made, for each of the eight categories:
# the wall time of `synapse new <name> --category <category>` (files written, the crate built,
# its config.yaml generated) followed by the first run command its README gives
# (`cargo run -- run <action> --params …`), measured twice:
#
#   - cold: a target directory of its own, empty (the crates already downloaded): the first
#     plugin a new user ever makes;
#   - warm: a second plugin of the same category, in the target directory the first one filled,
#     which is what `synapse new` sets up by default (one shared target directory under
#     ~/.cache/synapse, so that synapse and its dependencies compile once per feature set).
#
# The export and upload runs need a backend: `synapse dev` (seeded) runs on loopback for them,
# and the upload's folder (inside its storage 1) holds one image. The load column is the 1-minute load average at the
# end of the cold run: about 2 when it had the machine's 2 cores to itself.
#
#   bench/new_plugin.sh                      # every category
#   bench/new_plugin.sh custom neural_net    # the categories named
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
categories=("$@")
if [ ${#categories[@]} -eq 0 ]; then
  categories=(custom smart_tool post_annotation data_validation pre_annotation export upload neural_net)
fi

cargo build --quiet --locked -p synapse-cli --manifest-path "$root/Cargo.toml"
synapse="${CARGO_TARGET_DIR:-$root/target}/debug/synapse"
work="$(mktemp -d "${TMPDIR:-/tmp}/synapse-new-plugin.XXXXXX")"
dev_pid=""
cleanup() {
  if [ -n "$dev_pid" ]; then kill "$dev_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The dev backend for the runs that need one, on a port of its own.
port=18765
"$synapse" dev --bind "127.0.0.1:$port" --token bench >"$work/dev.env" 2>"$work/dev.log" &
dev_pid=$!
for _ in $(seq 100); do
  if grep -q SYNAPSE_ACCESS_TOKEN "$work/dev.env"; then break; fi
  sleep 0.1
done
grep -q SYNAPSE_ACCESS_TOKEN "$work/dev.env" || { cat "$work/dev.log" >&2; exit 1; }
export SYNAPSE_HOST="http://127.0.0.1:$port/" SYNAPSE_ACCESS_TOKEN=bench
storage_root="$(sed -n 's/.*storage 1 (file_system at \([^:]*\):.*/\1/p' "$work/dev.log")"
[ -d "$storage_root" ] || { echo "storage 1's root not found in: $(cat "$work/dev.log")" >&2; exit 1; }

# The first `cargo run -- run …` line of the category's README, as its author would paste it.
first_run() { # dir
  grep -m1 -E '^cargo run -- run ' "$1/README.md" | sed 's/ *#.*$//'
}

# `synapse new` and the first run, timed (seconds, to the millisecond).
new_and_run() { # category name target
  local category="$1" name="$2" target="$3" start end
  start="$(date +%s.%N)"
  (cd "$work" && "$synapse" new "$name" --category "$category" --target-dir "$target") >"$work/$name.log" 2>&1 ||
    { cat "$work/$name.log" >&2; exit 1; }
  if [ "$category" = upload ]; then
    # The README's folder, inside storage 1 (the dev backend's media directory), its images
    # under the data collection's `image_1` specification.
    rm -rf "$storage_root/incoming" && mkdir -p "$storage_root/incoming/image_1"
    cp "$root/synapse-cli/templates/pre_annotation/samples/street.png" "$storage_root/incoming/image_1/street_1.png"
  fi
  (cd "$work/$name" && eval "$(first_run "$work/$name")") >"$work/$name.run.log" 2>&1 ||
    { cat "$work/$name.run.log" >&2; exit 1; }
  end="$(date +%s.%N)"
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }'
}

rows=()
for category in "${categories[@]}"; do
  target="$work/target-$category"
  echo "== $category" >&2
  cold="$(new_and_run "$category" "cold-${category//_/-}" "$target")"
  load="$(cut -d' ' -f1 /proc/loadavg)"
  warm="$(new_and_run "$category" "warm-${category//_/-}" "$target")"
  rows+=("| $category | \`$(first_run "$work/warm-${category//_/-}" | cut -c1-60)…\` | $cold s | $load | $warm s |")
  printf '%s\n' "${rows[-1]}" >&2
  rm -rf "$target"
done

echo "| category | first run | cold: \`synapse new\` + first run | load | warm (a second plugin, same target) |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
