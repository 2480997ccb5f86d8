import DuwtjeRules
@testable import DuwtjeServer
import Foundation
import Testing

@Suite("Event store settings, statistics and the store itself")
struct EventStoreTests {
    func parse(_ text: String) -> (DaemonConfiguration?, [Diagnostic]) {
        DaemonConfiguration.parse(Array(text.utf8), file: "/etc/duwtje/duwtje.yaml", directory: "/etc/duwtje")
    }

    @Test("store and events settings have defaults and are read from the file")
    func settings() throws {
        let defaults = try #require(parse("").0)
        #expect(defaults.store == StoreSettings(path: "/etc/duwtje/var/duwtje.db", retentionDays: 400))
        #expect(defaults.events == EventSettings())
        let parsed = try #require(parse("store: { path: /srv/d.db, retention: 30d }\nevents: { max_batch: 50 }\n").0)
        #expect(parsed.store.path == "/srv/d.db" && parsed.store.retentionDays == 30 && parsed.events.maxBatch == 50)
        #expect(parsed.store.secretPath == "/srv/d.db.secret")
        let (bad, diagnostics) = parse("store: { retention: 5h }\n")
        #expect(bad == nil && diagnostics.first?.message.contains("store.retention") == true)
    }

    /// Hand-computed (Python): Wilson 95% for 20/200 is (0.0656704, 0.1494058); for 0/50 (0, 0.0713476).
    @Test("Wilson intervals and the two-proportion comparison match hand-computed values")
    func statistics() throws {
        let rate = try #require(Statistics.wilson(20, 200))
        #expect(abs(rate.low - 0.06567044866909588) < 1e-9 && abs(rate.high - 0.1494058124327174) < 1e-9)
        let zero = try #require(Statistics.wilson(0, 50))
        #expect(zero.low == 0 && abs(zero.high - 0.07134759913609338) < 1e-9)
        let comparison = try #require(Statistics.compare(44, 220, 20, 200))
        #expect(abs(comparison.z! - 2.8479738510351136) < 1e-9 && abs(comparison.p! - 0.004399853955616632) < 1e-9)
        #expect(Statistics.wilson(0, 0) == nil)
    }

    @Test("appended counts add up, concurrent batches share commits, and old days are pruned")
    func store() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("es-" + UUID().uuidString).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/d.db"
        let store = try EventStore(path: path, retentionDays: 10, timeZone: .gmt)
        let key = EventCountKey(day: EventStore.day(of: Date(), in: .gmt), journey: "j", stage: "s", persona: "", rule: "r",
                                variant: "", itemKind: "content", item: "c", type: "impression")
        let old = EventCountKey(day: "2000-01-01", journey: "j", stage: "s", persona: "", rule: "r", variant: "",
                                itemKind: "content", item: "c", type: "impression")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<50 { group.addTask { try await store.append([key: 2]) } }
            group.addTask { try await store.append([old: 1]) }
            try await group.waitForAll()
        }
        // The writer also prunes after its first commit, so the old day may already be gone here.
        try store.prune()
        let totals = try EventStore.totals(path: path, journey: "j", from: nil, until: nil)
        #expect(totals.totals == [EventTotal(journey: "j", rule: "r", variant: "", type: "impression", count: 100)])
        #expect(try EventStore.integrityCheck(path: path) == "ok")
    }
}
