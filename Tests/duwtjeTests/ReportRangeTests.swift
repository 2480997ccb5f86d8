import DuwtjeTestSupport
import Foundation
import Testing

/// A report asked for an impossible range says so, instead of "no data".
@Suite("report ranges: from after until is an error")
struct ReportRangeTests {
    @Test("`duwtje report` with --from after --until exits non-zero saying why")
    func fromAfterUntil() throws {
        // The HTTP side (400 naming from) is tested in process: DaemonResponderEventsTests.
        let daemon = try DaemonProcess()
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
