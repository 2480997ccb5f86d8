#!/usr/bin/env bash
# Issue 15's wall-clock goals for two or more builds of the benchmark harness, alternating in the same
# minutes so that the host's load falls on each alike:
#
#   Benchmarks/Scripts/engine-figures.sh [--rounds N] BINARY [BINARY...]
#
# Each BINARY is a release build of DuwtjeBenchmarks (copy it aside before building another). For each
# of N rounds (default 5), every binary runs `load 10000` (load + validate + compile against libyaml's
# bare parse) and then `eval 100 10000 100000` (medians per evaluation); the load average is printed
# before each run. At the end, per binary, the median over the rounds of each figure.
#
# Instructions (independent of load) come from `instructions.sh`; memory from `memory.sh`.
set -euo pipefail
rounds=5
if [ "${1:-}" = "--rounds" ]; then rounds=$2; shift 2; fi
[ $# -ge 1 ] || { sed -n 2,11p "$0"; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The figures a run prints, one per line as "name value", from the harness's own summary lines.
figures() {
  sed -n \
    -e 's/.*÷ floor: \([0-9.]*\) (medians), [0-9.]* (median of the rounds.*in CPU time: \([0-9.]*\).*/load-ratio-wall \1\nload-ratio-cpu \2/p' \
    -e 's/^  load + validate + compile  *[0-9.]*  *\([0-9.]*\).*/load-total-ms \1/p' \
    -e 's/^  floor: libyaml bare parse, 1 thread  *[0-9.]*  *\([0-9.]*\).*/floor-ms \1/p' \
    -e 's/^|  *\([0-9]*\) |  *[0-9]* |  *[0-9.]* |  *[0-9.]* |  *[0-9.]* |  *[0-9.]* |  *\([0-9.]*\) |.*/eval-median-us-\1 \2/p' \
    -e 's/^ratio 100,000-rule median \/ 100-rule median: single \([0-9.]*\)×.*/eval-ratio-100k-100 \1/p' \
    "$1"
}

for round in $(seq 1 "$rounds"); do
  index=0
  for binary in "$@"; do
    index=$((index + 1))
    echo "round $round, $binary: load average $(cut -d' ' -f1-3 /proc/loadavg)"
    "$binary" load 10000 > "$work/load.$index.$round"
    "$binary" eval 100 10000 100000 > "$work/eval.$index.$round"
    figures "$work/load.$index.$round" > "$work/fig.$index.$round"
    figures "$work/eval.$index.$round" >> "$work/fig.$index.$round"
    tr '\n' ' ' < "$work/fig.$index.$round"; echo
  done
done

echo
echo "median over $rounds rounds:"
printf '%-22s' figure; for binary in "$@"; do printf ' %14s' "$(basename "$binary")"; done; echo
for name in floor-ms load-total-ms load-ratio-wall load-ratio-cpu eval-median-us-100 eval-median-us-10000 \
            eval-median-us-100000 eval-ratio-100k-100; do
  printf '%-22s' "$name"
  index=0
  for binary in "$@"; do
    index=$((index + 1))
    value=$(cat "$work"/fig."$index".* | awk -v n="$name" '$1 == n { print $2 }' | sort -g \
      | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
    printf ' %14s' "$value"
  done
  echo
done
