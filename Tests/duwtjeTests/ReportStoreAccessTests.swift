import DuwtjeTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `duwtje report --store FILE` on a stopped daemon's store only reads (issue 18, item 8): a
/// marketeer's account that may read the file but not write its directory gets the report, and
/// root running it leaves no `-wal`/`-shm` behind that the daemon's own user could not open.
@Suite("report on a stopped daemon's store opens it read-only", .serialized, .timeLimit(.minutes(3)),
       .enabled(if: getuid() == 0, "running the report as another user needs root"))
struct ReportStoreAccessTests {
    static let sidecars = ["-wal", "-shm", "-journal"]

    func stoppedStore() async throws -> DaemonProcess {
        let daemon = try DaemonProcess(rules: EventsFixture.rules)
        try await daemon.start()
        let events = EventsFixture.experiment("controle", impressions: 40, clicks: 12, conversions: 5)
        #expect(try await daemon.client.post("/v1/events", EventsFixture.batch(events)).status == 202)
        #expect(await daemon.stop() == 0)
        for suffix in Self.sidecars {
            #expect(!FileManager.default.fileExists(atPath: daemon.databasePath + suffix), "the daemon left \(suffix)")
        }
        return daemon
    }

    @Test("a user who may read the store but not write its directory gets the report; nothing is created")
    func readableOnly() async throws {
        let daemon = try await stoppedStore()
        let store = (daemon.databasePath as NSString).deletingLastPathComponent
        // Root's directory and file, readable by all, writable by root only.
        #expect(chmod(store, 0o755) == 0 && chmod(daemon.databasePath, 0o644) == 0)
        let entry = try #require(getpwnam("nobody"))
        let nobody = (uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
        let run = try await DaemonProcess.run(["report", "--store", daemon.databasePath, "--json"], as: nobody)
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.contains("\"controle\""), "\(run.output)")
        let listing = try FileManager.default.contentsOfDirectory(atPath: store)
        #expect(listing.allSatisfy { !$0.hasPrefix("duwtje.db-") }, "\(listing)")
    }

    @Test("root's report leaves no -wal or -shm owned by root beside the daemon's store")
    func rootLeavesNothing() async throws {
        let daemon = try await stoppedStore()
        let run = try await DaemonProcess.run(["report", "--store", daemon.databasePath])
        #expect(run.status == 0, "\(run.errors)")
        for suffix in Self.sidecars {
            #expect(!FileManager.default.fileExists(atPath: daemon.databasePath + suffix), "the report left \(suffix)")
        }
    }
}
