#!/bin/sh
# Renders the public page "Waarom zie ik dit?" of a rule set and takes screenshots of it with headless
# Chromium (Debian's `chromium` package), to check how a citizen sees it.
#
#   scripts/register-screenshot.sh [RULES_DIR]
#
# Writes docs/register.png (the top: what it is and the first nudges) and docs/register-data.png (the
# end: the data used, opting out, questions), at --now 2026-11-29T12:00:00+01:00 so they are reproducible.
set -eu
cd "$(dirname "$0")/.."
rules=${1:-Rules}
command -v chromium >/dev/null || { echo "chromium not found: apt-get install -y chromium" >&2; exit 1; }
html=$(mktemp --suffix=.html)
full=$(mktemp --suffix=.png)
trap 'rm -f "$html" "$full"' EXIT
swift run -q duwtje register "$rules" --now 2026-11-29T12:00:00+01:00 --html "$html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --window-size=900,2400 --screenshot=docs/register.png "file://$html" 2>/dev/null
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --window-size=900,14000 --screenshot="$full" "file://$html" 2>/dev/null
# The end of the page: crop the last 1,900 pixels above the background (needs Pillow).
python3 - "$full" docs/register-data.png <<'PY'
import sys
from PIL import Image
image = Image.open(sys.argv[1]).convert("RGB")
width, height = image.size
background = image.getpixel((5, height - 5))
last = next(y for y in range(height - 1, 0, -4) if any(image.getpixel((x, y)) != background for x in range(0, width, 20)))
image.crop((0, max(0, last - 1900), width, min(height, last + 30))).save(sys.argv[2])
PY
echo "wrote docs/register.png docs/register-data.png"
