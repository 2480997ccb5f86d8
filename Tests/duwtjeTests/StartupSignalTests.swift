import DuwtjeTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Signals and refusals around start-up and stop, on the real binary (issue: every path behaves as
/// documented, items 1–3).
@Suite("duwtje serve: signals during start-up and reload, socket paths")
struct StartupSignalTests {
    /// Writes `count` rules into the daemon's rule directory, 4,000 to a file (a file holds at most
    /// 100,000 YAML nodes): enough that loading them takes a noticeable while, so that a signal can
    /// arrive during the load.
    static func writeManyRules(_ count: Int, why: String, to daemon: DaemonProcess) throws {
        for (file, start) in stride(from: 0, to: count, by: 4_000).enumerated() {
            var text = "rules:\n"
            for index in start..<min(count, start + 4_000) {
                text += "  - { id: r\(index), journey: bz, when: { context: { visits: { gte: \(index % 97) } } }, "
                    + "recommend: [ { content: c1 } ], why: \(why) }\n"
            }
            try daemon.write(file == 0 ? "rules/rules.yaml" : "rules/more-\(file).yaml", text)
        }
    }

    /// Whether the process ignores or catches SIGHUP yet (`SigIgn`/`SigCgt` of /proc/PID/status):
    /// from then on a SIGHUP can no longer kill it.
    static func handlesHangUp(_ pid: Int32) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
        let bit: UInt64 = 1 << (UInt64(SIGHUP) - 1)
        for line in status.split(separator: "\n") where line.hasPrefix("SigIgn:") || line.hasPrefix("SigCgt:") {
            if let mask = UInt64(line.split(separator: "\t").last ?? "", radix: 16), mask & bit != 0 { return true }
        }
        return false
    }

    static func status(_ daemon: DaemonProcess) async throws -> [String: Any]? {
        let response = await RawSocket.exchange(daemon.socketPath, "GET /v1/status HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
        guard let body = response.range(of: "\r\n\r\n").map({ response[$0.upperBound...] }) else { return nil }
        return try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
    }

    @Test("SIGHUPs while the first rule set loads neither kill the daemon nor get lost: it serves, then reloads once")
    func hangUpDuringStartup() async throws {
        let daemon = try DaemonProcess()
        try Self.writeManyRules(20_000, why: "veel", to: daemon)
        let process = try daemon.launch()
        daemon.process = process
        // From the moment the process handles SIGHUP (the first thing `main` does), keep sending it
        // until the daemon answers: every one of them arrives during start-up.
        try await eventually("the process handles SIGHUP", within: 120) {
            Self.handlesHangUp(process.processIdentifier) || !process.isRunning
        }
        var sent = 0
        // One SIGHUP per poll until the daemon answers: every one of them arrives during start-up.
        try await eventually("the daemon answers", within: 120) {
            guard process.isRunning else { return true }
            kill(process.processIdentifier, SIGHUP)
            sent += 1
            return try await daemon.probeHealth()
        }
        #expect(process.isRunning, "the daemon died: \(daemon.stderr)")
        #expect(sent >= 1)
        // The queued SIGHUP becomes one reload once the daemon serves.
        var trigger: String?
        try await eventually("a reload is reported", within: 60) {
            trigger = (try await Self.status(daemon)?["last_reload"] as? [String: Any])?["trigger"] as? String
            return trigger != nil || !process.isRunning
        }
        #expect(trigger == "sighup")
        #expect(await daemon.stop() == 0)
    }

    @Test("SIGTERM during a long reload stops at once: the reload is cancelled, never installed, ends before the exit; exit 0")
    func terminateDuringReload() async throws {
        let daemon = try DaemonProcess()
        let notify = try NotifyReceiver(path: daemon.directory + "/notify", timeoutSeconds: 30)
        try await daemon.start(environment: ["NOTIFY_SOCKET": notify.path])
        #expect(await notify.next().hasPrefix("READY=1"))
        try Self.writeManyRules(30_000, why: "nieuw", to: daemon)
        daemon.signal(SIGHUP)
        #expect(await notify.next().hasPrefix("RELOADING=1"))
        daemon.signal(SIGTERM)
        #expect(await notify.next() == "STOPPING=1")
        #expect(await daemon.waitForExit() == 0)
        // Had the daemon waited for the reload, it would have installed it and said so.
        #expect(!daemon.stderr.contains("reloaded rules"), "\(daemon.stderr)")
        // The reload was cancelled and ended before the daemon exited (it logs that last): no parse
        // runs on while the process exits.
        #expect(daemon.stderr.contains("reload abandoned: the daemon is stopping"), "\(daemon.stderr)")
        #expect(!daemon.stderr.contains("abandoned reload still runs"), "\(daemon.stderr)")
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
    }

    @Test("a socket path over 103 bytes is refused up front with its length, creating nothing; a file in the way is named")
    func socketPaths() async throws {
        for length in [104, 107, 108] {
            let daemon = try DaemonProcess()
            let base = daemon.directory + "/s/"
            let socket = base + String(repeating: "x", count: length - base.utf8.count)
            #expect(socket.utf8.count == length)
            let process = try daemon.launch(["--config", daemon.configPath, "--socket", socket])
            #expect(await DaemonProcess.waitForExit(process) == 1)
            let lines = daemon.stderr.split(separator: "\n")
            #expect(lines.count == 1)
            #expect(lines.first == "duwtje: socket path \(socket) is \(length) bytes, longer than the 103 a Unix socket address holds (use a shorter path)")
            #expect(!FileManager.default.fileExists(atPath: daemon.directory + "/s"), "the socket's directory was created")
            #expect(!FileManager.default.fileExists(atPath: daemon.directory + "/var"), "the store was created")
        }
        let daemon = try DaemonProcess()
        try daemon.write("file", "a file where a directory should be")
        let process = try daemon.launch(["--config", daemon.configPath, "--socket", daemon.directory + "/file/sub/d.sock"])
        #expect(await DaemonProcess.waitForExit(process) == 1)
        #expect(daemon.stderr.contains("\(daemon.directory)/file is not a directory"), "\(daemon.stderr)")
    }
}
