import DuwtjeRules
@testable import DuwtjeStore
import Foundation
import Testing
import DuwtjeWire
import DuwtjeReport

@Suite("The SQLite event store")
struct EventStoreTests {
    @Test("appended counts add up, concurrent batches share commits, and old days are pruned")
    func store() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("es-" + UUID().uuidString).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/d.db"
        let store = try EventStore(path: path, retentionDays: 10, timeZone: .gmt)
        let key = EventCountKey(day: EventCountKey.day(of: Date(), in: .gmt), journey: "j", stage: "s", persona: "", rule: "r",
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
