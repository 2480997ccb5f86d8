#!/usr/bin/env bash
# Side by side in one run: the release daemon with SQLite, then with PostgreSQL (a throwaway cluster on a
# Unix socket, fsync on), each measured by scripts/bench-store.py (recommendations without a visitor,
# recommendations with a new visitor each = one cap admission each, events in batches of 100).
#
# Usage: scripts/bench-store.sh [SECONDS] [CLIENTS] [ROUNDS]   (as root, or as a user who can run initdb)
# Figures and the command that made them: Benchmarks/README.md, "Store engines".
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-10}
CLIENTS=${2:-4}
ROUNDS=${3:-3}
swift build -c release --product duwtje --scratch-path .build-release >/dev/null
BIN=$(swift build -c release --scratch-path .build-release --show-bin-path)/duwtje
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
WORK=$(mktemp -d /tmp/bs-XXXXXX)
chmod 755 "$WORK"   # the postgres user must reach its cluster inside (mktemp makes it 0700)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  [ -n "${DAEMON:-}" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null || true
  as_pg "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/rules" "$WORK/pg"
cat > "$WORK/rules/vocabulary.yaml" <<'YAML'
journeys: { bz: { stages: [ { id: bewustwording } ], fallback: [f1] } }
personas: { ouder: { label: Ouder } }
content_types: { informatief: { label: Informatief } }
context: { process: { values: [paspoort, rijbewijs] } }
content: [ { id: c1, type: informatief, title: C1, url: /c1 }, { id: c2, type: informatief, title: C2, url: /c2 },
           { id: f1, type: informatief, title: F1, url: /f1 } ]
YAML
cat > "$WORK/rules/rules.yaml" <<'YAML'
rules:
  - id: r1
    journey: bz
    when: { persona: [ouder], context: { process: paspoort } }
    recommend: [ { content: c1 }, { content: c2 } ]
    why: Benchmark.
    nudge: { id: n1, message: Maak online een afspraak., alternative: Bel 14 020., cap: { max: 3, per: 1d } }
YAML
head -c 32 /dev/urandom > "$WORK/visitor.key"
[ "$(id -u)" = 0 ] && chown postgres "$WORK/pg"
as_pg "$PGBIN/initdb" -D "$WORK/pg/data" -U duwtje -A trust -E UTF8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/log" -w -o "-k $WORK/pg -h ''" start >/dev/null
as_pg "$PGBIN/createdb" -h "$WORK/pg" -U duwtje duwtje

run() {
  local engine=$1 store=$2
  printf 'rules: rules\nsocket: { path: %s/d.sock }\nlog: { level: warning }\n%s\n' "$WORK" "$store" > "$WORK/duwtje.yaml"
  "$BIN" serve --config "$WORK/duwtje.yaml" 2>"$WORK/$engine.log" &
  DAEMON=$!
  # Up to 10 s for the daemon to answer /healthz.
  for _ in $(seq 200); do
    curl -fs --unix-socket "$WORK/d.sock" http://d/healthz >/dev/null 2>&1 && break; sleep 0.05
  done
  echo "== $engine ($CLIENTS clients, $ROUNDS rounds of ${SECONDS_EACH}s per kind)"
  python3 scripts/bench-store.py "$WORK/d.sock" "$SECONDS_EACH" "$CLIENTS" "$ROUNDS"
  kill "$DAEMON"; wait "$DAEMON" || true; DAEMON=
}
echo "duwtje $(git rev-parse --short HEAD), machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $($PGBIN/postgres --version)"
run sqlite "store: { path: $WORK/duwtje.db }"
run postgresql "store: { engine: postgresql, url: \"postgresql://duwtje@/duwtje?host=$WORK/pg\", secret_file: $WORK/visitor.key, flush_interval: 20ms, pool: 8 }"
