import Foundation
import Testing
#if canImport(Glibc)
import Glibc
import DuwtjeTestSupport
#endif

/// The CPUs this test process may run on, by number (`taskset -cp` prints them as a list).
private func allowedCPUs() -> [Int] {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { return [] }
    return line.dropFirst("Cpus_allowed_list:".count).split(separator: ",").flatMap { range -> [Int] in
        let bounds = range.split(separator: "-").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard let low = bounds.first, let high = bounds.last, low <= high else { return [] }
        return Array(low...high)
    }
}

/// `duwtje serve` runs one event loop per CPU it may run on: an operator who confines it with
/// `taskset` or systemd's `CPUAffinity=` gets that many loops, not one per CPU of the machine; and
/// `NIO_SINGLETON_GROUP_LOOP_COUNT` still decides when set. The real binary; the count is read from
/// the `listening` log line.
@Suite("event loops follow the CPU affinity", .serialized, .timeLimit(.minutes(2)),
       .enabled(if: allowedCPUs().count > 1, "needs a process allowed on two CPUs or more"))
struct EventLoopSizingTests {
    /// Starts the daemon confined to one CPU (`taskset` on the shell that then becomes the daemon)
    /// and returns the `event_loops` value of its `listening` line.
    static func loopsWhenConfined(environment: [String: String] = [:]) async throws -> String {
        let cpu = try #require(allowedCPUs().first)
        let daemon = try DaemonProcess()
        try await daemon.start(environment: environment, shell: "taskset -cp \(cpu) $$ > /dev/null")
        var line = ""
        try await eventually("the daemon logs that it is listening") {
            line = daemon.stderr.split(separator: "\n").first { $0.contains("info duwtje: listening") }.map(String.init) ?? ""
            return !line.isEmpty
        }
        _ = await daemon.stop()
        let value = line.split(separator: " ").first { $0.hasPrefix("event_loops=") }
        return value.map { String($0.dropFirst("event_loops=".count)) } ?? "missing in: \(line)"
    }

    @Test("confined to one CPU, the daemon runs one event loop")
    func oneCPUOneLoop() async throws {
        #expect(try await Self.loopsWhenConfined() == "1")
    }

    @Test("NIO_SINGLETON_GROUP_LOOP_COUNT overrides the affinity")
    func environmentWins() async throws {
        #expect(try await Self.loopsWhenConfined(environment: ["NIO_SINGLETON_GROUP_LOOP_COUNT": "3"]) == "3")
    }
}
