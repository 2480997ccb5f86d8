import DuwtjeTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What the daemon writes to its log, as an operator's log shipper reads it.
@Suite("log lines: one per event, in the configured format, unforgeable")
struct LogLineTests {
    @Test("with log.format json a start-up refusal is one JSON line, like every other log line")
    func jsonRefusal() async throws {
        let daemon = try DaemonProcess(config: "log: { format: json }\n", rules: Fixture.brokenRules)
        let process = try daemon.launch()
        #expect(await DaemonProcess.waitForExit(process) == 1)
        let lines = daemon.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data((lines.first ?? "").utf8)) as? [String: Any])
        #expect(object["level"] as? String == "critical")
        #expect(object["logger"] as? String == "duwtje")
        #expect((object["message"] as? String)?.contains("unknown persona 'oudr'") == true)
        #expect(object["time"] is String)
    }

    @Test("a rule file whose name holds a newline cannot forge a log line in text format")
    func controlCharacters() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let forged = "2026-11-29T00:00:00.000Z info duwtje: reloaded rules"
        try daemon.write("rules/x\n\(forged).yaml", "rules: [ { id: kapot, journey: bz, recommend: [ { content: c9 } ], why: x } ]\n")
        daemon.signal(SIGHUP)
        let deadline = Date().addingTimeInterval(30)
        while !daemon.stderr.contains("reload refused"), Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(daemon.stderr.contains("reload refused"))
        let lines = daemon.stderr.split(separator: "\n")
        #expect(!lines.contains { $0.hasPrefix(forged) }, "a forged line: \(daemon.stderr)")
        #expect(lines.contains { $0.contains("x\\n\(forged).yaml") })
        #expect(await daemon.stop() == 0)
    }
}
