#!/usr/bin/env bash
# Runs every synapse figure of the side-by-side comparison with the Python peer benchmark
# (see bench/RESULTS.md), and prints one "name: value" line per figure at the end.
#
#   bench/run.sh            # startup: 51 runs per command; criterion: its default times
#   bench/run.sh --quick    # startup: 11 runs; criterion: 1 s warm-up, 2 s measurement
#
# Needs the Rust toolchain, and python3 for the final summary (it reads criterion's JSON files).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
TARGET="${CARGO_TARGET_DIR:-target}"

runs=51
criterion_args=()
if [ "${1:-}" = --quick ]; then
  runs=11
  criterion_args=(--warm-up-time 1 --measurement-time 2)
fi

echo "# $(date -u +%FT%TZ) $(uptime)"
cargo build --release -p synapse-bench -p quickstart --bins

echo "## (i) whole process"
"$TARGET/release/startup" --runs "$runs"

echo "## (ii)-(iv) criterion"
echo "# $(uptime)"
cargo bench -p synapse-bench --bench run_plugin --bench progress -- "${criterion_args[@]}"

echo "## summary (criterion medians, with the 95% confidence interval of the median)"
echo "# $(uptime)"
python3 - "$TARGET/criterion" <<'EOF'
import json, pathlib, sys

root = pathlib.Path(sys.argv[1])
for group in ("invocation", "validation", "per_call", "process_action"):
    for bench in sorted((root / group).glob("**/new/benchmark.json")):
        meta = json.loads(bench.read_text())
        median = json.loads((bench.parent / "estimates.json").read_text())["median"]
        ns, ci = median["point_estimate"], median["confidence_interval"]
        line = f"{meta['full_id']}: {ns:,.1f} ns ({ci['lower_bound']:,.1f}-{ci['upper_bound']:,.1f})"
        elements = (meta.get("throughput") or {}).get("Elements")
        if elements and elements > 1:
            line += f" = {ns / elements:.2f} ns per element"
        print(line)
EOF
