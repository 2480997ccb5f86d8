import DuwtjeTestSupport
import Foundation
import Testing

/// A report asked for an impossible range says so, instead of "no data".
@Suite("report ranges: from after until is an error")
struct ReportRangeTests {
    @Test("`duwtje report` with --from after --until exits non-zero saying why")
    func fromAfterUntil() async throws {
        // The HTTP side (400 naming from) is tested in process: DaemonResponderEventsTests.
        let daemon = try DaemonProcess()
        let run = try await DaemonProcess.run(["report", "--config", daemon.configPath, "--from", "2026-11-20", "--until", "2026-11-01"])
        let text = run.errors
        #expect(run.status != 0)
        #expect(text.contains("--from (2026-11-20) is after --until (2026-11-01)"), "\(text)")
    }
}
