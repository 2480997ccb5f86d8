#!/usr/bin/env bash
# The API contract against the real daemon (issue 14; docs/api.md, Decision: the OpenAPI contract):
#   1. docs/openapi.yaml is valid OpenAPI 3.1 (openapi-spec-validator);
#   2. the document the daemon serves (Sources/DuwtjeWire/OpenAPIDocument.swift) is that file as JSON;
#   3. `duwtje serve` on the shipped Rules, a temporary socket and store, as an unprivileged user when
#      run as root, answers the README's curl, Python and PHP examples as the README shows
#      (scripts/readme-examples.py);
#   4. Schemathesis, with all its checks, fuzzes every operation of the document the daemon serves at
#      GET /v1/openapi.json: no 5xx, every status and header documented, every body (problem+json
#      included) matching its schema, bad input refused and good input accepted.
# The API stays on the Unix socket; socat bridges it to loopback TCP for Schemathesis only.
#
#   scripts/test-contract.sh                  # after swift build; uses .build/debug/duwtje
#   CONTRACT_EXAMPLES=200 CONTRACT_SEED=42 scripts/test-contract.sh   # more cases, or rerun a seed
#
# Installs what it lacks: socat, php-cli, php-curl and python3-venv from Debian (apt-get, as root),
# and the pinned openapi-spec-validator and schemathesis from PyPI into .build-ci/venv (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BINARY=${DUWTJE_BINARY:-$ROOT/.build/debug/duwtje}
VENV=$ROOT/.build-ci/venv
SCHEMATHESIS=4.32.5
VALIDATOR=0.9.0
EXAMPLES=${CONTRACT_EXAMPLES:-100}
SEED=${CONTRACT_SEED:-$(( (RANDOM << 15) | RANDOM ))}

say() { echo "test-contract: $*"; }
fail() { echo "test-contract: $*" >&2; exit 1; }

[[ -x $BINARY ]] || fail "$BINARY is missing; run swift build first"

# --- tools ---------------------------------------------------------------------------------------
missing=()
command -v socat >/dev/null || missing+=(socat)
command -v php >/dev/null || missing+=(php-cli)
# (Captured whole, not piped to grep -q, which would end php with SIGPIPE and fail under pipefail.)
[[ $'\n'$(php -m 2>/dev/null || true)$'\n' == *$'\ncurl\n'* ]] || missing+=(php-curl)
/usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
if (( ${#missing[@]} )); then
  [[ $(id -u) == 0 ]] || fail "missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root"
  say "installing ${missing[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}"
fi
installed() { local tool=$1; shift; "$VENV/bin/$tool" "$@" 2>/dev/null || true; }
if [[ $(installed schemathesis --version) != *" $SCHEMATHESIS" ]] \
   || [[ $(installed pip show openapi-spec-validator) != *"Version: $VALIDATOR"* ]]; then
  say "installing schemathesis $SCHEMATHESIS and openapi-spec-validator $VALIDATOR into $VENV"
  /usr/bin/python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS" "openapi-spec-validator==$VALIDATOR"
fi

# --- 1 and 2: the document ---------------------------------------------------------------------
"$VENV/bin/openapi-spec-validator" docs/openapi.yaml
"$VENV/bin/python3" scripts/openapi-json.py --check

# --- 3: the daemon, unprivileged --------------------------------------------------------------
WORK=$(mktemp -d /tmp/duwtje-contract.XXXXXX)
DAEMON_PID=
BRIDGE_PID=
cleanup() {
  local status=$?
  set +e  # a killed process's status must not replace the script's
  # Only the processes started here, by their ids.
  [[ -n $BRIDGE_PID ]] && kill "$BRIDGE_PID" 2>/dev/null && wait "$BRIDGE_PID" 2>/dev/null
  [[ -n $DAEMON_PID ]] && kill -TERM "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
chmod 0755 "$WORK"
# The checkout's layout (Config/, Rules/, run/, var/), so paths in answers read as in the README.
cp -R Rules "$WORK/Rules"
mkdir "$WORK/Config" "$WORK/run" "$WORK/var"
SOCKET=$WORK/run/duwtje.sock
cat > "$WORK/Config/duwtje.yaml" <<EOF
rules: ../Rules
socket: { path: ../run/duwtje.sock, mode: "0660" }
store: { path: ../var/duwtje.db }
log: { level: info, format: text }
EOF
run_as=()
if [[ $(id -u) == 0 ]]; then
  # We run as root; operators run the daemon as a service user, so the contract is checked as one.
  chown -R nobody:nogroup "$WORK/run" "$WORK/var"
  run_as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
  say "the daemon runs as nobody"
fi
"${run_as[@]}" "$BINARY" serve --config "$WORK/Config/duwtje.yaml" > "$WORK/daemon.log" 2>&1 &
DAEMON_PID=$!
ready() { curl -sf --max-time 2 --unix-socket "$SOCKET" http://localhost/readyz >/dev/null 2>&1; }
deadline=$((SECONDS + 60))
until ready; do
  kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$WORK/daemon.log" >&2; fail "the daemon exited before it served"; }
  (( SECONDS < deadline )) || { cat "$WORK/daemon.log" >&2; fail "the daemon did not serve within 60 s"; }
  sleep 0.2
done
[[ -z ${run_as[*]} ]] || [[ $(stat -c %U "$SOCKET") == nobody ]] || fail "the socket is not the daemon user's"

# One reload first (setpriv execs, so the id is the daemon's): the README's /v1/status shows its report.
kill -HUP "$DAEMON_PID"
deadline=$((SECONDS + 30))
until [[ $(curl -sf --max-time 2 --unix-socket "$SOCKET" http://localhost/v1/status) == *'"reloads":{"failed":0,"ok":1}'* ]]; do
  (( SECONDS < deadline )) || fail "the daemon did not reload on SIGHUP within 30 s"
  sleep 0.2
done
/usr/bin/python3 scripts/readme-examples.py "$SOCKET"

# --- 4: Schemathesis through a loopback bridge --------------------------------------------------
PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
socat "TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork" "UNIX-CONNECT:$SOCKET" &
BRIDGE_PID=$!
deadline=$((SECONDS + 10))
until curl -sf --max-time 2 "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do
  (( SECONDS < deadline )) || fail "socat does not bridge 127.0.0.1:$PORT to $SOCKET"
  sleep 0.1
done
say "schemathesis $SCHEMATHESIS, $EXAMPLES examples per operation, seed $SEED (rerun: CONTRACT_SEED=$SEED $0)"
status=0
# From $WORK: Schemathesis keeps a cache (.schemathesis/) in its working directory.
(cd "$WORK" && "$VENV/bin/schemathesis" --config-file "$ROOT/scripts/schemathesis.toml" run "http://127.0.0.1:$PORT/v1/openapi.json" \
  --url "http://127.0.0.1:$PORT" --checks all --max-examples "$EXAMPLES" --seed "$SEED" --workers 1 \
  --generation-database none --no-color) || status=$?
if (( status != 0 )); then
  tail -n 40 "$WORK/daemon.log" >&2
  fail "schemathesis found answers the contract does not allow (seed $SEED)"
fi
kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died under Schemathesis"
grep -q " critical \| error " "$WORK/daemon.log" && { grep " critical \| error " "$WORK/daemon.log" >&2; fail "the daemon logged errors"; }
say "ok: the document is valid and served as written, the README's examples answer as shown, and the daemon keeps the contract"
