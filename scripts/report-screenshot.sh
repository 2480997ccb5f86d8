#!/bin/sh
# Renders the campaign report (duwtje report --html) for the reference data set of
# scripts/report-reference.py — three experiments, one a deliberately broken split — and takes a
# screenshot with headless Chromium, to check how a marketeer reads the verdicts.
#
#   scripts/report-screenshot.sh [OUT_PNG]      (default docs/report.png)
#
# The experiments are added to a copy of Rules/ (their weights drive the split check); the counts go
# into a fresh store file with the event store's schema, spread over four weeks.
set -eu
cd "$(dirname "$0")/.."
out=${1:-docs/report.png}
command -v chromium >/dev/null || { echo "chromium not found: apt-get install -y chromium" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r Rules "$work/rules"
python3 - "$work" <<'PY'
import importlib.util, sqlite3, sys
work = sys.argv[1]
spec = importlib.util.spec_from_file_location("reference", "scripts/report-reference.py")
reference = importlib.util.module_from_spec(spec)
spec.loader.exec_module(reference)
# Rules/ has a paspoort-besluit-ouders with other variants and weights: the demo's is renamed.
name = lambda rule: {"paspoort-besluit-ouders": "paspoort-experiment"}.get(rule, rule)
rules = ["rules:"]
for experiment in reference.EXPERIMENTS:
    rules += [f"  - id: {name(experiment['rule'])}", "    journey: burgerzaken", "    when: { context: { process: rijbewijs } }",
              "    recommend: [{ content: rijbewijs-uitleg }]", "    why: U ziet dit omdat u uw rijbewijs wilt verlengen.",
              f"    nudge: {{ id: {name(experiment['rule'])}-n, message: Verleng online., alternative: Bel 14 020., cap: {{ max: 1, per: 7d }} }}",
              "    variants:"]
    rules += [f"      {v['variant']}: {{ weight: {v['weight']}" + (", nudge: null }" if v['variant'] == "controle" else " }")
              for v in experiment["variants"]]
open(f"{work}/rules/rules/demo-experimenten.yaml", "w").write("\n".join(rules) + "\n")
db = sqlite3.connect(f"{work}/duwtje.db")
db.executescript("""
CREATE TABLE event_counts (day TEXT NOT NULL, journey TEXT NOT NULL, rule TEXT NOT NULL, variant TEXT NOT NULL,
  stage TEXT NOT NULL, persona TEXT NOT NULL, item_kind TEXT NOT NULL, item TEXT NOT NULL, type TEXT NOT NULL,
  count INTEGER NOT NULL, PRIMARY KEY (day, journey, rule, variant, stage, persona, item_kind, item, type)) WITHOUT ROWID;
PRAGMA user_version = 1;
""")
days = [f"2026-11-{d:02d}" for d in (1, 8, 15, 22)]
for experiment in reference.EXPERIMENTS:
    for variant in experiment["variants"]:
        for kind in ("impression", "click", "conversion"):
            total = variant[kind]
            for index, day in enumerate(days):
                share = total // 4 + (1 if index < total % 4 else 0)
                db.execute("INSERT INTO event_counts VALUES (?,?,?,?,?,?,?,?,?,?)",
                           (day, "burgerzaken", name(experiment["rule"]), variant["variant"], "besluitvorming", "", "nudge", "n", kind, share))
db.commit()
PY
printf 'rules: rules\nstore: { path: duwtje.db }\n' > "$work/duwtje.yaml"
swift run -q duwtje report --config "$work/duwtje.yaml" --html "$work/report.html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --window-size=1150,2450 --screenshot="$out" "file://$work/report.html" 2>/dev/null
echo "wrote $out"
