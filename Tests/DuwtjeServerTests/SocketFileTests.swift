@testable import DuwtjeServer
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
import DuwtjeTestSupport
#endif

/// Creates a listening (or, with `listening: false`, merely bound and closed: stale) socket at `path`.
func makeSocket(at path: String, listening: Bool) throws -> Int32 {
    let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0, var address = SocketFile.socketAddress(path) else { throw CocoaError(.fileWriteUnknown) }
    let bound = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard bound == 0 else { throw CocoaError(.fileWriteUnknown) }
    if listening {
        listen(descriptor, 4)
        return descriptor
    }
    close(descriptor)
    return -1
}

func mode(of path: String) -> UInt32? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    return UInt32(info.st_mode) & 0o777
}

@Suite("Claiming, securing and removing the socket file", .serialized)
struct SocketFileTests {
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
        let descriptor = try makeSocket(at: path, listening: true)
        defer { close(descriptor) }
        #expect(mode(of: path) == 0o640)
        try file.didBind()
        #expect(mode(of: path) == 0o640)
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
        let descriptor = try makeSocket(at: path, listening: true)
        defer { close(descriptor) }
        #expect(mode(of: path) == 0o600)
        try file.didBind()
        #expect(mode(of: path) == 0o660)
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

@Suite("systemd notifications")
struct SystemdNotifierTests {
    @Test("READY, RELOADING with MONOTONIC_USEC and STOPPING reach $NOTIFY_SOCKET; without it nothing is sent")
    func notify() throws {
        let fixture = try Fixture()
        let path = fixture.directory + "/notify"
        let receiver = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(receiver) }
        var address = try #require(SocketFile.socketAddress(path))
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(receiver, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(receiver, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        func receive() -> String {
            var buffer = [UInt8](repeating: 0, count: 512)
            let count = recv(receiver, &buffer, buffer.count, 0)
            return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
        }
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path])
        notifier.ready()
        #expect(receive() == "READY=1")
        let before = SystemdNotifier.monotonicMicroseconds()
        notifier.reloading()
        let reloading = receive().split(separator: "\n").map(String.init)
        #expect(reloading.first == "RELOADING=1")
        let stamp = UInt64(reloading.last?.replacingOccurrences(of: "MONOTONIC_USEC=", with: "") ?? "") ?? 0
        #expect(stamp >= before && stamp <= SystemdNotifier.monotonicMicroseconds())
        notifier.stopping()
        #expect(receive() == "STOPPING=1")
        #expect(!SystemdNotifier(environment: [:]).send("READY=1"))
    }
}
