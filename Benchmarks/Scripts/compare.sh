#!/usr/bin/env bash
# duwtje over its Unix socket against an nginx baseline on the same socket path, with the same
# load generator (DuwtjeBenchmarks socket), one after the other, for the shipped rules and for a
# generated 10,000-rule set; then a reload-under-load run. See Benchmarks/README.md.
#
# Environment (all optional):
#   DURATION=10 WARMUP=2     measured and warm-up seconds per run
#   CONNECTIONS=16           keep-alive connections (or, in the new-connection mode, clients)
#   MODES="keepalive new"    keep-alive connections, and/or a new connection per request (PHP-FPM's way)
#   DUWTJE_ARGS=             extra arguments for `duwtje serve` (e.g. another transport)
#   SERVER_CPU=1 GEN_CPU=0   taskset CPUs for the server (duwtje or nginx, the same for both) and the generator
#   RULE_COUNT=10000         the generated set's size
#   RELOAD_SECONDS=30        length of the reload-under-load run (0 skips it)
#   SKIP_BUILD=1             use the release binaries already built
#   SETS="shipped generated" which rule sets to run
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BENCH=$(dirname "$HERE")
ROOT=$(dirname "$BENCH")
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-16}
SERVER_CPU=${SERVER_CPU:-1}
GEN_CPU=${GEN_CPU:-0}
RULE_COUNT=${RULE_COUNT:-10000}
RELOAD_SECONDS=${RELOAD_SECONDS:-30}
SETS=${SETS:-"shipped generated"}
MODES=${MODES:-"keepalive new"}
DUWTJE_ARGS=${DUWTJE_ARGS:-}
WORK=${WORK:-/tmp/duwtje-compare}
SOCKET=$WORK/bench.sock

command -v nginx >/dev/null || { echo "nginx is missing: apt-get install -y nginx" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is missing: apt-get install -y curl" >&2; exit 1; }
rm -rf "$WORK"
mkdir -p "$WORK"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "== building (release)"
  (cd "$ROOT" && swift build -c release --product duwtje 2>&1 | tail -n 1)
  (cd "$BENCH" && swift build -c release 2>&1 | tail -n 1)
fi
DUWTJE=${DUWTJE:-$ROOT/.build/release/duwtje}  # DUWTJE=/path/to/duwtje measures another build
GEN=$BENCH/.build/release/DuwtjeBenchmarks

# shellcheck source=server-process.sh
source "$HERE/server-process.sh"

wait_for_socket() {
  for _ in $(seq 1 600); do
    if curl -s -o /dev/null --unix-socket "$SOCKET" http://x/healthz 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "the server did not come up on $SOCKET" >&2
  exit 1
}

start_duwtje() {  # RULES_DIR
  # shellcheck disable=SC2086
  taskset -c "$SERVER_CPU" "$DUWTJE" serve --rules "$1" --socket "$SOCKET" $DUWTJE_ARGS 2>>"$WORK/duwtje.log" &
  SERVER_PID=$!
  wait_for_socket
}

start_nginx() {  # BODY_BYTES
  write_nginx_conf "$WORK/nginx.conf" "$WORK" "$SOCKET" "$1"
  taskset -c "$SERVER_CPU" nginx -c "$WORK/nginx.conf" -p "$WORK" -e "$WORK/nginx-error.log" &
  SERVER_PID=$!
  wait_for_socket
}

MODE_ARGS=()  # the generator's options for the mode being run
load() {  # LABEL RULES_DIR [extra generator options]
  local label=$1 rules=$2
  shift 2
  taskset -c "$GEN_CPU" "$GEN" socket --socket "$SOCKET" --rules "$rules" --connections "$CONNECTIONS" \
    --duration "$DURATION" --warmup "$WARMUP" --label "$label" "${MODE_ARGS[@]}" "$@" | tee -a "$WORK/report.txt"
}

field() {  # NAME RESULT-LINE
  sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"
}

# CPU time (user and system, clock ticks) of the server and its children (nginx's worker): a figure the
# other processes on a shared machine disturb far less than requests/s. Printed as "USER SYSTEM": the
# system share is the kernel's work for the socket calls, which a server can only lessen by making
# fewer of them, the user share is the server's own code.
cpu_ticks() {
  local user=0 system=0 pid
  for pid in $SERVER_PID $(pgrep -P "$SERVER_PID" || true); do
    read -r u s < <(awk '{print $14, $15}' "/proc/$pid/stat")
    user=$(( user + u )); system=$(( system + s ))
  done
  echo "$user $system"
}
# CPU µs per answered request, "TOTAL (user U, system S)": TICKS-BEFORE TICKS-AFTER RESULT-LINE
cpu_per_answer() {
  # The answers of the warm-up are not counted by the generator: prorated at the measured rate.
  awk -v a="$1" -v b="$2" -v n="$(field answered "$3")" -v hz="$(getconf CLK_TCK)" -v w="$WARMUP" -v d="$DURATION" \
    'BEGIN {split(a, x, " "); split(b, y, " "); if (n > 0) {k = 1e6 / hz / (n * (w + d) / d)
            printf "%.1f (user %.1f, system %.1f)", (y[1] + y[2] - x[1] - x[2]) * k, (y[1] - x[1]) * k, (y[2] - x[2]) * k}
            else print "-"}'
}

hwm() { awk '/VmHWM/ {h = $2} /VmRSS/ {r = $2} END {printf "%d kB (VmRSS now %d kB)", h, r}' "/proc/$SERVER_PID/status"; }

SUMMARY=$WORK/summary.txt
echo "duwtje vs nginx over a Unix socket, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$SUMMARY"
echo "server on CPU $SERVER_CPU, generator on CPU $GEN_CPU, $CONNECTIONS connections, ${WARMUP}s warm-up + ${DURATION}s per run, duwtje serve ${DUWTJE_ARGS:-(defaults)}" | tee -a "$SUMMARY"

for set in $SETS; do
  case $set in
    shipped) RULES=$ROOT/Rules ;;
    generated)
      RULES=$WORK/rules-$RULE_COUNT
      "$GEN" generate "$RULES" "$RULE_COUNT" >/dev/null ;;
    *) echo "unknown set $set" >&2; exit 1 ;;
  esac
  for mode in $MODES; do
  case $mode in
    keepalive) MODE_ARGS=(); how="$CONNECTIONS keep-alive connections" ;;
    new) MODE_ARGS=(--new-connection); how="$CONNECTIONS clients, a new connection per request" ;;
    *) echo "unknown mode $mode" >&2; exit 1 ;;
  esac
  echo "== $set rules ($RULES), $how"

  start_duwtje "$RULES"
  before=$(cpu_ticks)
  duwtje_peak=$(load "duwtje-$set-$mode" "$RULES" | grep '^RESULT')
  duwtje_cpu=$(cpu_per_answer "$before" "$(cpu_ticks)" "$duwtje_peak")
  stop_server

  body=$(field mean_body "$duwtje_peak")
  start_nginx "$body"
  before=$(cpu_ticks)
  nginx_peak=$(load "nginx-$set-$mode" "$RULES" | grep '^RESULT')
  nginx_cpu=$(cpu_per_answer "$before" "$(cpu_ticks)" "$nginx_peak")
  nginx_half=$(( $(field rps "$nginx_peak") / 2 ))
  nginx_at_half=$(load "nginx-$set-$mode-at-$nginx_half" "$RULES" --rate "$nginx_half" | grep '^RESULT')
  stop_server

  start_duwtje "$RULES"
  duwtje_at_half=$(load "duwtje-$set-$mode-at-$nginx_half" "$RULES" --rate "$nginx_half" | grep '^RESULT')
  own_half=$(( $(field rps "$duwtje_peak") / 2 ))
  duwtje_at_own_half=$(load "duwtje-$set-$mode-at-$own_half" "$RULES" --rate "$own_half" | grep '^RESULT')
  peak_rss=$(hwm)
  stop_server

  d=$(field rps "$duwtje_peak"); n=$(field rps "$nginx_peak")
  {
    echo "-- $set rules, $how"
    printf '  peak req/s      duwtje %8s   nginx %8s   ratio %s (goal >= 0.8)\n' "$d" "$n" "$(awk "BEGIN {printf \"%.2f\", $d / $n}")"
    printf '  server CPU per answer (peak run) duwtje %s us   nginx %s us   ratio %s\n' "$duwtje_cpu" "$nginx_cpu" \
      "$(awk -v d="${duwtje_cpu%% *}" -v n="${nginx_cpu%% *}" 'BEGIN {if (d > 0) printf "%.2f", n / d; else print "-"}')"
    printf '  peak p50/p99 us duwtje %s/%s   nginx %s/%s   (closed loop)\n' \
      "$(field p50_us "$duwtje_peak")" "$(field p99_us "$duwtje_peak")" "$(field p50_us "$nginx_peak")" "$(field p99_us "$nginx_peak")"
    printf '  at %s req/s (half nginx peak, open loop): duwtje p50 %s p99 %s p99.9 %s us, errors %s, non-2xx %s, not sent in time %s; nginx p99 %s us\n' \
      "$nginx_half" "$(field p50_us "$duwtje_at_half")" "$(field p99_us "$duwtje_at_half")" "$(field p999_us "$duwtje_at_half")" \
      "$(field errors "$duwtje_at_half")" "$(field non2xx "$duwtje_at_half")" "$(field unsent "$duwtje_at_half")" "$(field p99_us "$nginx_at_half")"
    printf '  at %s req/s (half duwtje peak, open loop): duwtje p99 %s us p99.9 %s us\n' \
      "$own_half" "$(field p99_us "$duwtje_at_own_half")" "$(field p999_us "$duwtje_at_own_half")"
    printf '  answer %s B (nginx body sized to it); duwtje errors %s, non-2xx %s; duwtje peak RSS (VmHWM) %s\n' \
      "$body" "$(field errors "$duwtje_peak")" "$(field non2xx "$duwtje_peak")" "$peak_rss"
  } | tee -a "$SUMMARY"
  done
done

if [ "$RELOAD_SECONDS" != 0 ]; then
  # Two generated sets, 1,000 and $RULE_COUNT rules: the generator names journeys, processes and
  # personas by index, so every request drawn from the smaller set is valid in both and any
  # non-2xx or error is the reload's fault, not the mix's.
  echo "== reload under load: SIGHUP every 100 ms for ${RELOAD_SECONDS}s, alternating 1,000 and $RULE_COUNT generated rules"
  LARGE=$WORK/rules-$RULE_COUNT
  SMALL=$WORK/rules-1000
  [ -d "$LARGE" ] || "$GEN" generate "$LARGE" "$RULE_COUNT" >/dev/null
  "$GEN" generate "$SMALL" 1000 >/dev/null
  # The daemon reads $WORK/duwtje.yaml, which is replaced (atomic rename) before each SIGHUP by a
  # configuration naming the other set. (Not a symlinked rule directory: the loader does not
  # follow a symlink to the directory and would serve an empty set.)
  for size in small large; do
    if [ $size = small ]; then dir=$SMALL; else dir=$LARGE; fi
    printf 'rules: %s\nsocket:\n  path: %s\n' "$dir" "$SOCKET" >"$WORK/config-$size.yaml"
  done
  cp "$WORK/config-small.yaml" "$WORK/duwtje.yaml"
  taskset -c "$SERVER_CPU" "$DUWTJE" serve --config "$WORK/duwtje.yaml" 2>>"$WORK/duwtje.log" &
  SERVER_PID=$!
  wait_for_socket
  MODE_ARGS=()
  quiet=$(load "reload-baseline" "$SMALL" | grep '^RESULT')
  load "reload-under-load" "$SMALL" --warmup 0 --duration "$RELOAD_SECONDS" >"$WORK/reload.txt" &
  LOAD_PID=$!
  sighups=0
  end=$(( $(date +%s) + RELOAD_SECONDS ))
  while [ "$(date +%s)" -lt "$end" ]; do
    if [ $((sighups % 2)) = 0 ]; then target=large; else target=small; fi
    cp "$WORK/config-$target.yaml" "$WORK/duwtje.yaml.new" && mv -T "$WORK/duwtje.yaml.new" "$WORK/duwtje.yaml"
    kill -HUP "$SERVER_PID"
    sighups=$((sighups + 1))
    sleep 0.1
  done
  wait "$LOAD_PID"
  under=$(grep '^RESULT' "$WORK/reload.txt")
  cat "$WORK/reload.txt"
  metrics=$(curl -s --unix-socket "$SOCKET" http://x/metrics)
  reloads_ok=$(sed -n 's/^duwtje_reloads_total{result="ok"} //p' <<<"$metrics")
  reloads_failed=$(sed -n 's/^duwtje_reloads_total{result="failed"} //p' <<<"$metrics")
  reload_rss=$(hwm)
  large_loads=$(grep 'reloaded rules' "$WORK/duwtje.log" | grep -c "rules=$RULE_COUNT " || true)
  stop_server
  {
    echo "-- reload under load (1,000-rule request mix; $sighups SIGHUPs sent, reloads ok $reloads_ok (of which $large_loads to the $RULE_COUNT-rule set), failed $reloads_failed)"
    printf '  without reloads: %s req/s p99 %s us | with: %s req/s p50 %s p99 %s p99.9 %s max %s us, errors %s, non-2xx %s; peak RSS %s\n' \
      "$(field rps "$quiet")" "$(field p99_us "$quiet")" "$(field rps "$under")" "$(field p50_us "$under")" \
      "$(field p99_us "$under")" "$(field p999_us "$under")" "$(field max_us "$under")" "$(field errors "$under")" \
      "$(field non2xx "$under")" "$reload_rss"
  } | tee -a "$SUMMARY"
fi
echo "== summary ($SUMMARY)"
cat "$SUMMARY"
