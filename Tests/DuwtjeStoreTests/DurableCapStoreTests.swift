import Crypto
import DuwtjeRules
@testable import DuwtjeStore
import Foundation
import Testing

/// The durable caps under a memory bound: a visitor forgotten to make room is read back from the
/// store (committed showings and those still queued), so `caps.max_visitors` never weakens a cap.
@Suite("Durable caps under max visitors")
struct DurableCapStoreTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let week = Cap(max: 1, per: 7 * 86_400)

    @Test("an evicted visitor is read back from the store, before and after the commit, and in a new process")
    func evictedVisitorReadBack() async throws {
        let (path, hasher, directory) = Self.freshStore()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let (store, caps) = try Self.open(path, hasher, maxVisitors: 2, now: start)
            #expect(await caps.admit(visitor: "a", nudge: "n", cap: week, now: start))
            #expect(await caps.admit(visitor: "b", nudge: "n", cap: week, now: start))
            #expect(await caps.admit(visitor: "c", nudge: "n", cap: week, now: start))  // a is forgotten
            #expect(caps.evictions == 1)
            // Read back whether or not a's showing is committed yet (queued ones count too).
            #expect(await !caps.admit(visitor: "a", nudge: "n", cap: week, now: start.addingTimeInterval(1)))
            await store.flush()
            #expect(await !caps.admit(visitor: "b", nudge: "n", cap: week, now: start.addingTimeInterval(2)))
            #expect(await !caps.admit(visitor: "c", nudge: "n", cap: week, now: start.addingTimeInterval(3)))
            #expect(caps.remembered == 2)
            // Another nudge of a read-back visitor is counted on its own.
            #expect(await caps.admit(visitor: "a", nudge: "other", cap: week, now: start.addingTimeInterval(4)))
            await store.flush()
        }
        // A new process with room for one visitor: all three still capped, from the file.
        let (_, caps) = try Self.open(path, hasher, maxVisitors: 1, now: start.addingTimeInterval(10))
        #expect(caps.remembered == 0, "memory starts empty; visitors are read back when they return")
        for visitor in ["a", "b", "c"] {
            #expect(await !caps.admit(visitor: visitor, nudge: "n", cap: week, now: start.addingTimeInterval(20)), "\(visitor)")
        }
        #expect(await !caps.admit(visitor: "a", nudge: "other", cap: week, now: start.addingTimeInterval(20)))
        // A week later the cap allows it again.
        #expect(await caps.admit(visitor: "a", nudge: "n", cap: week, now: start.addingTimeInterval(7 * 86_400 + 1)))
    }

    /// The server finishes an answer on its event loop when the caps answer from memory, and hands
    /// it to a task when they must read the store: the no-wait path must never guess for a visitor
    /// it does not remember, and must count (durably) what it admits.
    @Test("without waiting: a remembered visitor is answered and counted, a forgotten one is left to the store")
    func withoutWaiting() async throws {
        let (path, hasher, directory) = Self.freshStore()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let (store, caps) = try Self.open(path, hasher, maxVisitors: 1, now: start)
            #expect(caps.admitWithoutWaiting(visitor: "a", nudge: "n", cap: week, now: start) == nil, "not in memory: the store decides")
            #expect(caps.remembered == 0, "nothing remembered or counted by a nil")
            #expect(await caps.admit(visitor: "a", nudge: "n", cap: week, now: start))
            #expect(caps.admitWithoutWaiting(visitor: "a", nudge: "other", cap: week, now: start) == true)
            #expect(caps.admitWithoutWaiting(visitor: "a", nudge: "other", cap: week, now: start.addingTimeInterval(1)) == false)
            #expect(await caps.admit(visitor: "b", nudge: "n", cap: week, now: start))  // a is forgotten
            #expect(caps.admitWithoutWaiting(visitor: "a", nudge: "other", cap: week, now: start.addingTimeInterval(2)) == nil)
            #expect(caps.isDismissedWithoutWaiting(visitor: "a", nudge: "n", now: start) == false)
            await store.flush()
        }
        // The showing admitted without waiting was handed to the store: a new process still caps it.
        let (_, caps) = try Self.open(path, hasher, maxVisitors: 4, now: start.addingTimeInterval(10))
        #expect(await !caps.admit(visitor: "a", nudge: "other", cap: week, now: start.addingTimeInterval(20)))
    }

    /// A store path in a new directory (the caller removes it) and a new visitor key.
    static func freshStore() -> (path: String, hasher: VisitorHasher, directory: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dc-" + UUID().uuidString).path
        return (directory + "/d.db", VisitorHasher(key: SymmetricKey(size: .bits256)), directory)
    }

    /// The store at `path` and its durable caps, opened as a daemon process opens them.
    static func open(_ path: String, _ hasher: VisitorHasher, maxVisitors: Int, now: Date) throws -> (EventStore, DurableCapStore) {
        let store = try EventStore(path: path, retentionDays: 400, timeZone: .gmt)
        return (store, try DurableCapStore(store: store, hasher: hasher, maxVisitors: maxVisitors, now: now))
    }
}
