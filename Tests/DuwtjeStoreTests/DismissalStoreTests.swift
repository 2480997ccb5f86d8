import Crypto
import DuwtjeRules
@testable import DuwtjeStore
import Foundation
import Testing

/// Dismissals in the SQLite store: committed with the batch, extended never shortened, read back by a
/// new cap store, deleted once ended.
@Suite("Dismissals in the event store")
struct DismissalStoreTests {
    @Test("a later dismissal extends, an earlier one never shortens; a reopened cap store honours them; ended ones are pruned")
    func durable() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ds-" + UUID().uuidString).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/d.db"
        let hasher = VisitorHasher(key: SymmetricKey(size: .bits256))
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        do {
            let store = try EventStore(path: path, retentionDays: 400, timeZone: .gmt)
            let v = hasher.hash("v")
            try await store.append([:], dismissals: [
                EventStore.Dismissal(visitor: v, nudge: "n1", until: start.timeIntervalSince1970 + 100),
                EventStore.Dismissal(visitor: v, nudge: "n2", until: start.timeIntervalSince1970 + 300),
            ])
            try await store.append([:], dismissals: [EventStore.Dismissal(visitor: v, nudge: "n1", until: start.timeIntervalSince1970 + 50)])
            try await store.append([:], dismissals: [EventStore.Dismissal(visitor: v, nudge: "n2", until: start.timeIntervalSince1970 + 400)])
            let kept = try store.dismissals(holdingAfter: start.timeIntervalSince1970).sorted { $0.nudge < $1.nudge }
            #expect(kept.map(\.nudge) == ["n1", "n2"])
            #expect(kept.map(\.until) == [start.timeIntervalSince1970 + 100, start.timeIntervalSince1970 + 400])
        }
        // A new process: the cap store is rebuilt from the file.
        let store = try EventStore(path: path, retentionDays: 400, timeZone: .gmt)
        let caps = try DurableCapStore(store: store, hasher: hasher, maxVisitors: 10, now: start)
        #expect(caps.isDismissed(visitor: "v", nudge: "n1", now: start.addingTimeInterval(99)))
        #expect(!caps.isDismissed(visitor: "v", nudge: "n1", now: start.addingTimeInterval(100)))
        #expect(caps.isDismissed(visitor: "v", nudge: "n2", now: start.addingTimeInterval(399)))
        #expect(!caps.isDismissed(visitor: "w", nudge: "n2", now: start))
        try store.prune(now: start.addingTimeInterval(200))
        #expect(try store.dismissals(holdingAfter: 0).map(\.nudge) == ["n2"])
    }
}
