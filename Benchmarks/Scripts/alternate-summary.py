#!/usr/bin/env python3
"""Summarises an alternate.sh output: per build, the median over its turns of the 100,000 ÷ 100-rule
ratio (single and batch, as `eval` prints them) and of the medians at 100, 10,000 and 100,000 rules;
then, against BASE_NAME (default: the first build in the file), each other build's quotient turn by turn
(its turn's ratio ÷ the base's in the same round): geometric mean ± standard error and how many rounds
it was lower in.

    python3 Benchmarks/Scripts/alternate-summary.py OUT [BASE_NAME]
"""
import math
import re
import statistics
import sys


def parse(path):
    turns = {}
    current = None
    for line in open(path, encoding="utf-8"):
        match = re.match(r"=== (\S+) round (\d+)", line)
        if match:
            current = {}
            turns.setdefault(match.group(1), {})[int(match.group(2))] = current
            continue
        match = re.match(r"\|\s+(\d+) \|", line)
        if match and current is not None:
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            current[int(cells[0])] = (float(cells[6]), float(cells[9]))
        match = re.search(r"single ([\d.]+)×, batch ([\d.]+)×", line)
        if match and current is not None:
            current["ratio"] = (float(match.group(1)), float(match.group(2)))
    return turns


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip())
        sys.exit(2)
    turns = parse(sys.argv[1])
    if not turns:
        sys.exit(f"alternate-summary: no turns in {sys.argv[1]}")
    for name, rounds in turns.items():
        done = [turn for turn in rounds.values() if "ratio" in turn]
        median = lambda key, index: statistics.median(turn[key][index] for turn in done)
        print(f"{name}: {len(done)} turns; ratio single {median('ratio', 0):.3f}, batch {median('ratio', 1):.3f}; "
              f"medians µs 100 {median(100, 0):.3f}, 10,000 {median(10000, 0):.3f}, 100,000 {median(100000, 0):.3f}")
    base = sys.argv[2] if len(sys.argv) > 2 else next(iter(turns))
    for name, rounds in turns.items():
        if name == base:
            continue
        logs = [math.log(turn["ratio"][0] / turns[base][r]["ratio"][0]) for r, turn in rounds.items()
                if "ratio" in turn and "ratio" in turns[base].get(r, {})]
        if len(logs) < 2:
            continue
        mean = sum(logs) / len(logs)
        error = statistics.stdev(logs) / math.sqrt(len(logs))
        print(f"{name} ÷ {base}, ratio turn by turn: {math.exp(mean):.3f} ± {math.exp(mean) * error:.3f} "
              f"(lower in {sum(x < 0 for x in logs)} of {len(logs)})")


main()
