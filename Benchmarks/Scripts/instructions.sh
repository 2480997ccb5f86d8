#!/usr/bin/env bash
# Instructions per evaluation, counted by callgrind (independent of the machine's load), for one or
# more builds of the benchmark harness side by side:
#
#   Benchmarks/Scripts/instructions.sh [--rules N] BINARY [BINARY...]
#
# Each BINARY is a release build of DuwtjeBenchmarks (copy it aside before building another). Each is
# run under callgrind twice, `profile N 2` and `profile N 52`, with deterministic hashing; the
# difference divided by the 50,000 extra evaluations is the cost of one evaluation and admission,
# without the load (which the two runs share). The load runs on threads, so its count differs by up
# to ~1 M instructions between two runs: over 10,000 extra evaluations (`2` against `12`, until
# 2026-12-01) that was ±90 an evaluation, over 50,000 it is under ±20; the extra passes cost little
# next to the load. Collecting only inside the loop with --toggle-collect
# no longer works since admission is async: callgrind's toggles follow calls and returns, which an
# async function's partial functions do not make.
#
# Valgrind 3.19 (Debian 12) crashes on libdispatch's sigsuspend with a mask in read-only memory
# ("the 'impossible' happened", SIGSEGV in the tool): a preloaded sigsuspend that copies the mask
# first lets it run. Debug info is stripped because valgrind cannot read Swift 6.3's DWARF.
set -euo pipefail
rules=10000
if [ "${1:-}" = "--rules" ]; then rules=$2; shift 2; fi
[ $# -ge 1 ] || { sed -n 2,8p "$0"; exit 2; }
command -v valgrind >/dev/null || { echo "instructions: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=sigsuspend-shim.sh
source "$(dirname "$0")/sigsuspend-shim.sh"
build_sigsuspend_shim "$work"
for binary in "$@"; do
  objcopy --strip-debug "$binary" "$work/harness"
  declare -A total=()
  for passes in 2 52; do
    SWIFT_DETERMINISTIC_HASHING=1 LD_PRELOAD="$work/sigsuspend.so" valgrind --tool=callgrind \
      --callgrind-out-file="$work/out.$passes" "$work/harness" profile "$rules" "$passes" > "$work/log.$passes" 2>&1 \
      || { echo "instructions: callgrind failed for $binary, see:" >&2; tail -5 "$work/log.$passes" >&2; exit 1; }
    total[$passes]=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/log.$passes")
  done
  echo "$binary: $(( (total[52] - total[2]) / 50000 )) instructions per evaluation at $rules rules"
done
