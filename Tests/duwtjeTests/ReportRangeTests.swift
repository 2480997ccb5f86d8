import DuwtjeTestSupport
import Foundation
import Testing

/// A report asked for an impossible range says so, instead of "no data".
@Suite("report ranges: from after until is an error")
struct ReportRangeTests {
    @Test("GET /v1/report with from after until is 400 naming from; `duwtje report` exits non-zero saying why")
    func fromAfterUntil() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let response = try await RawClient.exchange(daemon.socketPath,
            "GET /v1/report?from=2026-11-20&until=2026-11-01 HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
        #expect(response.hasPrefix("HTTP/1.1 400"))
        #expect(response.contains("\"field\":\"from\""))
        #expect(response.contains("'from' (2026-11-20) is after 'until' (2026-11-01)"))
        let fine = try await RawClient.exchange(daemon.socketPath,
            "GET /v1/report?from=2026-11-01&until=2026-11-01 HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
        #expect(fine.hasPrefix("HTTP/1.1 200"))
        #expect(await daemon.stop() == 0)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: DaemonProcess.binary)
        process.arguments = ["report", "--config", daemon.configPath, "--from", "2026-11-20", "--until", "2026-11-01"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(text.contains("--from (2026-11-20) is after --until (2026-11-01)"), "\(text)")
    }
}
