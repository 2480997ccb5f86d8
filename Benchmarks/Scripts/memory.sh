#!/usr/bin/env bash
# Resident memory of `duwtje serve` on a generated rule set (issue 15, goal 3): VmRSS after the
# start, after each of RELOADS SIGHUPs, and the peak (VmHWM) during each reload. Given a second
# binary (BASE), runs it the same way right after, so before and after stand side by side.
#
# Usage: Benchmarks/Scripts/memory.sh [DUWTJE [BASE]]
#   DUWTJE  the binary to measure (default: this checkout's release build, built first)
#   BASE    another build to measure the same way (e.g. main's)
# Environment (all optional):
#   RULE_COUNT=10000   the generated set's size
#   RELOADS=10         SIGHUPs, one after the other (each waits for the reload before it to finish)
#   RULES=DIR          a rule directory to use instead of a generated set (e.g. Rules/)
#   SKIP_BUILD=1       use the release binaries already built
#   WORK=/tmp/duwtje-memory
#
# A reload is finished when `/v1/status` counts it (`reloads.ok` + `reloads.failed`); the peak of a
# reload is VmHWM after the kernel's high-water mark was reset to the current RSS
# (`echo 5 > /proc/PID/clear_refs`, which needs to own the process or be root) just before its SIGHUP.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BENCH=$(dirname "$HERE")
ROOT=$(dirname "$BENCH")
RULE_COUNT=${RULE_COUNT:-10000}
RELOADS=${RELOADS:-10}
WORK=${WORK:-/tmp/duwtje-memory}
SOCKET=$WORK/memory.sock

command -v curl >/dev/null || { echo "curl is missing: apt-get install -y curl" >&2; exit 1; }
rm -rf "$WORK"
mkdir -p "$WORK"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "== building (release)"
  if [ -z "${1:-}" ]; then (cd "$ROOT" && swift build -c release --product duwtje 2>&1 | tail -n 1); fi
  if [ -z "${RULES:-}" ]; then (cd "$BENCH" && swift build -c release 2>&1 | tail -n 1); fi
fi
DUWTJE=$(realpath "${1:-$ROOT/.build/release/duwtje}")
BASE=${2:+$(realpath "$2")}

if [ -z "${RULES:-}" ]; then
  RULES=$WORK/rules-$RULE_COUNT
  "$BENCH/.build/release/DuwtjeBenchmarks" generate "$RULES" "$RULE_COUNT" >/dev/null
fi
RULES=$(cd "$RULES" && pwd)
# The store in $WORK, so that a run leaves nothing behind elsewhere.
printf 'rules: %s\nsocket:\n  path: %s\nstore:\n  path: %s\n' "$RULES" "$SOCKET" "$WORK/store/duwtje.db" >"$WORK/duwtje.yaml"

# shellcheck source=server-process.sh
source "$HERE/server-process.sh"

status() { curl -s --unix-socket "$SOCKET" http://x/v1/status 2>/dev/null || true; }
# reloads.ok + reloads.failed from /v1/status, or -1 while it does not answer.
reloads_done() {
  local body
  body=$(status)
  if [ -z "$body" ]; then echo -1; return; fi
  python3 -c 'import json, sys; r = json.load(sys.stdin)["reloads"]; print(r["ok"] + r["failed"])' <<<"$body"
}
# Polls (every 20 ms, at most 120 s) until the daemon has finished N reloads.
wait_reloads() {  # N LABEL
  local deadline=$(( $(date +%s) + 120 ))
  while [ "$(reloads_done)" -lt "$1" ]; do
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "the daemon exited; see $WORK/duwtje-$2.log" >&2; exit 1; }
    [ "$(date +%s)" -lt "$deadline" ] || { echo "reload $1 did not finish within 120 s" >&2; exit 1; }
    sleep 0.02
  done
}
# last_reload.duration_ms from /v1/status.
reload_ms() {
  status | python3 -c 'import json, sys; print(round(json.load(sys.stdin)["last_reload"]["duration_ms"]))'
}
kib() { awk -v key="$1:" '$1 == key {print $2}' "/proc/$SERVER_PID/status"; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }

measure() {  # LABEL BINARY; fills RESULT_<LABEL>
  local label=$1 binary=$2 row
  (cd "$WORK" && exec "$binary" serve --config "$WORK/duwtje.yaml" 2>>"$WORK/duwtje-$label.log") &
  SERVER_PID=$!
  wait_reloads 0 "$label"
  row="$(mib "$(kib VmRSS)") $(mib "$(kib VmHWM)") 0 $(mib "$(kib RssAnon)")"
  local i
  for i in $(seq 1 "$RELOADS"); do
    echo 5 >"/proc/$SERVER_PID/clear_refs"  # VmHWM := VmRSS now
    kill -HUP "$SERVER_PID"
    wait_reloads "$i" "$label"
    row="$row $(mib "$(kib VmRSS)") $(mib "$(kib VmHWM)") $(reload_ms) $(mib "$(kib RssAnon)")"
  done
  stop_server
  echo "$row" >"$WORK/result-$label"
}

echo "== $RULES ($(find "$RULES" -name '*.yaml' | wc -l) files, $(du -sh "$RULES" | cut -f1)), $RELOADS reloads"
measure this "$DUWTJE"
[ -n "$BASE" ] && measure base "$BASE"

# One row per moment: VmRSS after it, VmHWM during it (for the start: since the process began) and
# RssAnon after it (MiB: VmRSS less the mapped files, i.e. the code, ≈ 37 MiB of it), and how long
# the reload took (ms, `last_reload.duration_ms`).
python3 - "$WORK" "$RELOADS" "$DUWTJE" "$BASE" <<'EOF'
import sys
work, reloads, this, base = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
runs = [("this", this)] + ([("base", base)] if base else [])
values = {label: [float(v) for v in open(f"{work}/result-{label}").read().split()] for label, _ in runs}
for label, binary in runs:
    print(f"{label}: {binary}")
print(f"{'MiB':<12}" + "".join(f"{label + ' RSS':>11}{label + ' peak':>11}{label + ' anon':>11}{label + ' ms':>9}" for label, _ in runs))
for i in range(reloads + 1):
    name = "start" if i == 0 else f"reload {i}"
    cells = ""
    for label, _ in runs:
        rss, peak, ms, anon = values[label][4 * i:4 * i + 4]
        cells += f"{rss:>11.1f}{peak:>11.1f}{anon:>11.1f}{'-' if i == 0 else f'{ms:.0f}':>9}"
    print(f"{name:<12}" + cells)
for label, _ in runs:
    v = values[label]
    rss, peaks, anon = v[0::4], v[5::4], v[3::4]
    print(f"{label}: RSS after start {rss[0]:.1f} MiB (anon {anon[0]:.1f}), after {reloads} reloads {rss[-1]:.1f} MiB "
          f"(anon {anon[-1]:.1f}), highest peak during a reload {max(peaks):.1f} MiB "
          f"({max(peaks) / rss[-1]:.2f} x the RSS after the last)")
EOF
