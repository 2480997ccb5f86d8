#!/usr/bin/env python3
"""Measures recommendation throughput alone, then with event ingestion beside it.

Usage: scripts/bench-events.py SOCKET [SECONDS] [EVENT_CLIENTS]
Talks to a running daemon serving Rules/ (the shipped rules). Each client is a process with one
keep-alive HTTP/1.1 connection over the Unix socket. Bounded in time; local socket only.
"""
import http.client, json, multiprocessing as mp, socket, sys, time

SOCKET = sys.argv[1]
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
EVENT_CLIENTS = int(sys.argv[3]) if len(sys.argv) > 3 else 2
RECOMMEND = json.dumps({"journey": "burgerzaken", "stage": "besluitvorming", "persona": "drukke-ouder",
                        "visitor": "bench", "context": {"process": "paspoort", "channel": "web", "page": "/paspoort", "visits": 3}})

class Conn(http.client.HTTPConnection):
    def __init__(self):
        super().__init__("localhost", timeout=10)
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(SOCKET)

def post(conn, path, body):
    conn.request("POST", path, body, {"Content-Type": "application/json"})
    r = conn.getresponse(); r.read(); return r.status

def worker(path, body, expect, seconds, out):
    conn = Conn(); n = 0; bad = 0; end = time.time() + seconds
    while time.time() < end:
        if post(conn, path, body) == expect: n += 1
        else: bad += 1
    out.put((path, n, bad))

def run(rec_clients, ev_clients, batch_body, seconds):
    out = mp.Queue(); procs = []
    for _ in range(rec_clients): procs.append(mp.Process(target=worker, args=("/v1/recommendations", RECOMMEND, 200, seconds, out)))
    for _ in range(ev_clients): procs.append(mp.Process(target=worker, args=("/v1/events", batch_body, 202, seconds, out)))
    for p in procs: p.start()
    results = [out.get() for _ in procs]
    for p in procs: p.join()
    rec = sum(n for path, n, _ in results if path == "/v1/recommendations")
    ev = sum(n for path, n, _ in results if path == "/v1/events")
    bad = sum(b for _, _, b in results)
    return rec / seconds, ev / seconds, bad

if __name__ == "__main__":
    # Discover the ids of one recommendation answer, and send feedback about them.
    conn = Conn(); conn.request("POST", "/v1/recommendations", RECOMMEND, {"Content-Type": "application/json"})
    answer = json.loads(conn.getresponse().read())
    item = answer["recommendations"][0]
    event = {"type": "impression", "journey": answer["journey"], "stage": answer["stage"], "persona": "drukke-ouder",
             "rule": item["rule"], "content": item["content"]}
    if item.get("variant"): event["variant"] = item["variant"]
    batch = 100
    body = json.dumps({"events": [event] * batch})
    base_rec, _, bad0 = run(2, 0, body, SECONDS)
    print(f"recommendations alone (2 clients): {base_rec:.0f}/s")
    rec, ev, bad1 = run(2, EVENT_CLIENTS, body, SECONDS)
    print(f"with ingestion (2 rec clients + {EVENT_CLIENTS} event clients, batches of {batch}): recommendations {rec:.0f}/s, "
          f"events {ev * batch:.0f}/s ({ev:.0f} batches/s)")
    print(f"recommendation throughput change: {100 * (rec - base_rec) / base_rec:+.1f}%; errors {bad0 + bad1}")
