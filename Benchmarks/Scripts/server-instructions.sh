#!/usr/bin/env bash
# Instructions the daemon spends per answered request over its socket, counted by callgrind: the
# whole user-space path (NIO's event loop, framing, decoding, evaluation, admission, encoding,
# metrics; not the kernel's side of the syscalls), independent of the machine's load, for one or
# more builds side by side:
#
#   Benchmarks/Scripts/server-instructions.sh [--rules DIR] BINARY [BINARY...]
#
# Each BINARY is a release build of `duwtje`. It serves DIR (default Rules/) under callgrind twice,
# once answering 1,000 requests of the socket benchmark's mix and once 6,000 (one keep-alive
# connection, so every request is one read, one answer and one wait for the next); the difference
# divided by 5,000 is one request, without the start and the shutdown (which both runs share).
# With NEW_CONNECTION=1 every request comes on a connection of its own (`--new-connection`, as
# PHP-FPM's curl does): accepting, setting up and closing the connection are counted in.
# The word `nginx` in place of a BINARY counts nginx the same way (one process, `master_process off`,
# answering every request with a fixed 1,175-byte JSON body, as compare.sh's baseline does): the floor
# of a server's own work per request over the same socket calls.
# With KEEP_PROFILES=DIR both profiles of each build are kept as DIR/NAME.REQUESTS.callgrind;
# `Benchmarks/Scripts/callgrind-per-request.py` lists where one request's instructions go.
# Needs the benchmark harness built (`cd Benchmarks && swift build -c release`).
#
# The same workarounds as instructions.sh: valgrind 3.19 needs a sigsuspend that copies its mask,
# and cannot read Swift 6.3's DWARF, so debug info is stripped.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BENCH=$(dirname "$HERE")
ROOT=$(dirname "$BENCH")
rules=$ROOT/Rules
if [ "${1:-}" = "--rules" ]; then rules=$2; shift 2; fi
[ $# -ge 1 ] || { sed -n 2,17p "$0"; exit 2; }
command -v valgrind >/dev/null || { echo "server-instructions: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
GEN=$BENCH/.build/release/DuwtjeBenchmarks
[ -x "$GEN" ] || { echo "server-instructions: build the harness first (cd Benchmarks && swift build -c release)" >&2; exit 1; }
work=$(mktemp -d)
SOCKET=$work/s.sock
# shellcheck source=server-process.sh
source "$HERE/server-process.sh"
trap 'stop_server; rm -rf "$work"' EXIT
# shellcheck source=sigsuspend-shim.sh
source "$(dirname "$0")/sigsuspend-shim.sh"
build_sigsuspend_shim "$work"

collected() {  # BINARY REQUESTS: the instructions callgrind collected in the whole run
  if [ "$1" = nginx ]; then
    write_nginx_conf "$work/nginx.conf" "$work" "$SOCKET" 1175 single
    valgrind --tool=callgrind --callgrind-out-file="$work/out.$2" \
      nginx -c "$work/nginx.conf" -p "$work" -e "$work/nginx-error.log" > "$work/log.$2" 2>&1 &
  else
    rm -rf "$work/store" && mkdir -p "$work/store"
    printf 'rules: %s\nsocket:\n  path: %s\nstore:\n  path: %s\n' "$rules" "$SOCKET" "$work/store/events.db" > "$work/duwtje.yaml"
    SWIFT_DETERMINISTIC_HASHING=1 LD_PRELOAD="$work/sigsuspend.so" valgrind --tool=callgrind \
      --callgrind-out-file="$work/out.$2" "$work/duwtje" serve --config "$work/duwtje.yaml" > "$work/log.$2" 2>&1 &
  fi
  SERVER_PID=$!
  for _ in $(seq 1 1200); do
    curl -s -o /dev/null --unix-socket "$SOCKET" http://x/healthz 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server-instructions: the daemon exited, see:" >&2; tail -5 "$work/log.$2" >&2; exit 1; }
    sleep 0.1
  done
  "$GEN" socket --socket "$SOCKET" --rules "$rules" --connections 1 --requests "$2" --label "n$2" \
    ${NEW_CONNECTION:+--new-connection} > "$work/gen.$2"
  grep -q " errors=0 " "$work/gen.$2" || { echo "server-instructions: the generator saw errors:" >&2; cat "$work/gen.$2" >&2; exit 1; }
  stop_server
  if [ -n "${KEEP_PROFILES:-}" ]; then
    mkdir -p "$KEEP_PROFILES" && cp "$work/out.$2" "$KEEP_PROFILES/$(basename "$1").$2.callgrind"
  fi
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/log.$2"
}

for binary in "$@"; do
  if [ "$binary" = nginx ]; then
    command -v nginx >/dev/null || { echo "server-instructions: nginx is missing: apt-get install -y nginx" >&2; exit 1; }
  else
    objcopy --strip-debug "$binary" "$work/duwtje"
  fi
  small=$(collected "$binary" 1000)
  large=$(collected "$binary" 6000)
  echo "$binary: $(( (large - small) / 5000 )) instructions per request over the socket ($(basename "$rules"))"
done
