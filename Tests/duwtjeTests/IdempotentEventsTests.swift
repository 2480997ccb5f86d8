import DuwtjeTestSupport
import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 18 item 6: a client that timed out cannot know whether its batch was stored; retried
/// under its idempotency key it must count once (docs/api.md, "Decision: `POST /v1/events`"). With
/// the real binary, on both transports, across SIGKILL. The shared store: `PostgresStoreTests`.
@Suite("retried event batches count once, end to end", .serialized, .timeLimit(.minutes(3)))
struct IdempotentEventsTests {
    /// Twelve impressions of r1 (the report shows counts below 10 as "<10").
    static let batch = EventsFixture.batch(EventsFixture.repeated(12, EventsFixture.event("impression")))

    static func post(_ client: UnixHTTPClient, _ body: String, key: String? = nil) async throws -> Reply {
        try await client.send(method: "POST", path: "/v1/events", body: body, headers: key.map { [("Idempotency-Key", $0)] } ?? [])
    }

    static func impressions(_ client: UnixHTTPClient) async throws -> Int? {
        PostgresStoreTests.impressions(try await client.get("/v1/report?journey=bz"))
    }

    @Test("a batch retried under its key counts once and is answered as the first time, also after SIGKILL; other events under the key are 422; a refused batch leaves its key free",
          arguments: ["lean", "hummingbird"])
    func retriedBatchCountsOnce(transport: String) async throws {
        let daemon = try DaemonProcess(rules: EventsFixture.rules)
        let arguments = ["--config", daemon.configPath, "--transport", transport]
        try await daemon.start(arguments)
        let client = daemon.client
        let first = try await Self.post(client, Self.batch, key: #""retry-1""#)
        #expect(first.status == 202 && first.json?["stored"] as? Int == 12)
        #expect(first.headers["idempotent-replayed"] == nil)

        // The retry, with the key bare this time, then in the body: the first answer again, nothing counted.
        let again = try await Self.post(client, Self.batch, key: "retry-1")
        #expect(again.status == 202 && again.body == first.body && again.headers["idempotent-replayed"] == "true")
        let inBody = try await Self.post(client, Self.batch.replacingOccurrences(of: #"{"events""#, with: #"{"batch": "retry-1", "events""#))
        #expect(inBody.status == 202 && inBody.body == first.body && inBody.headers["idempotent-replayed"] == "true")
        #expect(try await Self.impressions(client) == 12)

        // Other events under the key: 422, nothing counted.
        let other = try await Self.post(client, EventsFixture.batch([EventsFixture.event("click")]), key: "retry-1")
        #expect(other.status == 422 && other.json?["type"] as? String == "urn:duwtje:problem:batch-key-reused")
        #expect(other.headers["content-type"] == "application/problem+json")

        // A batch refused (an unknown id, a bad key) leaves its key unremembered: fixed, it counts.
        let unknown = EventsFixture.batch([EventsFixture.event("impression", rule: "nope")])
        #expect(try await Self.post(client, unknown, key: "retry-2").status == 422)
        let badKey = try await Self.post(client, Self.batch, key: "two words")
        #expect(badKey.status == 400 && (badKey.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "Idempotency-Key")
        let fixed = try await Self.post(client, Self.batch, key: "retry-2")
        #expect(fixed.status == 202 && fixed.headers["idempotent-replayed"] == nil)
        #expect(try await Self.impressions(client) == 24)

        let metrics = try await client.get("/metrics").body
        #expect(metrics.contains("duwtje_event_batches_replayed_total 2"), "\(metrics)")
        #expect(metrics.contains(#"duwtje_event_batches_rejected_total{reason="batch-key-reused"} 1"#))

        // SIGKILL right after the 202s: the keys were committed with the counts.
        daemon.signal(SIGKILL)
        #expect(await daemon.waitForExit() != 0)
        try await daemon.start(arguments)
        let afterKill = try await Self.post(client, Self.batch, key: "retry-1")
        #expect(afterKill.status == 202 && afterKill.body == first.body && afterKill.headers["idempotent-replayed"] == "true")
        #expect(try await Self.post(client, Self.batch, key: "retry-2").headers["idempotent-replayed"] == "true")
        #expect(try await Self.impressions(client) == 24)
        #expect(await daemon.stop() == 0)
    }

    @Test("clients that send every batch again under its key until it is acknowledged, through 10 random SIGKILLs: each batch counted exactly once")
    func exactlyOnceThroughCrashes() async throws {
        let daemon = try DaemonProcess(rules: EventsFixture.rules)
        let body = EventsFixture.batch(EventsFixture.repeated(10, EventsFixture.event("impression")))
        let tally = IngestTally()
        var generator = SeededGenerator.forTest("IdempotentEventsTests.exactlyOnceThroughCrashes")
        try await daemon.start()
        let client = daemon.client
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Each client sends its batches one after the other, each under a key of its own, and
            // sends a batch again (the daemon killed, restarting, the answer lost) until it gets 202.
            for sender in 0..<4 {
                group.addTask {
                    var number = 0
                    while tally.running.load(ordering: .acquiring) {
                        let key = "client-\(sender)-batch-\(number)"
                        var reply: Reply?
                        let acknowledged = try await poll(within: 60) {
                            tally.sent.add(1, ordering: .relaxed)
                            reply = try? await Self.post(client, body, key: key)
                            return reply?.status == 202
                        }
                        #expect(acknowledged, "\(key) was never acknowledged")
                        guard acknowledged else { return }
                        if reply?.headers["idempotent-replayed"] == "true" { tally.replayed.add(1, ordering: .relaxed) }
                        tally.acknowledged.add(1, ordering: .relaxed)
                        number += 1
                    }
                }
            }
            for _ in 0..<10 {
                // Killed once 1 to 30 more batches are acknowledged: counted, not timed.
                let killAfter = tally.acknowledged.load(ordering: .relaxed) + 1 + generator.below(30)
                try await eventually("\(killAfter) batches acknowledged", within: 60) {
                    tally.acknowledged.load(ordering: .relaxed) >= killAfter
                }
                daemon.signal(SIGKILL)
                _ = await daemon.waitForExit()
                try await daemon.start()
            }
            // The last batch of each client is sent until it is acknowledged, then the clients stop.
            tally.running.store(false, ordering: .releasing)
            try await group.waitForAll()
        }
        let batches = tally.acknowledged.load(ordering: .relaxed)
        print("exactly once (seed \(SeededGenerator.hex(generator.seed))): 10 SIGKILLs, \(batches) batches acknowledged, "
            + "\(tally.sent.load(ordering: .relaxed)) sent, \(tally.replayed.load(ordering: .relaxed)) answered as repeats")
        #expect(batches > 0)
        #expect(try await Self.impressions(client) == batches * 10, "a batch was lost or counted twice")
        #expect(await daemon.stop() == 0)
    }

    @Test("one batch sent by 8 clients at once under one key: every answer 202 with the same body, one of them not a replay, counted once")
    func concurrentRetries() async throws {
        let daemon = try DaemonProcess(rules: EventsFixture.rules)
        try await daemon.start()
        let client = daemon.client
        let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
            for _ in 0..<8 { group.addTask { try await Self.post(client, Self.batch, key: "burst") } }
            return try await group.reduce(into: [Reply]()) { $0.append($1) }
        }
        #expect(replies.allSatisfy { $0.status == 202 } && Set(replies.map(\.body)).count == 1)
        #expect(replies.filter { $0.headers["idempotent-replayed"] == nil }.count == 1)
        #expect(try await Self.impressions(client) == 12)
        #expect(await daemon.stop() == 0)
    }
}
