#!/usr/bin/env python3
"""Memory under caps: N distinct visitors through a capped nudge, resident memory measured.

Usage: scripts/cap-memory.py [--binary .build/release/duwtje] [--visitors 2000000] [--max-visitors 1000000]
                             [--clients 4] [--pipeline 1]

Starts the daemon (a release build: `swift build -c release --product duwtje`) on the shipped Rules/
with `caps.max_visitors` as given and the event store in a temporary directory; every request is
answered with a nudge capped 3 per 7 days (but for the rule's 10% holdout). Each of `--clients`
processes holds one keep-alive connection over the Unix socket and sends `--pipeline` requests at a
time (1 by default: pipelined requests were answered about 16 ms apart here, far slower than one at a
time; a question for the HTTP path), every request with a new visitor id, until
`--visitors` visitors have been served. Resident memory is read from /proc/PID/status (VmRSS, and
VmHWM, the peak) at the start and after each tenth; at the end the script checks caps.max_visitors'
promise (docs/api.md, Decision: memory under caps.max_visitors) and exits 1 when it is broken.
A measurement, not a test: it prints figures; run it on a quiet machine for figures worth comparing.
"""
import argparse, json, multiprocessing as mp, os, shutil, signal, socket, subprocess, sys, tempfile, time

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# A request the shipped rules answer with a nudge capped 3 per 7 days (paspoort-online-afspraak; the
# 10% of visitors in its holdout variant get none and never reach the caps).
QUESTION = {"journey": "burgerzaken", "stage": "besluitvorming", "persona": "drukke-ouder",
            "context": {"process": "paspoort", "channel": "web", "page": "/paspoort", "visits": 3}}

# The promise in docs/api.md: resident memory at most the daemon's start-up footprint plus this many
# bytes per remembered visitor (caps.max_visitors of them at most), whatever the number of visitors.
PROMISED_BYTES_PER_VISITOR = 1024


def memory(pid):
    """VmRSS and VmHWM of pid, in MiB."""
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def request(visitor):
    body = json.dumps(dict(QUESTION, visitor=visitor))
    return (f"POST /v1/recommendations HTTP/1.1\r\nHost: d\r\nContent-Length: {len(body)}\r\n\r\n{body}").encode()


def read_answers(sock, buffer, count):
    """Reads `count` HTTP answers from sock; returns (statuses, nudged, rest of the buffer)."""
    statuses, nudged = [], 0
    while len(statuses) < count:
        end = buffer.find(b"\r\n\r\n")
        if end >= 0:
            head = buffer[:end].decode("latin-1").split("\r\n")
            length = next(int(line.split(":", 1)[1]) for line in head if line.lower().startswith("content-length:"))
            if len(buffer) >= end + 4 + length:
                body = buffer[end + 4:end + 4 + length]
                statuses.append(int(head[0].split()[1]))
                nudged += b'"nudge":{' in body
                buffer = buffer[end + 4 + length:]
                continue
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise RuntimeError("the daemon closed the connection")
        buffer += chunk
    return statuses, nudged, buffer


def client(socket_path, first, last, pipeline, done):
    """Serves visitors first..<last, `pipeline` requests in flight; counts into `done` (a shared
    array: answered, not 200, nudged)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(socket_path)
    buffer = b""
    for start in range(first, last, pipeline):
        stop = min(start + pipeline, last)
        sock.sendall(b"".join(request(f"visitor-{index}") for index in range(start, stop)))
        statuses, nudged, buffer = read_answers(sock, buffer, stop - start)
        with done.get_lock():
            done[0] += stop - start
            done[1] += sum(status != 200 for status in statuses)
            done[2] += nudged
    sock.close()


def run_client(args):
    return client(*args)


def metric(socket_path, name):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(socket_path)
    sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
    data = b""
    while chunk := sock.recv(1 << 16):
        data += chunk
    for line in data.decode().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == name:
            return float(parts[1])
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=".build/release/duwtje")
    parser.add_argument("--visitors", type=int, default=2_000_000)
    parser.add_argument("--max-visitors", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--pipeline", type=int, default=1)
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"cap-memory: {args.binary} is not an executable; build it: swift build -c release --product duwtje")

    directory = tempfile.mkdtemp(prefix="dw-capmem-", dir="/tmp")
    socket_path = f"{directory}/d.sock"
    with open(f"{directory}/duwtje.yaml", "w") as file:
        file.write(f"rules: {REPOSITORY}/Rules\nsocket: {{ path: d.sock }}\ncaps: {{ max_visitors: {args.max_visitors} }}\n"
                   f"store: {{ path: var/duwtje.db }}\nlog: {{ level: warning }}\n")
    daemon = subprocess.Popen([args.binary, "serve", "--config", f"{directory}/duwtje.yaml"])
    try:
        deadline = time.time() + 60
        while not os.path.exists(socket_path):
            if daemon.poll() is not None or time.time() > deadline:
                sys.exit("cap-memory: the daemon did not start")
            time.sleep(0.05)
        # Warm up: the first answers allocate what every later one reuses (not counted as visitors).
        client(socket_path, 0, 1000, 100, mp.Array("q", 3))
        base_rss, base_hwm = memory(daemon.pid)
        print(f"binary {args.binary}; caps.max_visitors {args.max_visitors:,}; {args.visitors:,} visitors; "
              f"{args.clients} clients x {args.pipeline} pipelined")
        print(f"{'visitors':>10} {'seconds':>8} {'VmRSS MiB':>10} {'VmHWM MiB':>10}")
        print(f"{0:>10,} {0:>8.1f} {base_rss:>10.1f} {base_hwm:>10.1f}")

        done = mp.Array("q", 3)
        share = args.visitors // args.clients
        ranges = [(socket_path, 1000 + i * share, 1000 + (i + 1) * share if i < args.clients - 1 else 1000 + args.visitors,
                   args.pipeline, done) for i in range(args.clients)]
        processes = [mp.Process(target=run_client, args=(work,)) for work in ranges]
        started = time.time()
        for process in processes:
            process.start()
        step, next_report = args.visitors // 10, args.visitors // 10
        while any(process.is_alive() for process in processes):
            time.sleep(0.2)
            if done[0] >= next_report:
                rss, hwm = memory(daemon.pid)
                print(f"{done[0]:>10,} {time.time() - started:>8.1f} {rss:>10.1f} {hwm:>10.1f}", flush=True)
                next_report += step
        for process in processes:
            process.join()
            if process.exitcode != 0:
                sys.exit("cap-memory: a client failed")
        elapsed = time.time() - started
        rss, hwm = memory(daemon.pid)
        remembered = metric(socket_path, "duwtje_cap_visitors_remembered")
        evicted = metric(socket_path, "duwtje_cap_visitors_evicted_total")
        size = sum(os.path.getsize(f"{directory}/var/duwtje.db{suffix}") for suffix in ("", "-wal", "-shm")
                   if os.path.exists(f"{directory}/var/duwtje.db{suffix}"))
        print(f"{done[0]:,} visitors in {elapsed:.0f} s ({done[0] / elapsed:,.0f}/s), {done[1]} not answered 200, "
              f"{done[2]:,} nudged; remembered {remembered:,.0f}, evicted {evicted:,.0f}; store {size / 2**20:.0f} MiB")
        per_visitor = (hwm - base_hwm) * 2**20 / max(1, min(args.visitors, args.max_visitors))
        limit = base_hwm + PROMISED_BYTES_PER_VISITOR * min(args.visitors, args.max_visitors) / 2**20
        print(f"peak {hwm:.1f} MiB = start {base_hwm:.1f} MiB + {per_visitor:.0f} bytes per remembered visitor; "
              f"promised at most {limit:.1f} MiB ({PROMISED_BYTES_PER_VISITOR} bytes per visitor)")
        if done[1] or hwm > limit:
            print("cap-memory: the promise of caps.max_visitors is broken")
            return 1
        return 0
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=60)
        except subprocess.TimeoutExpired:
            daemon.kill()
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
