#!/usr/bin/env bash
# The Debian package under a real systemd: boots Debian 12 (systemd 252) in systemd-nspawn, installs
# the .deb with apt as an operator would, and checks what operations rely on: the service runs as
# `duwtje` after install, answers the web server's group over the socket, reloads good rules and
# refuses bad ones, keeps nudge caps through a restart and an upgrade, stops cleanly, logs to the
# journal, and `remove`/`purge` keep/delete the state. Prints `N passed, N failed`; exits 1 on any
# failure. Must run as root (as CI does); see ../shared/notes/systemd-nspawn.md for the facts.
#
#   scripts/test-systemd.sh [PACKAGE.deb]      # default: build one with scripts/build-deb.sh
#
# The debootstrapped root is cached in $DUWTJE_NSPAWN_CACHE (default /var/cache/duwtje-nspawn;
# about two minutes and 250 MB the first time) and never changed: the container runs with
# --volatile=overlay, so every run starts from the same fresh system. Downloaded .debs are kept in
# the cache too.
set -uo pipefail
cd "$(dirname "$0")/.."
STARTED=$SECONDS

CACHE=${DUWTJE_NSPAWN_CACHE:-/var/cache/duwtje-nspawn}
ROOT=$CACHE/root
say() { echo "test-systemd: $*" >&2; }
die() { say "error: $*"; exit 2; }
[ "$(id -u)" = 0 ] || die "must run as root (systemd-nspawn)"

DEB=${1:-}
if [ -z "$DEB" ]; then
  DEB=$(scripts/build-deb.sh "${DUWTJE_DEB_SCRATCH:-$PWD/.build-deb}/out") || die "scripts/build-deb.sh failed"
fi
DEB=$(realpath "$DEB")
[ -f "$DEB" ] || die "no package at $DEB"

# --- the container --------------------------------------------------------------------------
export DEBIAN_FRONTEND=noninteractive
if ! command -v systemd-nspawn >/dev/null || ! command -v debootstrap >/dev/null; then
  apt-get update -qq && apt-get install -y -qq systemd-container debootstrap >/dev/null || die "cannot install systemd-container and debootstrap"
fi
if [ ! -x "$ROOT/lib/systemd/systemd" ]; then
  MIRROR=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
  say "debootstrap bookworm into $ROOT (once; about two minutes)"
  rm -rf "$ROOT.tmp" && mkdir -p "$CACHE"
  # procps for /bin/kill (ExecReload); curl to talk to the socket from inside.
  debootstrap --variant=minbase --include=systemd,dbus,procps,curl bookworm "$ROOT.tmp" "${MIRROR:-http://deb.debian.org/debian}" \
    >"$CACHE/debootstrap.log" 2>&1 || die "debootstrap failed; see $CACHE/debootstrap.log"
  mv "$ROOT.tmp" "$ROOT"
fi
mkdir -p "$CACHE/archives/partial"

MACHINE=duwtje-test-$$
WORK=$(mktemp -d)
cp "$DEB" "$WORK/duwtje.deb"
boot() {
  setsid systemd-nspawn -q -D "$ROOT" --volatile=overlay --boot --machine="$MACHINE" --register=no --keep-unit \
    --bind-ro="$WORK:/mnt/packages" --bind="$CACHE/archives:/var/cache/apt/archives" \
    >"$WORK/nspawn.log" 2>&1 </dev/null &
  NSPAWN=$!
  LEADER=""
  local deadline=$((SECONDS + 60)) state
  while [ $SECONDS -lt $deadline ]; do
    LEADER=$(pgrep -P "$NSPAWN" -x systemd || true)
    if [ -n "$LEADER" ]; then
      state=$(nsenter -t "$LEADER" -a systemctl is-system-running 2>/dev/null || true)
      [[ $state == running || $state == degraded ]] && return 0
    fi
    kill -0 "$NSPAWN" 2>/dev/null || break
    sleep 0.2
  done
  cat "$WORK/nspawn.log" >&2
  die "the container did not boot"
}
shutdown_container() {
  [ -n "${NSPAWN:-}" ] || return 0
  if kill -0 "$NSPAWN" 2>/dev/null; then
    [ -n "${LEADER:-}" ] && nsenter -t "$LEADER" -a systemctl poweroff >/dev/null 2>&1
    local deadline=$((SECONDS + 30))
    while kill -0 "$NSPAWN" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    kill -0 "$NSPAWN" 2>/dev/null && kill -KILL "$NSPAWN"
  fi
  wait "$NSPAWN" 2>/dev/null
  NSPAWN=""
}
trap 'shutdown_container; rm -rf "$WORK"' EXIT
boot
say "at $((SECONDS - STARTED)) s: the container is up"

# Runs a command in the container, as root, with a clean environment.
in_ct() { nsenter -t "$LEADER" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
# HTTP over the socket as the user `web` (a member of www-data, like a web server).
SOCKET=/run/duwtje/duwtje.sock
api() { in_ct runuser -u web -- curl -sS --max-time 5 --unix-socket "$SOCKET" "$@"; }
# One field of the JSON on standard input, by a Python expression over `d`.
field() { python3 -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "ok     $1"; }
failed() { FAILED=$((FAILED + 1)); echo "FAILED $1"; shift; [ $# -gt 0 ] && printf '       %s\n' "$@"; }
# expect DESCRIPTION EXPECTED ACTUAL
expect() { if [ "$2" = "$3" ]; then pass "$1"; else failed "$1" "expected: $2" "actual:   $3"; fi; }
# eventually SECONDS DESCRIPTION COMMAND...: polls until the command succeeds or the time is up.
eventually() {
  local deadline=$((SECONDS + $1)) description=$2; shift 2
  while ! "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then failed "$description" "still not true after the deadline: $*"; return 1; fi
    sleep 0.1
  done
  pass "$description"
}
status_field() { api http://localhost/v1/status | field "$1"; }
# The nudge served to visitor $1 on the Burgernet page for a neighbourhood resident (cap: 2 per 30 days).
nudge_for() {
  api -X POST -H 'Content-Type: application/json' http://localhost/v1/recommendations \
    -d "{\"journey\":\"burgernet\",\"stage\":\"bewustwording\",\"persona\":\"buurtbewoner\",\"visitor\":\"$1\"}" \
    | field '(d.get("nudge") or {}).get("id")'
}
main_pid() { in_ct systemctl show -P MainPID duwtje; }

say "at $((SECONDS - STARTED)) s: install"
# --- install --------------------------------------------------------------------------------
in_ct useradd --create-home --groups www-data web
in_ct useradd --create-home stranger
if in_ct apt-get -qq update >"$WORK/apt.log" 2>&1 \
  && in_ct apt-get install -y -q /mnt/packages/duwtje.deb >>"$WORK/apt.log" 2>&1; then
  pass "apt install ./$(basename "$DEB")"
else
  failed "apt install ./$(basename "$DEB")" "$(tail -20 "$WORK/apt.log")"
fi
expect "the service is active after install" active "$(in_ct systemctl is-active duwtje)"
expect "the service is enabled" enabled "$(in_ct systemctl is-enabled duwtje)"
expect "systemd-analyze verify prints nothing" "" "$(in_ct systemd-analyze verify duwtje.service 2>&1)"
expect "the daemon runs as duwtje" duwtje "$(in_ct ps -o user= -p "$(main_pid)" | tr -d ' ')"
VERSION=$(dpkg-deb -f "$DEB" Version)
expect "duwtje --version names the version and commit" 1 "$(in_ct duwtje --version | grep -c "^$VERSION (commit [0-9a-f]\{40\}")"

say "at $((SECONDS - STARTED)) s: the socket and the state"
# --- the socket and the state -----------------------------------------------------------------
expect "a member of www-data gets an answer over the socket" ok "$(status_field 'd["status"]')"
expect "/v1/status names the package's version" "$VERSION" "$(status_field 'd["daemon"]["version"]')"
expect "duwtje status (as root, reading /etc/duwtje/duwtje.yaml) answers" 0 "$(in_ct duwtje status >/dev/null; echo $?)"
expect "the socket is duwtje:www-data 0660" "duwtje:www-data 660" "$(in_ct stat -c '%U:%G %a' "$SOCKET")"
expect "a user outside www-data is refused" 7 \
  "$(in_ct runuser -u stranger -- curl -s --unix-socket "$SOCKET" http://localhost/healthz >/dev/null; echo $?)"
expect "/var/lib/duwtje belongs to duwtje, 0700" "duwtje:duwtje 700" "$(in_ct stat -c '%U:%G %a' /var/lib/duwtje)"
expect "the store and its secret are duwtje's, 0600" "duwtje 600
duwtje 600" "$(in_ct stat -c '%U %a' /var/lib/duwtje/duwtje.db /var/lib/duwtje/duwtje.db.secret)"
expect "the example rules are in /etc/duwtje/rules" "$(find Rules -name '*.yaml' | wc -l)" \
  "$(in_ct find /etc/duwtje/rules -name '*.yaml' | wc -l)"

say "at $((SECONDS - STARTED)) s: reload"
# --- reload -----------------------------------------------------------------------------------
OLD_VERSION=$(status_field 'd["ruleset"]["version"]')
in_ct sed -i 's/U kent uw buurt als geen ander./U kent uw buurt als geen ander!/' /etc/duwtje/rules/rules/burgernet.yaml
expect "systemctl reload (good rules) exits 0" 0 "$(in_ct systemctl reload duwtje; echo $?)"
new_version_served() { [ "$(status_field 'd["ruleset"]["version"]')" != "$OLD_VERSION" ] && [ "$(status_field 'd["last_reload"]["result"]')" = ok ]; }
eventually 10 "after a good reload /v1/status shows a new rule-set version" new_version_served
NEW_VERSION=$(status_field 'd["ruleset"]["version"]')
cp_rules() { in_ct cp /etc/duwtje/rules/rules/ov.yaml "$1"; }
cp_rules /root/ov.yaml.good
in_ct sh -c 'printf "  - id: [unterminated\n" >> /etc/duwtje/rules/rules/ov.yaml'
expect "systemctl reload (broken rules) exits 0 (systemd cannot tell)" 0 "$(in_ct systemctl reload duwtje; echo $?)"
reload_failed() { [ "$(status_field 'd["last_reload"]["result"]')" = failed ]; }
eventually 10 "after a broken reload /v1/status reports it failed" reload_failed
expect "after a broken reload the previous version is served" "$NEW_VERSION" "$(status_field 'd["ruleset"]["version"]')"
expect "after a broken reload /v1/status names the broken file" True \
  "$(api http://localhost/v1/status | field 'any("ov.yaml" in e["text"] for e in d["last_reload"]["errors"])')"
expect "after a broken reload the service is still active" active "$(in_ct systemctl is-active duwtje)"
expect "after a broken reload duwtje status shows the error's place" 1 \
  "$(in_ct duwtje status | grep -c '^        /etc/duwtje/rules/rules/ov.yaml:[0-9]*:[0-9]*: error: ')"
in_ct cp /root/ov.yaml.good /etc/duwtje/rules/rules/ov.yaml

say "at $((SECONDS - STARTED)) s: restart keeps caps"
# --- restart keeps caps -----------------------------------------------------------------------
FIRST=$(nudge_for visitor-capped-1)
SECOND=$(nudge_for visitor-capped-1)
THIRD=$(nudge_for visitor-capped-1)
expect "a nudge is capped after two showings (cap 2 per 30d)" "burgernet-buurt burgernet-buurt other" \
  "$FIRST $SECOND $([ "$THIRD" = burgernet-buurt ] && echo "$THIRD" || echo other)"
PID_BEFORE=$(main_pid)
expect "systemctl restart exits 0" 0 "$(in_ct systemctl restart duwtje; echo $?)"
expect "after restart a new process serves" different "$([ "$(main_pid)" != "$PID_BEFORE" ] && echo different || echo same)"
expect "after restart the capped nudge stays capped for the same visitor" other \
  "$(n=$(nudge_for visitor-capped-1); [ "$n" = burgernet-buurt ] && echo "$n" || echo other)"
expect "after restart another visitor still gets the nudge" burgernet-buurt "$(nudge_for visitor-fresh-1)"

say "at $((SECONDS - STARTED)) s: upgrade keeps"
# --- upgrade keeps local edits, state and caps ---------------------------------------------------
# The same package with a higher version, as the next release would be.
UPGRADE_VERSION="$(dpkg-deb -f "$DEB" Version)+upgrade1"
dpkg-deb -R "$DEB" "$WORK/unpacked"
sed -i "s/^Version: .*/Version: $UPGRADE_VERSION/" "$WORK/unpacked/DEBIAN/control"
dpkg-deb --root-owner-group -Znone -b "$WORK/unpacked" "$WORK/duwtje-upgrade.deb" >/dev/null
in_ct sed -i 's/^  level: info /  level: debug/' /etc/duwtje/duwtje.yaml
PID_BEFORE=$(main_pid)
if in_ct apt-get install -y -q /mnt/packages/duwtje-upgrade.deb >"$WORK/apt.log" 2>&1; then
  pass "apt install of a newer version (upgrade)"
else
  failed "apt install of a newer version (upgrade)" "$(tail -20 "$WORK/apt.log")"
fi
expect "the upgrade is installed" "$UPGRADE_VERSION" "$(in_ct dpkg-query -W -f '${Version}' duwtje)"
expect "the upgrade keeps the local edit of duwtje.yaml" 1 "$(in_ct grep -c '^  level: debug' /etc/duwtje/duwtje.yaml)"
expect "the upgrade keeps the edited rules" 1 "$(in_ct grep -c 'als geen ander!' /etc/duwtje/rules/rules/burgernet.yaml)"
expect "the upgrade restarts the service" "active different" \
  "$(in_ct systemctl is-active duwtje) $([ "$(main_pid)" != "$PID_BEFORE" ] && echo different || echo same)"
expect "after the upgrade the capped nudge stays capped" other \
  "$(n=$(nudge_for visitor-capped-1); [ "$n" = burgernet-buurt ] && echo "$n" || echo other)"

say "at $((SECONDS - STARTED)) s: diagnostics listener"
# --- the diagnostics listener: what the configuration and the unit's comment say to do works ----
in_ct sed -i 's/^  listen: null/  listen: "127.0.0.1:9464"/' /etc/duwtje/duwtje.yaml
in_ct systemctl restart duwtje
diagnostics_refused() { in_ct journalctl -u duwtje --no-pager -o cat | grep -q 'cannot listen on 127.0.0.1:9464 (diagnostics.listen): .*RestrictAddressFamilies'; }
eventually 15 "diagnostics.listen under the shipped unit fails with a line naming RestrictAddressFamilies" diagnostics_refused
in_ct mkdir -p /etc/systemd/system/duwtje.service.d
in_ct sh -c 'printf "[Service]\nRestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\n" > /etc/systemd/system/duwtje.service.d/diagnostics.conf'
in_ct systemctl daemon-reload
in_ct systemctl reset-failed duwtje
expect "with the drop-in, systemctl restart exits 0" 0 "$(in_ct systemctl restart duwtje; echo $?)"
expect "Prometheus can scrape /metrics over TCP" 200 "$(in_ct curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9464/metrics)"
expect "the diagnostics listener does not serve the API" 404 "$(in_ct curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9464/v1/status)"
in_ct rm -r /etc/systemd/system/duwtje.service.d
in_ct sed -i 's/^  listen: "127.0.0.1:9464"/  listen: null/' /etc/duwtje/duwtje.yaml
in_ct systemctl daemon-reload
in_ct systemctl restart duwtje

say "at $((SECONDS - STARTED)) s: stop, journal"
# --- stop, journal ------------------------------------------------------------------------------
expect "systemctl stop exits 0" 0 "$(in_ct systemctl stop duwtje; echo $?)"
expect "the daemon exited 0 (Result=success)" "success 0" \
  "$(in_ct systemctl show -P Result duwtje) $(in_ct systemctl show -P ExecMainStatus duwtje)"
expect "after stop the socket is gone" absent "$(in_ct test -e "$SOCKET" && echo present || echo absent)"
JOURNAL=$(in_ct journalctl -u duwtje --no-pager -o cat)
for line in "listening" "reload" "stopped"; do
  expect "journalctl -u duwtje has the daemon's '$line' lines" yes "$(grep -q "$line" <<<"$JOURNAL" && echo yes || echo no)"
done

say "at $((SECONDS - STARTED)) s: remove keeps"
# --- remove keeps the state, purge deletes it ------------------------------------------------------
in_ct apt-get remove -y -q duwtje >"$WORK/apt.log" 2>&1
expect "apt remove keeps /var/lib/duwtje and /etc/duwtje" "yes yes" \
  "$(in_ct test -f /var/lib/duwtje/duwtje.db && echo yes || echo no) $(in_ct test -f /etc/duwtje/duwtje.yaml && echo yes || echo no)"
in_ct apt-get purge -y -q duwtje >"$WORK/apt.log" 2>&1
expect "apt purge deletes /var/lib/duwtje and /etc/duwtje" "no no" \
  "$(in_ct test -e /var/lib/duwtje && echo yes || echo no) $(in_ct test -e /etc/duwtje && echo yes || echo no)"

shutdown_container
echo "$PASSED passed, $FAILED failed ($((SECONDS - STARTED)) s)"
[ "$FAILED" -eq 0 ]
