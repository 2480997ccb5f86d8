import DuwtjeReport
import DuwtjeRules
@testable import DuwtjeStore
import DuwtjeTestSupport
import DuwtjeWire
import Foundation
import NIOPosix
import Synchronization
import Testing

@Suite("The SQLite event store")
struct EventStoreTests {
    static func key(day: String) -> EventCountKey {
        EventCountKey(day: day, journey: "j", stage: "s", persona: "", rule: "r", variant: "", itemKind: "content", item: "c",
                      type: "impression")
    }

    @Test("appended counts add up, batches that wait for a commit share the next one, and old days are pruned")
    func store() async throws {
        let fixture = try Fixture()
        let path = fixture.directory + "/d.db"
        let pool = heldCommitPool()
        defer { pool.shutdownGracefully { _ in } }
        let store = try EventStore(path: path, retentionDays: 10, timeZone: .gmt, threadPool: pool)
        let today = Self.key(day: EventCountKey.day(of: Date(), in: .gmt))
        // The writer is held inside its first commit's report until the other batches are waiting,
        // so group commit must take them all in the next transaction.
        let gate = CommitGate()
        store.observe { _, _ in gate.committed() }
        let first = Task { try await store.append([Self.key(day: "2000-01-01"): 1]) }
        try await eventually("the first commit is held") { gate.holding }
        let waiting = 50
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<waiting {
                group.addTask {
                    gate.enter()
                    try await store.append([today: 2])
                }
            }
            try await eventually("every batch is waiting") { gate.entered == waiting }
            gate.release()
            try await group.waitForAll()
        }
        _ = try await first.value
        // One held commit, then the 50 waiting batches: in one commit, or a few when a batch was
        // still on its way into the queue at the release; one commit each would be no group commit.
        // The observer is called after the commit's batches are answered: waited for, not assumed.
        try await eventually("the commit after the held one is observed") { gate.commits >= 2 }
        #expect(gate.commits <= 4, "\(gate.commits) commits for 1 + \(waiting) batches")
        // The writer also prunes after its first commit, so the old day may already be gone here.
        try store.prune()
        let totals = try EventStore.totals(path: path, journey: "j", from: nil, until: nil)
        #expect(totals.totals == [EventTotal(journey: "j", rule: "r", variant: "", type: "impression", count: 100)])
        #expect(try EventStore.integrityCheck(path: path) == "ok")
    }

    @Test("the store's directories are created 0700 and its database and secret 0600, whatever the umask allows")
    func privateFiles() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("es-" + UUID().uuidString).path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let path = base + "/state/var/d.db"
        let store = try EventStore(path: path, retentionDays: 10, timeZone: .gmt)
        _ = try VisitorHasher.load(secretAt: path + ".secret")
        func mode(_ path: String) throws -> Int {
            try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        }
        #expect(try [base + "/state", base + "/state/var"].map(mode) == [0o700, 0o700])
        #expect(try [path, path + ".secret"].map(mode) == [0o600, 0o600])
        // SQLite gives its write-ahead log the database's mode (the log exists while the store is open).
        let log = try mode(path + "-wal")
        #expect(log == 0o600)
        withExtendedLifetime(store) {}
        // A directory that already exists keeps its mode: the store only narrows what it creates.
        let shared = base + "/shared"
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o755])
        _ = try EventStore(path: shared + "/d.db", retentionDays: 10, timeZone: .gmt)
        #expect(try mode(shared) == 0o755)
    }
}

/// Counts commits and holds the writer inside the first one's report until released.
final class CommitGate: Sendable {
    private let state = Mutex((commits: 0, holding: false, entered: 0))
    private let semaphore = DispatchSemaphore(value: 0)

    var commits: Int { state.withLock { $0.commits } }
    var holding: Bool { state.withLock { $0.holding } }
    /// How many batches are on their way to `append`.
    var entered: Int { state.withLock { $0.entered } }

    func enter() { state.withLock { $0.entered += 1 } }

    /// Called on the store's writer after each commit.
    func committed() {
        let first = state.withLock { state -> Bool in
            state.commits += 1
            if state.commits == 1 { state.holding = true }
            return state.commits == 1
        }
        if first { semaphore.wait() }
    }

    func release() { semaphore.signal() }
}
