#!/usr/bin/env python3
"""Where one request's instructions go: the difference between two callgrind profiles of the same
build that answered different numbers of requests (server-instructions.sh with KEEP_PROFILES), per
function, inclusive and self, divided by the difference in requests.

    Benchmarks/Scripts/callgrind-per-request.py SMALL.callgrind LARGE.callgrind [REQUESTS] [TOP]

REQUESTS is the difference in requests (default 5000), TOP how many functions to list (default 60).
Start-up and shutdown, the same in both runs, cancel out."""
import re
import subprocess
import sys


def per_function(path, inclusive):
    args = ["callgrind_annotate", "--threshold=100", f"--inclusive={'yes' if inclusive else 'no'}", path]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    costs = {}
    for line in out.splitlines():
        match = re.match(r"^\s*([\d,]+) \([\s\d.]+%\)\s+(.*?)(?: \[[^]]*\])?$", line)
        if match and "PROGRAM TOTALS" not in line:
            costs[match.group(2)] = costs.get(match.group(2), 0) + int(match.group(1).replace(",", ""))
    return costs


def demangled(name):
    name = name.removeprefix("???:")
    if name.startswith("$s"):
        try:
            return subprocess.run(["swift", "demangle", "--simplified", "--compact", name], capture_output=True,
                                  text=True).stdout.strip() or name
        except OSError:
            return name
    return name


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip())
        sys.exit(2)
    small, large = sys.argv[1], sys.argv[2]
    requests = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 60
    for inclusive in (True, False):
        a, b = per_function(small, inclusive), per_function(large, inclusive)
        rows = sorted(((b.get(k, 0) - a.get(k, 0)) / requests, k) for k in b)
        rows.reverse()
        print(f"== {'inclusive' if inclusive else 'self'}, instructions per request")
        for cost, name in rows[:top]:
            if cost < 20:
                break
            print(f"{cost:9.0f}  {demangled(name)[:170]}")


main()
