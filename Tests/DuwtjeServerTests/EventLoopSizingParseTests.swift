@testable import DuwtjeServer
import Testing

/// The CPU count the daemon sizes its event loops by, read from `/proc/self/status`'s `Cpus_allowed`
/// mask in the forms the kernel prints it.
@Suite("event loop sizing: the Cpus_allowed mask")
struct EventLoopSizingParseTests {
    static func status(_ mask: String) -> String {
        "Name:\tduwtje\nCpus_allowed:\t\(mask)\nCpus_allowed_list:\t-\nMems_allowed:\t1\n"
    }

    @Test("one CPU, two, scattered, and masks in 32-bit groups", arguments: [
        ("1", 1), ("2", 1), ("3", 2), ("ff", 8), ("a5", 4), ("00000000,00000003", 2), ("80000000,00000001", 2),
    ])
    func counts(mask: String, expected: Int) {
        #expect(Daemon.allowedCPUCount(status: Self.status(mask)) == expected)
    }

    @Test("no mask in the text: nil, and SwiftNIO's own count stays")
    func missing() {
        #expect(Daemon.allowedCPUCount(status: "Name:\tduwtje\n") == nil)
    }

    @Test("this process reads its own")
    func ownStatus() {
        #expect((Daemon.allowedCPUCount() ?? 0) >= 1)
    }
}
