import Foundation
import Testing
#if canImport(Glibc)
import Glibc
import DuwtjeStore
import DuwtjeTestSupport
#endif

/// Faults of the machine itself, injected under the real binary: a full disk under the event store,
/// a rule directory swapped or half-written during a reload, too few file descriptors, a stopped
/// process. Every wait has a deadline; none sleeps to synchronise.
@Suite("injected faults, end to end", .serialized, .timeLimit(.minutes(3)))
struct FaultInjectionTests {
    /// Mounting a tmpfs needs root (or CAP_SYS_ADMIN); elsewhere the disk-full test cannot run.
    static let canMount: Bool = {
        let directory = "/tmp/dw-mount-probe-" + String(getpid())
        guard mkdir(directory, 0o700) == 0 || errno == EEXIST else { return false }
        defer { rmdir(directory) }
        guard mountTmpfs(directory, size: "64k") else { return false }
        umount(directory)
        return true
    }()

    static func mountTmpfs(_ directory: String, size: String) -> Bool {
        "size=\(size)".withCString { options in mount("tmpfs", directory, "tmpfs", 0, options) == 0 }
    }

    @Test("a full disk answers events 503 and loses nothing acknowledged; recommendations go on; writing resumes when space returns",
          .enabled(if: canMount, "mounting a tmpfs needs root"))
    func diskFull() async throws {
        let disk = "/tmp/dw-full-" + String(UUID().uuidString.prefix(8)).lowercased()
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        // 512 KiB: room for the database, its WAL and index, and a filler that takes the rest.
        guard Self.mountTmpfs(disk, size: "512k") else {
            Issue.record("mount: \(String(cString: strerror(errno)))")
            return
        }
        defer {
            umount2(disk, 2)  // MNT_DETACH: the daemon may still hold a file open after a failure
            rmdir(disk)
        }
        let daemon = try DaemonProcess(config: "store: { path: \(disk)/duwtje.db }\n", rules: EventsFixture.rules)
        try await daemon.start()
        var client = SocketClient(daemon)
        let batch = EventsFixture.batch(EventsFixture.repeated(10, EventsFixture.event("impression")))
        var acknowledged = 0

        #expect(try await client.post("/v1/events", batch).status == 202)
        acknowledged += 10

        // Take every free byte.
        let filler = disk + "/filler"
        let filled = try fill(filler)
        #expect(filled > 0)

        // The next commits need space the disk no longer has: 503, store-unavailable. (Pages SQLite
        // already holds may take a few more batches first; each one acknowledged is counted.)
        var refused: Reply?
        let deadline = Date().addingTimeInterval(30)
        while refused == nil, Date() < deadline {
            let reply = try await client.post("/v1/events", batch)
            switch reply.status {
            case 202: acknowledged += 10
            case 503: refused = reply
            default: Issue.record("unexpected \(reply.status): \(reply.body)"); return
            }
        }
        let problem = try #require(refused, "no 503 within 30 s of a full disk")
        #expect(problem.json?["type"] as? String == "urn:duwtje:problem:store-unavailable")

        // Recommendations do not touch the disk's free space.
        let answer = try await client.post("/v1/recommendations", #"{"journey": "bz", "persona": "ouder", "context": {"process": "paspoort"}}"#)
        #expect(answer.status == 200)
        #expect(try await client.get("/healthz").status == 200)

        // Space returns: writing resumes without a restart.
        #expect(unlink(filler) == 0)
        var resumed = false
        let again = Date().addingTimeInterval(30)
        while !resumed, Date() < again {
            let reply = try await client.post("/v1/events", batch)
            if reply.status == 202 {
                acknowledged += 10
                resumed = true
            } else {
                #expect(reply.status == 503)
            }
        }
        #expect(resumed, "writing did not resume within 30 s of space returning")

        // After a restart, exactly what was acknowledged is there: nothing lost, nothing refused stored.
        await client.shutdown()
        #expect(await daemon.stop() == 0)
        try await daemon.start()
        client = SocketClient(daemon)
        let report = try await client.get("/v1/report?journey=bz")
        await client.shutdown()
        let rules = try #require(report.json?["rules"] as? [[String: Any]])
        let r1 = try #require(rules.first { $0["rule"] as? String == "r1" })
        let stored = (r1["variants"] as? [[String: Any]])?.first?["impressions"] as? Int
        #expect(stored == acknowledged, "acknowledged \(acknowledged), stored \(stored.map(String.init) ?? "none")")
        #expect(await daemon.stop() == 0)
        #expect(try EventStore.integrityCheck(path: disk + "/duwtje.db") == "ok")
    }

    /// Writes `path` until the file system refuses with ENOSPC; returns the bytes written.
    func fill(_ path: String) throws -> Int {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        let chunk = [UInt8](repeating: 0x55, count: 4_096)
        var total = 0
        while true {
            let written = chunk.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written > 0 { total += written; continue }
            if errno == EINTR { continue }
            guard errno == ENOSPC else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            return total
        }
    }
}
