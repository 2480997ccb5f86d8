#!/usr/bin/env bash
# The 100,000 ÷ 100-rule ratio (issue 15, goal 1) of two or more harness builds, run after one another
# in turns, so that each turn of each build meets the host as the others' turns around it do:
#
#   Benchmarks/Scripts/alternate.sh OUT ROUNDS NAME=BINARY [NAME=BINARY...]
#   python3 Benchmarks/Scripts/alternate-summary.py OUT [BASE_NAME]
#
# Each BINARY is a release build of DuwtjeBenchmarks (copy it aside before building another); each turn
# runs `BINARY eval 100 10000 100000` (~10 s) and appends its table rows and ratios to OUT, headed by
# `=== NAME round R time load`. While a turn runs, its `AnonHugePages` (`/proc/PID/smaps_rollup`) is
# sampled every second and written after it: the journeys' programs are in huge pages where the kernel
# gives them (WordRegion, branch region19). On a shared host the ratio of one build moves by ±0.3 from
# turn to turn; compare builds by the summary's run-by-run quotient, not by two single runs.
set -euo pipefail
[ $# -ge 3 ] || { sed -n 2,14p "$0"; exit 2; }
out=$1 rounds=$2
shift 2
current=$(mktemp)
trap 'rm -f "$current"' EXIT
for round in $(seq 1 "$rounds"); do
  for spec in "$@"; do
    name=${spec%%=*} binary=${spec#*=}
    echo "=== $name round $round $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)" >> "$out"
    "$binary" eval 100 10000 100000 > "$current" 2>&1 &
    pid=$!
    huge=0
    # Sampling while the run lasts, not a wait for it: `wait` below is what waits.
    while kill -0 "$pid" 2>/dev/null; do
      kib=$(awk '/^AnonHugePages:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || true)
      if [ -n "$kib" ] && [ "$kib" -gt "$huge" ]; then huge=$kib; fi
      sleep 1
    done
    wait "$pid" || { echo "alternate: $binary failed, see:" >&2; tail -5 "$current" >&2; exit 1; }
    echo "AnonHugePages max $huge kB" >> "$out"
    grep -E '^\|  *[0-9]|ratio|round by round|median at' "$current" >> "$out"
  done
done
