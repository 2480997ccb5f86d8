@testable import DuwtjeServer
import DuwtjeTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Creates a listening (or, with `listening: false`, merely bound and closed: stale) socket at `path`.
func makeSocket(at path: String, listening: Bool) throws -> Int32 {
    let descriptor = RawSocket.bind(path, listening: listening)
    guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown) }
    if listening { return descriptor }
    close(descriptor)
    return -1
}

/// `SocketFile.claim` sets the process's umask until `didBind()` (so that `bind` creates the file
/// with at most the configured mode). The umask is per process, and every suite of every test target
/// runs in parallel in one process, where it would narrow the files and folders other tests create at
/// that moment. So the tests that claim run in a process of their own: this bundle again, running
/// only ``SocketFileClaimTests``, which is enabled only there.
@Suite("Claiming, securing and removing the socket file")
struct SocketFileTests {
    @Test("the claiming tests pass in a process of their own (they change the process's umask)")
    func claimingInOwnProcess() async throws {
        // A whole test process: waited for on a thread of its own, not on the cooperative pool.
        let (status, output) = try await offPool { () throws -> (Int32, String) in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            process.arguments = ["--testing-library", "swift-testing", "--filter", "SocketFileClaimTests"]
            var environment = ProcessInfo.processInfo.environment
            environment[SocketFileClaimTests.environmentKey] = "1"
            process.environment = environment
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, output)
        }
        #expect(status == 0, "\(output)")
        // The child ran the tests, rather than finding none.
        #expect(output.contains("SocketFileClaimTests") || output.contains("Claiming in a process of its own"), "\(output)")
    }

    @Test("probe: absent, stale, live")
    func probe() throws {
        let fixture = try Fixture()
        let path = fixture.directory + "/p.sock"
        #expect(SocketFile.probe(path) == .absent)
        _ = try makeSocket(at: path, listening: false)
        #expect(SocketFile.probe(path) == .stale)
        unlink(path)
        let live = try makeSocket(at: path, listening: true)
        defer { close(live) }
        #expect(SocketFile.probe(path) == .live)
    }
}
