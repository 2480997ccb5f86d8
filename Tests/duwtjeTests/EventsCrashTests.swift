import DuwtjeStore
import DuwtjeTestSupport
import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Process crashes during ingestion: clients post batches continuously while the daemon is killed
/// with SIGKILL at random moments and restarted. The moments are seeded (the seed is printed; rerun
/// with `DUWTJE_SEED`): each round kills after a random number of acknowledged batches, counted, not
/// timed, so a slow machine shifts nothing. Every acknowledged batch must be in the report
/// afterwards, and the database must pass `PRAGMA integrity_check`.
///
/// SIGKILL tests process crashes only: the page cache survives it (see
/// shared/notes/reliability.md); power loss is covered by `synchronous=FULL`, not by this test.
@Suite("events survive SIGKILL", .serialized, .timeLimit(.minutes(5)))
struct EventsCrashTests {
    static let batchSize = 10
    static let kills = 20
    static let clients = 4

    @Test("20 random SIGKILLs during ingestion lose no acknowledged batch")
    func killDuringIngestion() async throws {
        let daemon = try DaemonProcess(rules: EventsFixture.rules)
        let body = EventsFixture.batch(EventsFixture.repeated(Self.batchSize, EventsFixture.event("impression")))
        let tally = IngestTally()
        var generator = SeededGenerator.forTest("EventsCrashTests.killDuringIngestion")

        for _ in 0..<Self.kills {
            try await daemon.start()
            let client = daemon.client
            tally.running.store(true, ordering: .releasing)
            // Kill once this many more batches are acknowledged (1 to 40): sometimes at once, sometimes deep in.
            let killAfter = tally.acknowledged.load(ordering: .relaxed) + 1 + generator.below(40)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<Self.clients {
                    group.addTask {
                        while tally.running.load(ordering: .acquiring) {
                            tally.sent.add(1, ordering: .relaxed)
                            // A refused connection or a cut answer is what SIGKILL does; only 202 counts.
                            guard let reply = try? await client.post("/v1/events", body) else { break }
                            #expect(reply.status == 202)
                            if reply.status == 202 { tally.acknowledged.add(1, ordering: .relaxed) }
                        }
                    }
                }
                try await eventually("\(killAfter) batches acknowledged", within: 60) {
                    tally.acknowledged.load(ordering: .relaxed) >= killAfter
                }
                daemon.signal(SIGKILL)
                _ = await daemon.waitForExit()
                tally.running.store(false, ordering: .releasing)
                try await group.waitForAll()
            }
        }

        try await daemon.start()
        let report = try await daemon.client.get("/v1/report")
        let rules = try #require(report.json?["rules"] as? [[String: Any]])
        let stored = try #require((rules.first?["variants"] as? [[String: Any]])?.first?["impressions"] as? Int)
        let ackedEvents = tally.acknowledged.load(ordering: .relaxed) * Self.batchSize
        let sentEvents = tally.sent.load(ordering: .relaxed) * Self.batchSize
        print("crash test (seed \(SeededGenerator.hex(generator.seed))): \(Self.kills) SIGKILLs, \(ackedEvents) events acknowledged, "
            + "\(sentEvents) sent, \(stored) stored")
        #expect(ackedEvents > 0)
        #expect(stored >= ackedEvents, "acknowledged events were lost")
        #expect(stored <= sentEvents)
        #expect(stored % Self.batchSize == 0, "a batch was stored in part")
        #expect(await daemon.stop() == 0)
        #expect(try EventStore.integrityCheck(path: daemon.databasePath) == "ok")
    }
}

/// What the posting clients count, shared between their tasks.
final class IngestTally: Sendable {
    let acknowledged = Atomic<Int>(0)
    let sent = Atomic<Int>(0)
    let running = Atomic<Bool>(true)
    /// Answers that were a repeat of a batch already stored (`Idempotent-Replayed: true`).
    let replayed = Atomic<Int>(0)
}
