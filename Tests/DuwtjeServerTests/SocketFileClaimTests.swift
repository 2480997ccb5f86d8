@testable import DuwtjeServer
import DuwtjeTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The tests that call `SocketFile.claim`, which changes the process's umask: enabled only in the
/// process of their own that ``SocketFileTests`` starts, never beside other suites.
@Suite("Claiming in a process of its own", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["DUWTJE_SOCKET_FILE_CHILD"] == "1"))
struct SocketFileClaimTests {
    static let environmentKey = "DUWTJE_SOCKET_FILE_CHILD"

    @Test("a live socket is refused; a non-socket is never replaced; a stale socket is replaced")
    func claim() throws {
        let fixture = try Fixture()
        let path = fixture.directory + "/c.sock"
        let live = try makeSocket(at: path, listening: true)
        #expect(throws: DaemonError.self) { try SocketFile.claim(.init(path: path)) }
        #expect(SocketFile.probe(path) == .live)
        close(live)
        #expect(SocketFile.probe(path) == .stale)
        let file = try SocketFile.claim(.init(path: path))
        file.abandon()
        #expect(SocketFile.probe(path) == .absent)

        let regular = fixture.directory + "/plain"
        try fixture.write("plain", "not a socket")
        do {
            _ = try SocketFile.claim(.init(path: regular))
            Issue.record("claimed a regular file")
        } catch {
            #expect(error.description.contains("exists and is not a socket"))
        }
        #expect(FileManager.default.fileExists(atPath: regular))
    }

    @Test("the socket is created with the configured mode, never wider, and removed only while it is ours")
    func modeAndRemoval() throws {
        let fixture = try Fixture()
        let path = fixture.directory + "/sub/dir/m.sock"
        let previous = umask(0o022)
        defer { umask(previous) }
        let file = try SocketFile.claim(.init(path: path, mode: 0o640))
        // Claiming leaves the umask alone: the store is opened after it and must get its own modes.
        #expect(umask(0o022) == 0o022)
        file.willBind()
        let descriptor = try makeSocket(at: path, listening: true)
        defer { close(descriptor) }
        #expect(fileMode(path) == 0o640)
        try file.didBind()
        #expect(fileMode(path) == 0o640)
        // The umask is back to what it was.
        let current = umask(0o022)
        #expect(current == 0o022)
        #expect(file.remove())
        #expect(!FileManager.default.fileExists(atPath: path))
        // A successor's socket at the same path is not removed.
        let successor = try makeSocket(at: path, listening: true)
        defer { close(successor) }
        #expect(!file.remove())
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test("with a group, the socket is owner-only until the group is set, then the configured mode")
    func group() throws {
        let fixture = try Fixture()
        let path = fixture.directory + "/g.sock"
        let group = String(getegid())
        let file = try SocketFile.claim(.init(path: path, mode: 0o660, group: group))
        file.willBind()
        let descriptor = try makeSocket(at: path, listening: true)
        defer { close(descriptor) }
        #expect(fileMode(path) == 0o600)
        try file.didBind()
        #expect(fileMode(path) == 0o660)
        #expect(throws: DaemonError.self) { try SocketFile.claim(.init(path: path + "2", group: "no-such-group-duwtje")) }
    }

    @Test("a path too long for sockaddr_un and an unwritable directory are refused with a reason")
    func refusals() {
        let long = "/tmp/" + String(repeating: "x", count: 120) + ".sock"
        #expect(throws: DaemonError.self) { try SocketFile.claim(.init(path: long)) }
        if getuid() != 0 {
            #expect(throws: DaemonError.self) { try SocketFile.claim(.init(path: "/proc/duwtje.sock")) }
        }
    }
}
