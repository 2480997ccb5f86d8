import DuwtjeTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What of events and caps needs the real binary: restarts (also after SIGKILL), the files the
/// store leaves on disk after a clean stop, and `duwtje report` reading the daemon's store. The
/// routes and statuses of `/v1/events` and `/v1/report` are tested in process (DuwtjeServerTests).
@Suite("events and caps across restarts, end to end", .serialized, .timeLimit(.minutes(3)))
struct EventsEndToEndTests {
    @Test("nudge caps survive a restart, also after SIGKILL")
    func capsSurviveRestart() async throws {
        let daemon = try DaemonProcess(rules: EventsFixture.rules)
        try await daemon.start()
        let body = #"{"journey": "bz", "persona": "ouder", "visitor": "cap-visitor", "context": {"process": "paspoort"}}"#
        let client = daemon.client
        for _ in 0..<2 {
            let answer = try await client.post("/v1/recommendations", body)
            #expect((answer.json?["nudge"] as? [String: Any])?["id"] as? String == "n1")
        }
        #expect(try await client.post("/v1/recommendations", body).json?["nudge"] is NSNull)
        #expect(await daemon.stop() == 0)

        try await daemon.start()
        #expect(try await client.post("/v1/recommendations", body).json?["nudge"] is NSNull)
        // Another visitor still gets the nudge twice; then SIGKILL once those showings are committed.
        let other = body.replacingOccurrences(of: "cap-visitor", with: "other-visitor")
        for _ in 0..<2 {
            #expect((try await client.post("/v1/recommendations", other).json?["nudge"] as? [String: Any])?["id"] as? String == "n1")
        }
        // A batch is acknowledged only after its commit, and the one writer commits showings queued
        // before it in the same or an earlier transaction: the 202 proves the showings are on disk.
        #expect(try await client.post("/v1/events", EventsFixture.batch([EventsFixture.event("impression")])).status == 202)
        daemon.signal(SIGKILL)
        #expect(await daemon.waitForExit() != 0)

        try await daemon.start()
        #expect(try await client.post("/v1/recommendations", body).json?["nudge"] is NSNull)
        #expect(try await client.post("/v1/recommendations", other).json?["nudge"] is NSNull)
        let fresh = body.replacingOccurrences(of: "cap-visitor", with: "fresh-visitor")
        #expect((try await client.post("/v1/recommendations", fresh).json?["nudge"] as? [String: Any])?["id"] as? String == "n1")
        #expect(await daemon.stop() == 0)
    }

    @Test("no visitor id reaches the database, its WAL or the log")
    func noVisitorIdStored() async throws {
        let daemon = try DaemonProcess(config: "log: { level: trace }\n", rules: EventsFixture.rules)
        try await daemon.start()
        let client = daemon.client
        let visitor = "visitor-7f3a9c1e"
        let body = #"{"journey": "bz", "persona": "ouder", "visitor": "\#(visitor)", "context": {"process": "paspoort"}}"#
        #expect((try await client.post("/v1/recommendations", body).json?["nudge"] as? [String: Any])?["id"] as? String == "n1")
        let events = EventsFixture.repeated(3, EventsFixture.event("impression", visitor: visitor))
        // Acknowledged after its commit, which also holds the showing above (see capsSurviveRestart).
        #expect(try await client.post("/v1/events", EventsFixture.batch(events)).status == 202)
        let needle = Data(visitor.utf8)
        // Before the clean stop (which checkpoints the WAL) both files exist and hold what was written...
        for suffix in ["", "-wal"] {
            let data = try #require(FileManager.default.contents(atPath: daemon.databasePath + suffix),
                                    "duwtje.db\(suffix) is missing: the test would prove nothing")
            #expect(!data.isEmpty)
            #expect(data.range(of: needle) == nil, "visitor id found in duwtje.db\(suffix)")
        }
        #expect(await daemon.stop() == 0)
        // ...and after it, the database and the log exist; a WAL is checked if SQLite kept one.
        for path in [daemon.databasePath, daemon.stderrPath] {
            let data = try #require(FileManager.default.contents(atPath: path), "\(path) is missing")
            #expect(data.range(of: needle) == nil, "visitor id found in \(path)")
        }
        if let wal = FileManager.default.contents(atPath: daemon.databasePath + "-wal") {
            #expect(wal.range(of: needle) == nil, "visitor id found in duwtje.db-wal")
        }
        #expect(daemon.stderr.contains("request"), "the log was written at trace level")
    }

    @Test("`duwtje report` reads the store the daemon wrote: the same figures, as JSON and as text")
    func reportCommand() async throws {
        let daemon = try DaemonProcess(rules: EventsFixture.rules)
        try await daemon.start()
        let client = daemon.client
        for (variant, impressions, clicks, conversions) in [("controle", 200, 20, 10), ("a", 220, 44, 15)] {
            let events = EventsFixture.experiment(variant, impressions: impressions, clicks: clicks, conversions: conversions)
            #expect(try await client.post("/v1/events", EventsFixture.batch(events)).status == 202)
        }
        #expect(await daemon.stop() == 0)
        let json = try await DaemonProcess.run(["report", "--config", daemon.configPath, "--json"])
        #expect(json.status == 0)
        try EventsFixture.checkFigures((try? JSONSerialization.jsonObject(with: Data(json.output.utf8))) as? [String: Any])
        let text = try await DaemonProcess.run(["report", "--config", daemon.configPath])
        #expect(text.status == 0 && text.output.contains("exp (reference: controle)"))
    }
}
