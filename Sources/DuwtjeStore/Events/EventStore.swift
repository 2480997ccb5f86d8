public import DuwtjeWire
public import DuwtjeReport
import CSQLite
public import Foundation
public import NIOPosix
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The durable event store: aggregated counts and the keyed hashes caps need, in one SQLite file.
///
/// **Durability.** WAL mode with `synchronous=FULL`: every commit fsyncs the WAL before it returns,
/// so a batch that was acknowledged survives a process crash *and* a power cut. (`NORMAL` in WAL
/// mode only syncs at checkpoints: it survives a crash, but the last commits may vanish on power
/// loss, which would break the promise "answered only after it is durable".)
///
/// **Group commit.** Callers never touch SQLite. ``append(_:)`` queues a batch and suspends;
/// one writer (at most one drain at a time, on the daemon's `NIOThreadPool` for blocking work, never
/// on an event loop or Swift's cooperative pool, so a slow fsync never takes a thread the
/// recommendations need) takes *everything* queued, commits it in one transaction with one fsync,
/// and then resumes all its waiters. Under load, many batches share one fsync.
///
/// **Status without waiting.** ``status()`` reads only values the writer leaves in memory (the
/// oldest day after each commit and prune) and the files' sizes, never the connection, so it
/// answers while a commit holds the connection through its fsync.
public final class EventStore: Sendable {
    /// The database file.
    public let path: String
    /// Aggregates older than this many days are deleted.
    public let retentionDays: Int
    let timeZone: TimeZone
    private let connection: Mutex<SQLiteConnection>
    /// A read-only connection of its own for the caps' look-ups on the request path: in WAL mode a
    /// reader never waits for the writer's commit (nor its fsync).
    private let reader: Mutex<SQLiteConnection>
    private let pending = Mutex(Pending())
    /// Where the writer and the report's reads run.
    public let threadPool: NIOThreadPool
    /// The oldest day with counts as of the last commit or prune (for ``status()``).
    private let oldestDay: Mutex<String?> = Mutex(nil)
    /// Called inside each commit, before `COMMIT` (tests hold a commit open with it).
    let commitHook: Mutex<(@Sendable () -> Void)?> = Mutex(nil)
    /// Called after each commit with its duration and the events it stored, by type (for metrics).
    private let observer: Mutex<CommitObserver?> = Mutex(nil)
    /// The longest cap window in force, in seconds: hashes of showings older than this are pruned.
    private let capWindow = Mutex(WindowSource { 0 })
    private let lastPrune = Mutex(Date.distantPast)
    /// Told once when the store starts refusing writes for good, and once each time a full disk
    /// starts refusing commits (not for every refused batch: clients retrying would flood the log).
    private let failureObserver: Mutex<FailureObserver?> = Mutex(nil)

    // The closures are kept in `Mutex`es inside small structs, never as bare function types: reading a
    // bare closure out with `withLock { $0 }` (an `inout` access through the generic `Mutex`) wrote a
    // re-abstracted copy back each time, so every read added a thunk around the last one. The chain
    // grew by one per commit and per cap look-up, until one look-up took milliseconds of CPU
    // (found by scripts/cap-memory.py: 44,000 visitors in, 4 ms of CPU a request, 80% in the thunks).
    struct CommitObserver: Sendable { let call: @Sendable (Duration, [String: Int]) -> Void }
    struct FailureObserver: Sendable { let call: @Sendable (StoreError, _ lasting: Bool) -> Void }
    struct WindowSource: Sendable { let read: @Sendable () -> Int64 }

    struct Waiter {
        var counts: [EventCountKey: Int]
        var dismissals: [Dismissal]
        /// The batch's key, remembered in the same commit as its counts.
        var receipt: BatchReceipt?
        /// When the batch arrived (Unix seconds): its key is remembered from then.
        var now: Double
        var continuation: CheckedContinuation<BatchReceipt.Outcome, any Error>
    }

    /// A visitor (its keyed hash) closed a nudge until a time (Unix seconds).
    public struct Dismissal: Sendable, Equatable {
        public var visitor: [UInt8]
        public var nudge: String
        public var until: Double

        public init(visitor: [UInt8], nudge: String, until: Double) {
            self.visitor = visitor
            self.nudge = nudge
            self.until = until
        }
    }

    struct Showing {
        var visitor: [UInt8]
        var nudge: String
        var at: Double
    }

    struct Pending {
        var waiters: [Waiter] = []
        var showings: [Showing] = []
        /// The showings of the commit under way: no longer queued, not yet in the file.
        var committing: [Showing] = []
        var draining = false
        /// Set while commits fail for a full disk; cleared by the next good one.
        var diskFull = false
        /// Set after a failed commit: the store refuses further writes (see ``fail(_:)``).
        var failure: StoreError?
    }

    /// 1: counts, showings, dismissals; 2: `batch_keys` (created on open when missing, so a file of
    /// version 1 is migrated by opening it).
    static let schemaVersion = 2

    /// Opens (creating when missing) the store at `path`, in WAL mode with full syncs.
    public init(path: String, retentionDays: Int, timeZone: TimeZone,
                threadPool: NIOThreadPool = .singleton) throws(StoreError) {
        self.path = path
        self.threadPool = threadPool
        self.retentionDays = retentionDays
        self.timeZone = timeZone
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try Self.createPrivateDirectory(directory, for: path)
        try Self.createPrivateFile(path)
        let database = try SQLiteConnection(path: path, readOnly: false)
        try database.execute("PRAGMA journal_mode=WAL")
        try database.execute("PRAGMA synchronous=FULL")
        try database.execute("""
            CREATE TABLE IF NOT EXISTS event_counts (
              day TEXT NOT NULL, journey TEXT NOT NULL, rule TEXT NOT NULL, variant TEXT NOT NULL,
              stage TEXT NOT NULL, persona TEXT NOT NULL, item_kind TEXT NOT NULL, item TEXT NOT NULL,
              type TEXT NOT NULL, count INTEGER NOT NULL,
              PRIMARY KEY (day, journey, rule, variant, stage, persona, item_kind, item, type)
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS cap_showings (visitor BLOB NOT NULL, nudge TEXT NOT NULL, at REAL NOT NULL);
            CREATE INDEX IF NOT EXISTS cap_showings_at ON cap_showings (at);
            CREATE INDEX IF NOT EXISTS cap_showings_visitor ON cap_showings (visitor, at);
            CREATE TABLE IF NOT EXISTS dismissals (visitor BLOB NOT NULL, nudge TEXT NOT NULL, until REAL NOT NULL,
              PRIMARY KEY (visitor, nudge)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS batch_keys (key TEXT PRIMARY KEY, digest BLOB NOT NULL, answer BLOB NOT NULL,
              at REAL NOT NULL) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS batch_keys_at ON batch_keys (at);
            PRAGMA user_version = \(Self.schemaVersion);
            """)
        let oldest = try database.rows("SELECT MIN(day) FROM event_counts").first?.first ?? nil
        oldestDay.withLock { $0 = oldest }
        connection = Mutex(database)
        reader = Mutex(try SQLiteConnection(path: path, readOnly: true))
    }

    /// Sets what is told about each commit (the daemon's metrics).
    public func observe(_ body: @escaping @Sendable (Duration, [String: Int]) -> Void) {
        observer.withLock { $0 = CommitObserver(call: body) }
    }

    /// Sets what is told when commits start failing (the daemon's log).
    public func observeFailures(_ body: @escaping @Sendable (StoreError, _ lasting: Bool) -> Void) {
        failureObserver.withLock { $0 = FailureObserver(call: body) }
    }

    /// Sets where the longest cap window in force is read (it changes with reloads).
    public func capWindow(_ body: @escaping @Sendable () -> Int64) {
        capWindow.withLock { $0 = WindowSource(read: body) }
    }

    /// Stores a batch's counts and the dismissals it carries; returns once they are committed and
    /// fsynced, in one transaction.
    ///
    /// - Parameters:
    ///   - receipt: the batch's idempotency key: remembered in the same transaction, so that a
    ///     batch repeated under it within ``BatchReceipt/keptFor`` of `now` counts nothing.
    /// - Returns: whether the batch was counted, or repeats one that was (``BatchReceipt/Outcome``).
    /// - Throws: ``StoreError`` when the commit failed; then nothing of the batch is stored.
    @discardableResult
    public func append(_ counts: [EventCountKey: Int], dismissals: [Dismissal] = [], receipt: BatchReceipt? = nil,
                       now: Date = Date()) async throws(StoreError) -> BatchReceipt.Outcome {
        do {
            return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<BatchReceipt.Outcome, any Error>) in
                let (schedule, failure) = pending.withLock { pending -> (Bool, StoreError?) in
                    if let failure = pending.failure { return (false, failure) }
                    pending.waiters.append(Waiter(counts: counts, dismissals: dismissals, receipt: receipt,
                                                  now: now.timeIntervalSince1970, continuation: continuation))
                    if pending.draining { return (false, nil) }
                    pending.draining = true
                    return (true, nil)
                }
                if let failure {
                    continuation.resume(throwing: failure)
                } else if schedule {
                    startDrain()
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(path: path, message: "\(error)")
        }
    }

    /// Records one nudge showing for caps (a keyed hash of the visitor, never the id); written with
    /// the next group commit, without waiting for it.
    func recordShowing(visitor: [UInt8], nudge: String, at: Double) {
        let schedule = pending.withLock { pending -> Bool in
            guard pending.failure == nil else { return false }
            pending.showings.append(Showing(visitor: visitor, nudge: nudge, at: at))
            if pending.draining { return false }
            pending.draining = true
            return true
        }
        if schedule { startDrain() }
    }

    /// Waits until everything queued so far is committed (for a clean stop): an empty batch rides
    /// the next group commit, which takes everything queued before it.
    /// Commits what is queued, then closes the database, so that a stopped daemon leaves one file
    /// and no `-wal`/`-shm` (which `duwtje report` then opens without creating anything). Writes
    /// after it are refused.
    public func closeDatabase() async {
        await flush()
        pending.withLock { pending in
            if pending.failure == nil { pending.failure = StoreError(path: path, message: "the store is closed: the daemon is stopping") }
        }
        connection.withLock { $0.close() }
    }

    public func flush() async {
        _ = try? await append([:])
    }

    /// Runs the writer on the thread pool (the caller has set `draining`, so only one runs).
    private func startDrain() {
        // A stopped pool hands the work back as cancelled; the commit must still happen.
        threadPool.submit { _ in self.drain() }
    }

    /// The writer: commits everything queued in one transaction, resumes its waiters, and goes on
    /// while more has arrived in the meantime. A batch repeating a key of a batch still being
    /// committed is queued behind that commit, so it finds the key in the file (or, when that commit
    /// failed, is the first with it); one repeating a key of its own group is decided with it.
    private func drain() {
        while true {
            let (waiters, showings) = pending.withLock { pending -> ([Waiter], [Showing]) in
                let taken = (pending.waiters, pending.showings)
                pending.waiters = []
                pending.showings = []
                pending.committing = taken.1
                if taken.0.isEmpty && taken.1.isEmpty { pending.draining = false }
                return taken
            }
            if waiters.isEmpty && showings.isEmpty { return }
            let started = ContinuousClock.now
            let outcomes: [BatchReceipt.Outcome]
            let merged: [EventCountKey: Int]
            do {
                defer { pending.withLock { $0.committing = [] } }
                (outcomes, merged) = try commit(waiters, showings)
            } catch let error where error.isDiskFull {
                // The transaction was rolled back before anything reached an fsync: refuse only this
                // group (503, so clients retry) and try the next one, so writing resumes by itself
                // when space returns. The showings of this group are lost (at worst one nudge over
                // its cap for those visitors).
                let first = pending.withLock { pending in
                    defer { pending.diskFull = true }
                    return !pending.diskFull
                }
                if first, let observer = failureObserver.withLock({ $0 }) { observer.call(error, false) }
                for waiter in waiters { waiter.continuation.resume(throwing: error) }
                continue
            } catch {
                fail(error)
                for waiter in waiters { waiter.continuation.resume(throwing: error) }
                return
            }
            let duration = ContinuousClock.now - started
            if let earliest = merged.keys.map(\.day).min() {
                oldestDay.withLock { oldest in
                    if let current = oldest, current <= earliest { return }
                    oldest = earliest
                }
            }
            pending.withLock { $0.diskFull = false }
            for (waiter, outcome) in zip(waiters, outcomes) { waiter.continuation.resume(returning: outcome) }
            var byType: [String: Int] = [:]
            for (key, count) in merged { byType[key.type, default: 0] += count }
            if let observer = observer.withLock({ $0 }) { observer.call(duration, byType) }
            pruneIfDue()
        }
    }

    /// After a failed commit (an I/O error, an fsync error, the file deleted or replaced; not a full
    /// disk, see ``drain()``) nothing more is acknowledged: a retried fsync may falsely succeed after
    /// the kernel dropped dirty pages ("fsyncgate"), so the store stays failed until the daemon is
    /// restarted and SQLite recovers from the WAL.
    private func fail(_ error: StoreError) {
        pending.withLock { pending in
            pending.failure = error
            pending.draining = false
        }
        let stranded = pending.withLock { pending -> [Waiter] in
            let taken = pending.waiters
            pending.waiters = []
            return taken
        }
        for waiter in stranded { waiter.continuation.resume(throwing: error) }
        if let observer = failureObserver.withLock({ $0 }) { observer.call(error, true) }
    }

    /// How many batches wait for the next commit (tests wait for a batch to be queued).
    var queuedBatches: Int { pending.withLock { $0.waiters.count } }

    /// Why the store refuses writes, if it does.
    public var failure: StoreError? { pending.withLock { $0.failure } }

    /// One transaction: decides each batch's key (``BatchReceipt/outcomes(of:remembered:)``), then
    /// writes the counts and dismissals of those that count, their keys, and the showings. Returns
    /// each batch's outcome and the counts written.
    private func commit(_ waiters: [Waiter], _ showings: [Showing]) throws(StoreError)
        -> (outcomes: [BatchReceipt.Outcome], counts: [EventCountKey: Int]) {
        try connection.withLock { (database: inout SQLiteConnection) throws(StoreError) in
            defer { database.resetCached() }
            try database.execute("BEGIN IMMEDIATE")
            do throws(StoreError) {
                let keyed = waiters.filter { $0.receipt != nil }
                var outcomes = [BatchReceipt.Outcome](repeating: .stored, count: waiters.count)
                if !keyed.isEmpty {
                    // Expired keys go in the commit that adds new ones, so they cannot outlive their use.
                    let cutoff = (keyed.map(\.now).max() ?? 0) - BatchReceipt.keptFor
                    try database.cached("DELETE FROM batch_keys WHERE at <= ?").run([.real(cutoff)])
                    let lookup = try database.cached("SELECT digest, answer FROM batch_keys WHERE key = ?")
                    outcomes = try BatchReceipt.outcomes(of: waiters.map(\.receipt)) { (key: String) throws(StoreError) in
                        try lookup.bind([.text(key)])
                        return try lookup.step() ? (digest: lookup.blob(0), answer: lookup.blob(1)) : nil
                    }
                }
                var counts: [EventCountKey: Int] = [:]
                var dismissals: [Dismissal] = []
                let remember = keyed.isEmpty ? nil
                    : try database.cached("INSERT OR REPLACE INTO batch_keys (key, digest, answer, at) VALUES (?, ?, ?, ?)")
                for (waiter, outcome) in zip(waiters, outcomes) where outcome == .stored {
                    for (key, count) in waiter.counts { counts[key, default: 0] += count }
                    dismissals += waiter.dismissals
                    if let receipt = waiter.receipt, let remember {
                        try remember.run([.text(receipt.key), .blob(receipt.digest), .blob(receipt.answer), .real(waiter.now)])
                    }
                }
                if !counts.isEmpty {
                    let upsert = try database.cached("""
                        INSERT INTO event_counts (day, journey, rule, variant, stage, persona, item_kind, item, type, count)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT DO UPDATE SET count = count + excluded.count
                        """)
                    for (key, count) in counts {
                        try upsert.run([.text(key.day), .text(key.journey), .text(key.rule), .text(key.variant), .text(key.stage),
                                        .text(key.persona), .text(key.itemKind), .text(key.item), .text(key.type),
                                        .integer(Int64(count))])
                    }
                }
                if !showings.isEmpty {
                    let insert = try database.cached("INSERT INTO cap_showings (visitor, nudge, at) VALUES (?, ?, ?)")
                    for showing in showings {
                        try insert.run([.blob(showing.visitor), .text(showing.nudge), .real(showing.at)])
                    }
                }
                if !dismissals.isEmpty {
                    // A later dismissal of the same nudge extends it; an earlier one never shortens it.
                    let upsert = try database.cached("""
                        INSERT INTO dismissals (visitor, nudge, until) VALUES (?, ?, ?)
                        ON CONFLICT DO UPDATE SET until = max(until, excluded.until)
                        """)
                    for dismissal in dismissals {
                        try upsert.run([.blob(dismissal.visitor), .text(dismissal.nudge), .real(dismissal.until)])
                    }
                }
                commitHook.withLock { $0 }?()
                database.resetCached()  // no statement left part-way through its rows at the commit
                try database.execute("COMMIT")
                // Committed into a file that is no longer at the path is committed into nothing a
                // restart would find: not acknowledged (see ``fail(_:)``).
                if database.hasMoved {
                    Self.removeOwnSidecars(of: path)
                    throw StoreError(path: path, message: "the database file was deleted or replaced while the daemon had it open; nothing more is written to it; restart the daemon to open what is at the path now",
                                     code: StoreError.movedCode)
                }
                return (outcomes, counts)
            } catch {
                try? database.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Deletes aggregates past the retention and cap hashes past the longest cap window, at most
    /// once an hour (and at start).
    private func pruneIfDue(now: Date = Date()) {
        let due = lastPrune.withLock { last -> Bool in
            guard now.timeIntervalSince(last) >= 3_600 else { return false }
            last = now
            return true
        }
        if due { try? prune(now: now) }
    }

    /// Deletes what is past keeping: aggregates older than the retention, showings older than the
    /// longest cap window in force, dismissals that have ended, batch keys past ``BatchReceipt/keptFor``.
    public func prune(now: Date = Date()) throws(StoreError) {
        let cutoffDay = EventCountKey.day(of: now.addingTimeInterval(-Double(retentionDays) * 86_400), in: timeZone)
        let window = capWindow.withLock { $0 }.read()
        try connection.withLock { (database: inout SQLiteConnection) throws(StoreError) in
            let counts = try database.prepare("DELETE FROM event_counts WHERE day < ?")
            try counts.run([.text(cutoffDay)])
            let showings = try database.prepare("DELETE FROM cap_showings WHERE at <= ?")
            try showings.run([.real(now.timeIntervalSince1970 - Double(window))])
            let oldest = try database.rows("SELECT MIN(day) FROM event_counts").first?.first ?? nil
            oldestDay.withLock { $0 = oldest }
            let dismissals = try database.prepare("DELETE FROM dismissals WHERE until <= ?")
            try dismissals.run([.real(now.timeIntervalSince1970)])
            // Also here, for a store that stopped receiving keyed batches (those prune in their commit).
            let keys = try database.prepare("DELETE FROM batch_keys WHERE at <= ?")
            try keys.run([.real(now.timeIntervalSince1970 - BatchReceipt.keptFor)])
        }
    }

    /// The dismissals that still hold after `since` (Unix seconds), to rebuild them at start.
    func dismissals(holdingAfter since: Double) throws(StoreError) -> [Dismissal] {
        try visitorRows("SELECT visitor, nudge, until FROM dismissals WHERE until > ?", after: since) {
            Dismissal(visitor: $0, nudge: $1, until: $2)
        }
    }

    /// The longest cap window in force, in seconds (as set by ``capWindow(_:)``).
    var longestCapWindow: Int64 { capWindow.withLock { $0 }.read() }

    /// The showings of one visitor (their keyed hash) newer than `since` (Unix seconds), by nudge:
    /// those committed and those still queued or being committed. For a visitor the caps' memory
    /// no longer holds. Read on the reader connection, so it never waits for a commit.
    func showings(of visitor: [UInt8], since: Double) throws(StoreError) -> [String: [Double]] {
        // The unwritten ones first: one that is committed while the file is read is then in one of
        // the two (or both: a time already there is not added twice).
        let unwritten = pending.withLock { $0.committing + $0.showings }
        var result: [String: [Double]] = [:]
        try reader.withLock { (database: inout SQLiteConnection) throws(StoreError) in
            defer { database.resetCached() }
            let query = try database.cached("SELECT nudge, at FROM cap_showings WHERE visitor = ? AND at > ? ORDER BY at")
            try query.bind([.blob(visitor), .real(since)])
            while try query.step() {
                result[query.text(0) ?? "", default: []].append(query.real(1))
            }
        }
        for showing in unwritten where showing.visitor == visitor && showing.at > since {
            if result[showing.nudge]?.contains(showing.at) != true { result[showing.nudge, default: []].append(showing.at) }
        }
        return result
    }

    /// Rows of (visitor hash, nudge, time) selected by `sql` with one time parameter.
    private func visitorRows<Row>(_ sql: String, after since: Double,
                                  _ make: ([UInt8], String, Double) -> Row) throws(StoreError) -> [Row] {
        try connection.withLock { (database: inout SQLiteConnection) throws(StoreError) -> [Row] in
            let query = try database.prepare(sql)
            try query.bind([.real(since)])
            var result: [Row] = []
            while try query.step() {
                result.append(make(query.blob(0), query.text(1) ?? "", query.real(2)))
            }
            return result
        }
    }

    /// The store as `/v1/status` shows it: from memory and `stat`, never from the connection.
    public func status() -> StoreStatus {
        var size = 0
        for suffix in ["", "-wal", "-shm"] {
            var info = stat()
            if stat(path + suffix, &info) == 0 { size += Int(info.st_size) }
        }
        let failure = self.failure
        return StoreStatus(engine: "sqlite", state: failure == nil ? "ok" : "failed", path: path, sizeBytes: size,
                           oldestDay: oldestDay.withLock { $0 }, retentionDays: retentionDays,
                           failure: failure?.description)
    }
}

extension EventStore {
    /// Sums the counts per journey, rule, variant and type over the days `from`…`until` (inclusive,
    /// `yyyy-MM-dd`, nil for open), reading the file at `path` on a connection of its own, so a report
    /// never waits for the writer nor holds it up. Used by the daemon and by `duwtje report`.
    public static func totals(path: String, journey: String?, from: String?, until: String?) throws(StoreError) -> (totals: [EventTotal], days: (first: String, last: String)?) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError(path: path, message: "no such file; start the daemon once, or pass --store with the right path")
        }
        let database = try SQLiteConnection(path: path, readOnly: true)
        var conditions: [String] = []
        var values: [SQLiteValue] = []
        if let journey { conditions.append("journey = ?"); values.append(.text(journey)) }
        if let from { conditions.append("day >= ?"); values.append(.text(from)) }
        if let until { conditions.append("day <= ?"); values.append(.text(until)) }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        try database.execute("BEGIN")
        defer { try? database.execute("COMMIT") }
        let rows = try database.rows("""
            SELECT journey, rule, variant, type, SUM(count) FROM event_counts\(filter)
            GROUP BY journey, rule, variant, type ORDER BY journey, rule, variant, type
            """, values)
        let totals = rows.map { row in
            EventTotal(journey: row[0] ?? "", rule: row[1] ?? "", variant: row[2] ?? "", type: row[3] ?? "",
                       count: Int(row[4] ?? "0") ?? 0)
        }
        let span = try database.rows("SELECT MIN(day), MAX(day) FROM event_counts\(filter)", values).first
        let days = span.flatMap { row -> (String, String)? in
            guard let first = row[0], let last = row[1] else { return nil }
            return (first, last)
        }
        return (totals, days)
    }

    /// `PRAGMA integrity_check` on the file at `path`: "ok", or SQLite's list of problems.
    public static func integrityCheck(path: String) throws(StoreError) -> String {
        let database = try SQLiteConnection(path: path, readOnly: true)
        return try database.rows("PRAGMA integrity_check").compactMap { $0.first ?? nil }.joined(separator: "\n")
    }
}
