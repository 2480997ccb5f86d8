#!/usr/bin/env python3
"""Store throughput through a running daemon: recommendations without a visitor (no cap admission),
recommendations each with a new visitor and a capped nudge (one cap admission each), and events.

Usage: scripts/bench-store.py SOCKET [SECONDS] [CLIENTS] [ROUNDS]
Each kind is measured ROUNDS times (default 3) for SECONDS each; the rate printed is the median round,
the latencies are percentiles over all rounds.
The daemon must serve scripts/bench-store.sh's rule set (rule r1 in journey bz, nudge n1 capped).
Each client is a process with one keep-alive HTTP/1.1 connection over the Unix socket.
"""
import http.client, json, multiprocessing as mp, socket, statistics, sys, time, uuid

SOCKET = sys.argv[1]
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
CLIENTS = int(sys.argv[3]) if len(sys.argv) > 3 else 4
ROUNDS = int(sys.argv[4]) if len(sys.argv) > 4 else 3
BATCH = 100
EVENT = {"type": "impression", "journey": "bz", "stage": "bewustwording", "persona": "ouder", "rule": "r1", "content": "c1"}


def unix_connection():
    """One keep-alive HTTP/1.1 connection over the daemon's socket (http.client on a socket made here)."""
    connection = http.client.HTTPConnection("localhost", timeout=30)
    connection.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.sock.settimeout(30)
    connection.sock.connect(SOCKET)
    return connection


def body(kind, index, prefix):
    if kind == "events":
        return json.dumps({"events": [EVENT] * BATCH})
    question = {"journey": "bz", "persona": "ouder", "context": {"process": "paspoort"}}
    if kind == "admissions":
        question["visitor"] = f"{prefix}-{index}"
    return json.dumps(question)


def client(kind, seconds, out):
    connection = unix_connection()
    prefix = uuid.uuid4().hex[:8]
    path, expect = ("/v1/events", 202) if kind == "events" else ("/v1/recommendations", 200)
    done = failed = nudged = 0
    latencies = []
    end = time.time() + seconds
    while time.time() < end:
        started = time.perf_counter()
        connection.request("POST", path, body(kind, done + failed, prefix), {"Content-Type": "application/json"})
        response = connection.getresponse()
        payload = response.read()
        latencies.append(time.perf_counter() - started)
        if response.status == expect:
            done += 1
            if kind == "admissions" and b'"n1"' in payload:
                nudged += 1
        else:
            failed += 1
    out.put((done, failed, nudged, latencies))


def measure(kind, clients, seconds):
    out = mp.Queue()
    processes = [mp.Process(target=client, args=(kind, seconds, out)) for _ in range(clients)]
    for process in processes:
        process.start()
    results = [out.get() for _ in processes]
    for process in processes:
        process.join()
    done = sum(r[0] for r in results)
    failed = sum(r[1] for r in results)
    nudged = sum(r[2] for r in results)
    latencies = [l for r in results for l in r[3]]
    return done / seconds, failed, nudged, latencies


if __name__ == "__main__":
    for kind in ["recommendations", "admissions", "events"]:
        rounds = [measure(kind, CLIENTS, SECONDS) for _ in range(ROUNDS)]
        rate = statistics.median(r[0] for r in rounds)
        failed = sum(r[1] for r in rounds)
        nudged = sum(r[2] for r in rounds)
        latencies = sorted(l for r in rounds for l in r[3])
        p50 = statistics.median(latencies) * 1000 if latencies else 0
        p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else 0
        scale = BATCH if kind == "events" else 1
        spread = "rounds " + "/".join(f"{r[0] * scale:.0f}" for r in rounds)
        unit = f"{rate * BATCH:.0f} events/s ({rate:.0f} batches/s of {BATCH})" if kind == "events" else f"{rate:.0f} requests/s"
        extra = f", {nudged} nudges admitted" if kind == "admissions" else ""
        print(f"{kind:16} {unit} (median of {ROUNDS}; {spread}), p50 {p50:.2f} ms, p99 {p99:.2f} ms, {failed} failed{extra}", flush=True)
