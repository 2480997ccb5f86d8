public import DuwtjeReport
public import DuwtjeRules
public import DuwtjeWire
public import Foundation
public import ServiceLifecycle

/// Everything the daemon keeps beyond one request, behind one seam: feedback counts, nudge caps,
/// the report's totals and (for a shared engine) the cluster's nodes.
///
/// The server sees only `any Store`; ``SQLiteStore`` (embedded, one server) and ``PostgresStore``
/// (shared by several servers) conform. Rules every engine keeps:
/// - ``append(_:)`` returns only once the counts are durable (committed, and for SQLite fsynced):
///   the daemon answers 202 after it, so nothing acknowledged can be lost by a crash.
/// - ``status()`` and ``caps`` never wait for a commit: status reads values kept in memory, and
///   admissions never queue behind an fsync.
/// - Blocking work (SQLite, file I/O) runs on the `NIOThreadPool` the daemon gives the store,
///   never on an event loop or Swift's cooperative pool.
public protocol Store: Sendable {
    /// Where nudge showings are checked and counted (``Answer/admitNudge(for:caps:)``).
    var caps: any CapStore { get }
    /// Aggregates older than this many days are deleted; batches may not reach further back.
    var retentionDays: Int { get }
    /// Work that must run as long as the daemon does (a connection pool, the flusher, a heartbeat):
    /// the daemon runs these in its service group, before the HTTP server, so that they stop after it.
    var services: [any Service] { get }

    /// Stores a batch's counts; returns once they are durable.
    /// - Throws: ``StoreError`` when they could not be stored; then nothing of the batch counts,
    ///   and ``StoreError/retryAfter`` says when a retry may succeed.
    /// `dismissals` (the batch's `dismiss` events naming a visitor) apply once the batch is durable.
    /// `receipt` (a batch with an idempotency key) is remembered in the same commit as the counts,
    /// for ``BatchReceipt/keptFor``, by every server sharing the store; a batch repeating a remembered
    /// key counts nothing and is told so in the outcome, only once the batch it repeats is durable.
    @discardableResult
    func append(_ counts: [EventCountKey: Int], dismissals: [EventBatch.Dismissal], ruleSet: RuleSet,
                receipt: BatchReceipt?) async throws(StoreError) -> BatchReceipt.Outcome

    /// Sums the counts per journey, rule, variant and type over the days `from`…`until`
    /// (inclusive, `yyyy-MM-dd`, nil for open).
    func totals(journey: String?, from: String?, until: String?) async throws(StoreError) -> StoreTotals

    /// The store as `/v1/status` shows it, from memory: never waits for the database.
    func status() -> StoreStatus

    /// Tells the store which rule set this node serves since when (after start and each reload),
    /// so that a shared store can list the cluster's nodes and their versions.
    func serving(ruleSet version: String, loadedAt: Date, capWindow: Int64)

    /// Sets what is told after each commit (its duration and events by type) and whenever the store
    /// turns degraded or healthy again (the daemon's metrics).
    func observe(commits: @escaping @Sendable (Duration, [String: Int]) -> Void,
                 health: @escaping @Sendable (_ degraded: Bool) -> Void)

    /// Writes whatever is pending and closes; called once when the daemon stops.
    func close() async
}

/// What ``Store/totals(journey:from:until:)`` returns: the sums and the first and last day with counts.
public struct StoreTotals: Sendable {
    public var totals: [EventTotal]
    public var days: (first: String, last: String)?

    public init(totals: [EventTotal], days: (first: String, last: String)?) {
        self.totals = totals
        self.days = days
    }
}
