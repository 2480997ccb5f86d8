#!/usr/bin/env python3
"""Resident memory of `duwtje serve` on a rule set (issue 15): after start, during and after reloads.

Usage: Benchmarks/Scripts/memory.py DUWTJE_BINARY RULES_DIR [--reloads N]

Starts the daemon on a fresh socket and store in a temporary directory, waits for /readyz, and reads
VmRSS and VmHWM from /proc/PID/status. Then N times (default 10): sends SIGHUP and, until
/v1/status counts the reload, samples VmRSS every few milliseconds (the peak during the reload);
afterwards reads VmRSS once more. Prints one line per step and a RESULT line for scripts.
Goals: steady VmRSS <= 64 MiB after start and after the reloads; peak during a reload <= 2x steady.
"""
import importlib.util, json, os, signal, subprocess, sys, tempfile, time

# The Unix-socket HTTP connection of the answer recorder, not a second copy of it.
_spec = importlib.util.spec_from_file_location(
    "record_answers", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "record-answers.py"))
_recorder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_recorder)
UnixHTTPConnection = _recorder.UnixHTTPConnection


def get(sock, path):
    connection = UnixHTTPConnection(sock)
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read()


def memory(pid):
    values = {}
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(("VmRSS:", "VmHWM:")):
                name, amount, _ = line.split()
                values[name[:-1]] = int(amount) / 1024  # MiB
    return values


def main():
    args = sys.argv[1:]
    reloads = 10
    if "--reloads" in args:
        i = args.index("--reloads"); reloads = int(args[i + 1]); del args[i:i + 2]
    binary, rules_dir = args
    work = tempfile.mkdtemp(prefix="duwtje-memory-")
    sock = os.path.join(work, "d.sock")
    config = os.path.join(work, "duwtje.yaml")
    with open(config, "w") as handle:
        handle.write(f"rules: {os.path.abspath(rules_dir)}\nsocket:\n  path: {sock}\n"
                     f"store:\n  path: {work}/var/duwtje.db\nlog:\n  level: error\n")
    started = time.monotonic()
    daemon = subprocess.Popen([binary, "serve", "--config", config], stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if get(sock, "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            if daemon.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"memory: the daemon did not become ready (exit {daemon.poll()})")
            time.sleep(0.01)  # polling for readiness with a deadline
        ready = time.monotonic() - started
        start = memory(daemon.pid)
        print(f"after start ({ready:.2f} s): VmRSS {start['VmRSS']:.1f} MiB, VmHWM {start['VmHWM']:.1f} MiB")
        peak = 0.0
        for n in range(1, reloads + 1):
            before = json.loads(get(sock, "/v1/status")[1])["reloads"]
            daemon.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 120
            local_peak = 0.0
            while True:
                local_peak = max(local_peak, memory(daemon.pid)["VmRSS"])
                now = json.loads(get(sock, "/v1/status")[1])["reloads"]
                if now["ok"] + now["failed"] > before["ok"] + before["failed"]:
                    if now["failed"] > before["failed"]:
                        sys.exit("memory: a reload failed")
                    break
                if time.monotonic() > deadline:
                    sys.exit("memory: a reload did not finish in 120 s")
                time.sleep(0.002)  # sampling VmRSS while the reload runs
            after = memory(daemon.pid)
            peak = max(peak, local_peak)
            print(f"reload {n}: peak VmRSS during it {local_peak:.1f} MiB, after it {after['VmRSS']:.1f} MiB")
        end = memory(daemon.pid)
        print(f"after {reloads} reloads: VmRSS {end['VmRSS']:.1f} MiB, VmHWM {end['VmHWM']:.1f} MiB")
        steady = max(start["VmRSS"], end["VmRSS"])
        print(f"RESULT start_rss_mib={start['VmRSS']:.1f} start_hwm_mib={start['VmHWM']:.1f} "
              f"end_rss_mib={end['VmRSS']:.1f} reload_peak_rss_mib={peak:.1f} end_hwm_mib={end['VmHWM']:.1f} "
              f"reload_peak_over_steady={peak / steady:.2f}")
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()


if __name__ == "__main__":
    main()
