#!/bin/sh
# Renders the GAP matrix of a rule set as HTML and takes a screenshot of it with headless Chromium
# (Debian's `chromium` package), to check how a marketeer sees it: layout, colours, gap markers.
#
#   scripts/matrix-screenshot.sh [RULES_DIR] [OUT_PNG] [duwtje matrix options…]
#
# Defaults: Rules/ and docs/matrix.png, with `--journey burgerzaken --context process=paspoort
# --now 2026-11-22T10:00:00+01:00` so the committed picture is reproducible.
set -eu
cd "$(dirname "$0")/.."
rules=${1:-Rules}
out=${2:-docs/matrix.png}
[ $# -gt 2 ] && shift 2 || set -- --journey burgerzaken --context process=paspoort --now 2026-11-22T10:00:00+01:00
command -v chromium >/dev/null || { echo "chromium not found: apt-get install -y chromium" >&2; exit 1; }
html=$(mktemp --suffix=.html)
trap 'rm -f "$html"' EXIT
swift run -q duwtje matrix "$rules" "$@" --html "$html" >/dev/null
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --window-size=1400,2200 --screenshot="$out" "file://$html" 2>/dev/null
echo "wrote $out"
