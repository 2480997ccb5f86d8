public import DuwtjeRules
public import DuwtjeWire
public import Foundation
public import NIOPosix
public import ServiceLifecycle
import Synchronization

/// The embedded engine: one SQLite file for counts and cap showings (``EventStore``, WAL, full
/// syncs, group commit) and caps checked in memory and written behind (``DurableCapStore``).
/// Nothing to install; one server.
public final class SQLiteStore: Store {
    public let events: EventStore
    let durableCaps: DurableCapStore
    /// The longest cap window of the rule set being served: showings older than it are pruned.
    private let capWindow: Mutex<Int64>

    /// Opens the file (creating it) and prunes what is past keeping; caps are read from the store
    /// per visitor when first needed (``DurableCapStore``). Blocking: call before serving.
    public init(path: String, secretPath: String, retentionDays: Int, timeZone: TimeZone, maxVisitors: Int,
                capWindow: Int64, threadPool: NIOThreadPool) throws(StoreError) {
        let events = try EventStore(path: path, retentionDays: retentionDays, timeZone: timeZone, threadPool: threadPool)
        let hasher = try VisitorHasher.load(secretAt: secretPath)
        // The first prune keeps the showings of the window in force at start; later ones follow reloads.
        events.capWindow { capWindow }
        try events.prune()
        self.events = events
        self.capWindow = Mutex(capWindow)
        durableCaps = try DurableCapStore(store: events, hasher: hasher, maxVisitors: maxVisitors)
        events.capWindow { [weak self] in self?.capWindow.withLock { $0 } ?? capWindow }
    }

    public var caps: any CapStore { durableCaps }
    public var retentionDays: Int { events.retentionDays }
    public var services: [any Service] { [] }

    /// Dismissals are kept as keyed hashes, committed with the counts, and applied once durable.
    @discardableResult
    public func append(_ counts: [EventCountKey: Int], dismissals: [EventBatch.Dismissal], ruleSet: RuleSet,
                       receipt: BatchReceipt?) async throws(StoreError) -> BatchReceipt.Outcome {
        let records = durableCaps.dismissals(dismissals, in: ruleSet)
        let outcome = try await events.append(counts, dismissals: records, receipt: receipt)
        if outcome == .stored { durableCaps.remember(records) }
        return outcome
    }

    /// Read on a connection of its own, on the thread pool: a report never waits for the writer,
    /// nor holds up an event loop.
    public func totals(journey: String?, from: String?, until: String?) async throws(StoreError) -> StoreTotals {
        let path = events.path
        let result: Result<StoreTotals, StoreError>
        do {
            result = try await events.threadPool.runIfActive { () -> Result<StoreTotals, StoreError> in
                do throws(StoreError) {
                    let (totals, days) = try EventStore.totals(path: path, journey: journey, from: from, until: until)
                    return .success(StoreTotals(totals: totals, days: days))
                } catch {
                    return .failure(error)
                }
            }
        } catch {
            throw StoreError(path: path, message: "the daemon is stopping")
        }
        return try result.get()
    }

    public func status() -> StoreStatus { events.status() }

    public func serving(ruleSet version: String, loadedAt: Date, capWindow: Int64) {
        self.capWindow.withLock { $0 = capWindow }
    }

    public func observe(commits: @escaping @Sendable (Duration, [String: Int]) -> Void,
                        health: @escaping @Sendable (Bool) -> Void) {
        events.observe(commits)
        health(false)
    }

    public func close() async {
        await events.closeDatabase()
    }
}
