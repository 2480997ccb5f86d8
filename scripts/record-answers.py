#!/usr/bin/env python3
"""Records the daemon's answers to a fixed, seeded set of requests over every journey of a rule set.

Usage: scripts/record-answers.py DUWTJE_BINARY RULES_DIR OUT_FILE [--count N] [--seed S]

Starts the given binary on a fresh socket and store in a temporary directory, sends N requests
(recommendations with and without visitors, repeated visitors so that caps bite, explanations,
unknown ids so that warnings appear, and nudge listings), and writes one line per request:
the request, the status and the body, byte for byte. Two runs (two binaries, or one binary twice)
are compared with `cmp`: identical files mean identical answers.
"""
import http.client, json, os, random, signal, socket, subprocess, sys, tempfile, time

import yaml  # PyYAML: the recorder reads the vocabulary and rules only to choose requests


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.unix_path)


def scalars(node, out):
    if isinstance(node, dict):
        for value in node.values():
            scalars(value, out)
    elif isinstance(node, list):
        for value in node:
            scalars(value, out)
    elif isinstance(node, (str, int, float)) and not isinstance(node, bool):
        out.add(node)


def context_values(rules_dir, vocabulary):
    """Every value a rule or stage signal tests, per context key, plus the vocabulary's values."""
    values = {key: set(spec.get("values", []) or []) for key, spec in (vocabulary.get("context") or {}).items()}
    def visit(node):
        if isinstance(node, dict):
            context = node.get("context")
            if isinstance(context, dict):
                for key, test in context.items():
                    if isinstance(test, dict) and ({"description", "values", "type"} & set(test)):
                        continue  # the vocabulary's definition of the key, not a condition on it
                    found = set()
                    scalars(test, found)
                    values.setdefault(key, set()).update(v for v in found if not isinstance(v, bool))
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)
    for root, _, files in os.walk(rules_dir):
        for name in files:
            if name.endswith((".yaml", ".yml")) and not name.endswith(("_test.yaml", "_test.yml")):
                with open(os.path.join(root, name)) as handle:
                    visit(yaml.safe_load(handle))
    return {key: sorted(v, key=str) for key, v in values.items()}


def main():
    args = sys.argv[1:]
    count, seed = 1500, 20261129
    if "--count" in args:
        i = args.index("--count"); count = int(args[i + 1]); del args[i:i + 2]
    if "--seed" in args:
        i = args.index("--seed"); seed = int(args[i + 1]); del args[i:i + 2]
    binary, rules_dir, out_file = args
    print(f"record-answers: seed {seed}, {count} requests", file=sys.stderr)
    rng = random.Random(seed)
    with open(os.path.join(rules_dir, "vocabulary.yaml")) as handle:
        vocabulary = yaml.safe_load(handle)
    journeys = {jid: [s["id"] for s in spec["stages"]] for jid, spec in vocabulary["journeys"].items()}
    personas = sorted(vocabulary.get("personas", {}).keys())
    values = context_values(rules_dir, vocabulary)

    work = tempfile.mkdtemp(prefix="duwtje-record-")
    sock = os.path.join(work, "d.sock")
    config = os.path.join(work, "duwtje.yaml")
    with open(config, "w") as handle:
        handle.write(f"rules: {os.path.abspath(rules_dir)}\nsocket:\n  path: {sock}\n"
                     f"store:\n  path: {work}/var/duwtje.db\nlog:\n  level: error\n")
    daemon = subprocess.Popen([binary, "serve", "--config", config], stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                connection = UnixHTTPConnection(sock)
                connection.request("GET", "/readyz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if daemon.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"record-answers: the daemon did not become ready (exit {daemon.poll()})")
            time.sleep(0.05)  # polling for readiness with a deadline, not synchronisation by sleep

        visitors = [f"bezoeker-{i}" for i in range(40)]
        lines = []
        for n in range(count):
            journey = rng.choice(sorted(journeys))
            body = {"journey": journey, "now": rng.choice(["2026-11-20T10:00:00Z", "2026-12-24T18:30:00+01:00", "2027-03-01T08:00:00Z"])}
            roll = rng.random()
            if roll < 0.6:
                body["stage"] = rng.choice(journeys[journey])
            elif roll < 0.65:
                body["stage"] = "onbekende-fase"
            if rng.random() < 0.7:
                body["persona"] = rng.choice(personas) if rng.random() < 0.95 else "onbekende-persona"
            context = {}
            for key in rng.sample(sorted(values), k=min(len(values), rng.randint(0, 4))):
                pool = values[key]
                if pool and rng.random() < 0.9:
                    context[key] = rng.choice(pool)
                elif key in ("visits", "dagen-tot-reis"):
                    context[key] = rng.randint(0, 60)
                else:
                    context[key] = "iets-onbekends"
            if rng.random() < 0.05:
                context["onbekende-sleutel"] = "x"
            if context:
                body["context"] = context
            endpoint = "/v1/nudges" if rng.random() < 0.1 else "/v1/recommendations"
            if endpoint == "/v1/recommendations":
                if rng.random() < 0.7:
                    body["visitor"] = rng.choice(visitors)
                if rng.random() < 0.3:
                    body["limit"] = rng.randint(1, 8)
            if rng.random() < 0.25:
                body["explain"] = True
            payload = json.dumps(body, sort_keys=True)
            connection = UnixHTTPConnection(sock)
            connection.request("POST", endpoint, body=payload, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            answer = response.read().decode()
            lines.append(f"{endpoint} {payload}\n{response.status} {answer}\n")
        with open(out_file, "w") as handle:
            handle.writelines(lines)
        print(f"record-answers: wrote {len(lines)} answers to {out_file}", file=sys.stderr)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=60)


if __name__ == "__main__":
    main()
