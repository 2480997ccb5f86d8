import DuwtjeReport
@testable import DuwtjeStore
import DuwtjeTestSupport
import DuwtjeWire
import Foundation
import NIOPosix
import Synchronization
import Testing

/// Idempotency keys in the SQLite store: remembered in the commit that stores the batch's counts,
/// so that a repeated batch counts nothing (docs/api.md, "Decision: `POST /v1/events`").
@Suite("Batch keys in the SQLite store")
struct BatchKeyStoreTests {
    static let cell = EventCountKey(day: "2026-11-20", journey: "j", stage: "s", persona: "", rule: "r", variant: "",
                                    itemKind: "content", item: "c", type: "impression")

    static func receipt(_ key: String, events: UInt8 = 1, answer: String = "first") -> BatchReceipt {
        BatchReceipt(key: key, digest: Array(repeating: events, count: 32), answer: Array(answer.utf8))
    }

    static func stored(_ path: String) throws -> Int {
        try EventStore.totals(path: path, journey: "j", from: nil, until: nil).totals.first?.count ?? 0
    }

    @Test("kept statements leave no read open: after keyed commits and a cap read, another connection checkpoints the whole WAL")
    func checkpointAfterKeptStatements() async throws {
        let fixture = try Fixture()
        let path = fixture.directory + "/d.db"
        let store = try EventStore(path: path, retentionDays: 10_000, timeZone: .gmt)
        let start = Date()
        for round in 0..<3 {
            // A repeat of a known key steps the key lookup once and leaves its rows unread.
            #expect(try await store.append([Self.cell: 1], receipt: Self.receipt("k"), now: start + Double(round)) != .keyReused)
            store.recordShowing(visitor: [1, 2, 3], nudge: "n", at: start.timeIntervalSince1970 + Double(round))
            _ = try store.showings(of: [1, 2, 3], since: 0)
        }
        let other = try SQLiteConnection(path: path, readOnly: false)
        let result = try other.rows("PRAGMA wal_checkpoint(TRUNCATE)")
        // busy, pages in the WAL, pages checkpointed: 0 when no reader holds a snapshot.
        #expect(result.first?.first == "0", "wal_checkpoint answered \(result)")
        other.close()
        await store.closeDatabase()
    }

    @Test("a repeated key counts once and gets the first answer; other events under it are refused; after 24 hours it is new; a reopened store still knows it")
    func repeatedKey() async throws {
        let fixture = try Fixture()
        let path = fixture.directory + "/d.db"
        let start = Date()
        var store: EventStore? = try EventStore(path: path, retentionDays: 10_000, timeZone: .gmt)
        #expect(try await store?.append([Self.cell: 3], receipt: Self.receipt("k"), now: start) == .stored)
        #expect(try await store?.append([Self.cell: 3], receipt: Self.receipt("k", answer: "second"), now: start + 60)
            == .replayed(answer: Array("first".utf8)))
        #expect(try await store?.append([Self.cell: 3], receipt: Self.receipt("k", events: 2), now: start + 60) == .keyReused)
        #expect(try await store?.append([Self.cell: 3], receipt: Self.receipt("other"), now: start + 60) == .stored)
        #expect(try Self.stored(path) == 6)

        // Reopened (as after a restart): the keys are in the file, not in memory.
        await store?.closeDatabase()
        store = try EventStore(path: path, retentionDays: 10_000, timeZone: .gmt)
        #expect(try await store?.append([Self.cell: 3], receipt: Self.receipt("k"), now: start + BatchReceipt.keptFor - 1)
            == .replayed(answer: Array("first".utf8)))
        #expect(try Self.stored(path) == 6)
        // A day later the key is forgotten (pruned in this very commit) and the batch is a new one.
        #expect(try await store?.append([Self.cell: 3], receipt: Self.receipt("k", answer: "later"), now: start + BatchReceipt.keptFor)
            == .stored)
        #expect(try Self.stored(path) == 9)
        #expect(try await store?.append([Self.cell: 3], receipt: Self.receipt("k"), now: start + BatchReceipt.keptFor + 1)
            == .replayed(answer: Array("later".utf8)))
        await store?.closeDatabase()
        #expect(try EventStore.integrityCheck(path: path) == "ok")
    }

    @Test("a repeat queued while its first batch is still being committed waits for that commit and counts nothing; repeats within one commit are decided in order")
    func repeatDuringCommit() async throws {
        let fixture = try Fixture()
        let path = fixture.directory + "/d.db"
        let pool = heldCommitPool()
        defer { pool.shutdownGracefully { _ in } }
        let store = try EventStore(path: path, retentionDays: 10_000, timeZone: .gmt, threadPool: pool)
        let hold = CommitHold()
        store.commitHook.withLock { $0 = { hold.enterCommit() } }
        let finished = Finished()

        // The first batch is inside its transaction, not committed, when its repeat arrives.
        hold.arm()
        let first = Task {
            defer { finished.add("first") }
            return try await store.append([Self.cell: 3], receipt: Self.receipt("k"))
        }
        try await eventually("the first commit is held") { hold.entered == 1 }
        let repeated = Task {
            defer { finished.add("repeat") }
            return try await store.append([Self.cell: 3], receipt: Self.receipt("k", answer: "second"))
        }
        try await eventually("the repeat is queued") { store.queuedBatches == 1 }
        // Queued behind the held commit, the repeat cannot have been answered.
        #expect(finished.order.isEmpty)
        hold.release()
        #expect(try await first.value == .stored)
        #expect(try await repeated.value == .replayed(answer: Array("first".utf8)))
        #expect(finished.order == ["first", "repeat"])
        #expect(try Self.stored(path) == 3)

        // Three batches with one key in one commit: queued one by one behind a held commit, so their
        // order is known. The first counts; the same events again are a repeat of it, others are refused.
        hold.arm()
        let blocker = Task { try await store.append([:], receipt: Self.receipt("blocker")) }
        try await eventually("the blocking commit is held") { hold.entered == 3 }
        var group: [Task<BatchReceipt.Outcome, any Error>] = []
        for (index, events) in [UInt8(7), 8, 7].enumerated() {
            group.append(Task { try await store.append([Self.cell: 1], receipt: Self.receipt("g", events: events, answer: "g\(index)")) })
            try await eventually("batch \(index) is queued") { store.queuedBatches == index + 1 }
        }
        hold.release()
        _ = try await blocker.value
        var outcomes: [BatchReceipt.Outcome] = []
        for task in group { outcomes.append(try await task.value) }
        #expect(outcomes == [.stored, .keyReused, .replayed(answer: Array("g0".utf8))])
        #expect(try Self.stored(path) == 4)
        #expect(hold.entered == 4, "the three batches shared one commit")
        await store.closeDatabase()
    }
}

/// Holds the store's writer inside a commit, before `COMMIT`, until released: the next commit
/// after each ``arm()``; other commits pass.
final class CommitHold: Sendable {
    private let state = Mutex((entered: 0, armed: 0))
    private let semaphore = DispatchSemaphore(value: 0)

    /// How many commits have been entered.
    var entered: Int { state.withLock { $0.entered } }

    func arm() { state.withLock { $0.armed += 1 } }

    func enterCommit() {
        let hold = state.withLock { state -> Bool in
            state.entered += 1
            guard state.armed > 0 else { return false }
            state.armed -= 1
            return true
        }
        if hold { semaphore.wait() }
    }

    func release() { semaphore.signal() }
}

/// The order in which tasks finished.
final class Finished: Sendable {
    private let names = Mutex<[String]>([])
    var order: [String] { names.withLock { $0 } }
    func add(_ name: String) { names.withLock { $0.append(name) } }
}
