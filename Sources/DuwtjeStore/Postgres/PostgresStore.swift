public import DuwtjeRules
public import DuwtjeWire
import DuwtjeReport
public import Foundation
public import Logging
import PostgresNIO
public import ServiceLifecycle
import Synchronization

/// The shared engine: several servers, one PostgreSQL database for caps, campaign counts and the
/// cluster's nodes (docs/api.md, "Decision: PostgreSQL").
///
/// - **Caps**: ``PostgresCapStore`` (one atomic upsert per admission).
/// - **Events**: counts are summed in memory and written as one multi-row upsert at most every
///   `flushInterval` (and at shutdown); ``append(_:)`` returns only once the flush that carries
///   its counts has committed, so 202 is never given for what a crash could lose (group commit).
/// - **Nodes**: a heartbeat records this node's name, rule-set version and load time, and reads the
///   live nodes for `/v1/status`.
/// - **Outage**: the store turns degraded (one log line per change, ``StoreStatus/state``, a
///   metric): caps from this server's memory, events refused with a retryable error (503 with
///   `Retry-After`); the heartbeat probes with backoff and everything resumes by itself.
public final class PostgresStore: Store {
    public struct Settings: Sendable {
        public var location: PostgresLocation
        public var pool: Int
        public var flushInterval: Duration
        public var node: String
        public var retentionDays: Int
        public var maxVisitors: Int
        public var timeZone: TimeZone
        /// How often the node records its heartbeat; a node without one for 5 × this is not live.
        public var heartbeat: Duration = .seconds(2)
        /// The longest an admission waits for the database before using memory.
        public var admissionTimeout: Duration = .milliseconds(250)

        public init(location: PostgresLocation, pool: Int, flushInterval: Duration, node: String, retentionDays: Int,
                    maxVisitors: Int, timeZone: TimeZone) {
            self.location = location
            self.pool = pool
            self.flushInterval = flushInterval
            self.node = node
            self.retentionDays = retentionDays
            self.maxVisitors = maxVisitors
            self.timeZone = timeZone
        }
    }

    /// What one `POST /v1/events` brings to a group commit.
    struct Batch: Sendable {
        var counts: [EventCountKey: Int]
        var dismissals: [EventStore.Dismissal]
        var receipt: BatchReceipt?
    }

    struct Waiter {
        var batch: Batch
        var continuation: CheckedContinuation<BatchReceipt.Outcome, any Error>
    }

    struct Pending {
        var waiters: [Waiter] = []
        var closed = false
    }

    struct Serving {
        var version = ""
        var loadedAt = Date()
        var capWindow: Int64 = 0
    }

    struct Cached {
        var nodes: [ClusterNode] = []
        var oldestDay: String?
    }

    public let settings: Settings
    let client: PostgresClient
    let hasher: VisitorHasher
    let health: PostgresHealth
    let capStore: PostgresCapStore
    let logger: Logger
    private let pending = Mutex(Pending())
    private let serving = Mutex(Serving())
    private let cached = Mutex(Cached())
    private let commitObserver: Mutex<(@Sendable (Duration, [String: Int]) -> Void)?> = Mutex(nil)
    private let wake: AsyncStream<Void>
    private let wakeUp: AsyncStream<Void>.Continuation

    init(settings: Settings, hasher: VisitorHasher, logger: Logger) throws(StoreError) {
        self.settings = settings
        self.hasher = hasher
        self.logger = logger
        client = PostgresClient(configuration: try settings.location.clientConfiguration(pool: settings.pool),
                                backgroundLogger: Logger(label: "duwtje.postgres", factory: { _ in SwiftLogNoOpLogHandler() }))
        health = PostgresHealth(logger: logger)
        capStore = PostgresCapStore(client: client, hasher: hasher, memory: MemoryCapStore(maxVisitors: settings.maxVisitors),
                                    health: health, timeout: settings.admissionTimeout)
        (wake, wakeUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Migrates the schema and checks the key, then returns the store. A database that cannot be
    /// reached yet is no reason to refuse: the store starts degraded and prepares itself once the
    /// database answers. A database used with another key, or with a newer schema, is.
    public static func open(_ settings: Settings, hasher: VisitorHasher, logger: Logger) async throws(StoreError) -> PostgresStore {
        let store = try PostgresStore(settings: settings, hasher: hasher, logger: logger)
        do {
            _ = try await PostgresSchema.prepare(settings.location, hasher: hasher, logger: logger)
            store.health.state.withLock { $0.prepared = true }
        } catch where error.retryAfter != nil {
            store.health.markDegraded(error.message)
        }
        return store
    }

    public var caps: any CapStore { capStore }
    public var retentionDays: Int { settings.retentionDays }
    /// The connection pool first, so that it stops last: the flusher's final write needs it.
    public var services: [any Service] { [client, Runner(store: self)] }

    private var redacted: String { settings.location.redacted }

    public func observe(commits: @escaping @Sendable (Duration, [String: Int]) -> Void,
                        health: @escaping @Sendable (Bool) -> Void) {
        commitObserver.withLock { $0 = commits }
        self.health.observer.withLock { $0 = health }
        health(self.health.isDegraded)
    }

    /// Dismissals are committed in PostgreSQL with the counts, in the same statement, so every
    /// server sees them (``PostgresCapStore/isDismissed(visitor:nudge:now:)``); once committed they
    /// are also kept in this server's memory, for the fallback while degraded.
    @discardableResult
    public func append(_ counts: [EventCountKey: Int], dismissals: [EventBatch.Dismissal], ruleSet: RuleSet,
                       receipt: BatchReceipt?) async throws(StoreError) -> BatchReceipt.Outcome {
        let records = hasher.dismissals(dismissals, in: ruleSet)
        let outcome = try await append(counts, dismissals: records, receipt: receipt)
        guard outcome == .stored else { return outcome }
        for record in records {
            capStore.memory.dismiss(visitor: Hex.string(record.visitor), nudge: record.nudge,
                                    until: Date(timeIntervalSince1970: record.until))
        }
        return outcome
    }

    @discardableResult
    func append(_ counts: [EventCountKey: Int], dismissals: [EventStore.Dismissal] = [],
                receipt: BatchReceipt? = nil) async throws(StoreError) -> BatchReceipt.Outcome {
        if let reason = health.state.withLock({ $0.degradedSince == nil ? nil : ($0.keyMismatch ?? $0.reason ?? "unreachable") }) {
            throw StoreError(path: redacted, message: "PostgreSQL is unavailable (\(reason))", retryAfter: 2)
        }
        do {
            return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<BatchReceipt.Outcome, any Error>) in
                let closed = pending.withLock { pending -> Bool in
                    guard !pending.closed else { return true }
                    pending.waiters.append(Waiter(batch: Batch(counts: counts, dismissals: dismissals, receipt: receipt),
                                                  continuation: continuation))
                    return false
                }
                if closed {
                    continuation.resume(throwing: StoreError(path: redacted, message: "the daemon is stopping", retryAfter: 2))
                } else {
                    wakeUp.yield()
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(path: redacted, message: "\(error)", retryAfter: 2)
        }
    }

    /// Waits for work, keeps at least `flushInterval` between flushes, and flushes everything
    /// pending in one statement.
    func flushLoop() async {
        var last = ContinuousClock.now - settings.flushInterval
        for await _ in wake {
            let due = last + settings.flushInterval
            if due > .now { try? await Task.sleep(until: due, clock: .continuous) }
            last = .now
            await flush()
        }
    }

    /// One group commit: every pending batch, merged, in one multi-row upsert (with their keys, in
    /// one transaction: ``commit(_:_:logger:)``).
    func flush(closing: Bool = false) async {
        let waiters = pending.withLock { pending -> [Waiter] in
            let taken = pending.waiters
            pending.waiters = []
            if closing { pending.closed = true }
            return taken
        }
        guard !waiters.isEmpty else { return }
        let started = ContinuousClock.now
        let committed: Committed
        do {
            let (client, logger, batches) = (self.client, self.logger, waiters.map(\.batch))
            // Short enough to answer 503 well within a client's patience when the database vanished mid-commit.
            committed = try await withDeadline(.seconds(2)) { try await Self.commit(batches, client, logger: logger) }
        } catch {
            let reason = PostgresSchema.describe(error)
            health.markDegraded("events: \(reason)")
            let failure = StoreError(path: redacted, message: "the commit failed (\(reason))", retryAfter: 2)
            for waiter in waiters { waiter.continuation.resume(throwing: failure) }
            return
        }
        let duration = ContinuousClock.now - started
        for (waiter, outcome) in zip(waiters, committed.outcomes) { waiter.continuation.resume(returning: outcome) }
        let merged = committed.counts
        var byType: [String: Int] = [:]
        for (key, count) in merged { byType[key.type, default: 0] += count }
        let earliest = merged.keys.map(\.day).min()
        cached.withLock { cached in
            if let earliest, cached.oldestDay.map({ earliest < $0 }) ?? true { cached.oldestDay = earliest }
        }
        commitObserver.withLock { $0 }?(duration, byType)
    }

    /// The counts and the dismissals of the batches that count, merged: one row per cell, and one per
    /// visitor and nudge (one statement may not update a row twice) with the latest end.
    static func merge(_ batches: [Batch], _ outcomes: [BatchReceipt.Outcome]) -> ([EventCountKey: Int], [EventStore.Dismissal]) {
        var merged: [EventCountKey: Int] = [:]
        var closed: [EventStore.Dismissal] = []
        var closedIndex: [String: Int] = [:]
        for (batch, outcome) in zip(batches, outcomes) where outcome == .stored {
            for (key, count) in batch.counts { merged[key, default: 0] += count }
            for dismissal in batch.dismissals {
                let key = Hex.string(dismissal.visitor) + "\u{0}" + dismissal.nudge
                if let index = closedIndex[key] {
                    closed[index].until = max(closed[index].until, dismissal.until)
                } else {
                    closedIndex[key] = closed.count
                    closed.append(dismissal)
                }
            }
        }
        return (merged, closed)
    }

    /// The counts and the dismissals in one statement (a data-modifying `WITH`), so one commit holds both.
    static func upsert(_ counts: [EventCountKey: Int], dismissals: [EventStore.Dismissal]) -> PostgresQuery {
        var columns = [[String]](repeating: [], count: 9)
        var numbers: [Int64] = []
        for (key, count) in counts {
            for (index, value) in [key.day, key.journey, key.rule, key.variant, key.stage, key.persona, key.itemKind, key.item,
                                   key.type].enumerated() {
                columns[index].append(value)
            }
            numbers.append(Int64(count))
        }
        let visitors = dismissals.map { Hex.string($0.visitor) }
        let nudges = dismissals.map(\.nudge)
        let ends = dismissals.map(\.until)
        return """
            WITH closed AS (
              INSERT INTO duwtje_dismissals AS d (visitor, nudge, until)
              SELECT decode(v, 'hex'), n, u FROM unnest(\(visitors)::text[], \(nudges)::text[], \(ends)::float8[]) AS t (v, n, u)
              ON CONFLICT (visitor, nudge) DO UPDATE SET until = GREATEST(d.until, excluded.until))
            INSERT INTO duwtje_event_counts AS e (day, journey, rule, variant, stage, persona, item_kind, item, type, count)
            SELECT * FROM unnest(\(columns[0])::text[], \(columns[1])::text[], \(columns[2])::text[], \(columns[3])::text[],
                                 \(columns[4])::text[], \(columns[5])::text[], \(columns[6])::text[], \(columns[7])::text[],
                                 \(columns[8])::text[], \(numbers)::bigint[])
            ON CONFLICT (day, journey, rule, variant, stage, persona, item_kind, item, type)
            DO UPDATE SET count = e.count + excluded.count
            """
    }

    public func totals(journey: String?, from: String?, until: String?) async throws(StoreError) -> StoreTotals {
        let client = self.client
        do {
            return try await withDeadline(.seconds(10)) {
                try await Self.totals(journey: journey, from: from, until: until) { query in try await client.query(query) }
            }
        } catch {
            throw StoreError(path: redacted, message: "cannot read the counts: \(PostgresSchema.describe(error))", retryAfter: 2)
        }
    }

    /// The totals on a connection of its own, for `duwtje report` (the daemon need not run).
    public static func totals(_ location: PostgresLocation, journey: String?, from: String?, until: String?,
                              logger: Logger) async throws(StoreError) -> StoreTotals {
        do {
            let connection = try await PostgresConnection.connect(configuration: try location.connectionConfiguration(), id: 0,
                                                                  logger: logger)
            defer { Task { try? await connection.close() } }
            return try await totals(journey: journey, from: from, until: until) { query in
                try await connection.query(query, logger: logger)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(path: location.redacted, message: "cannot read the counts: \(PostgresSchema.describe(error))")
        }
    }

    /// The report's two queries, through `run` (a pooled client or one connection).
    static func totals(journey: String?, from: String?, until: String?,
                       run: (PostgresQuery) async throws -> PostgresRowSequence) async throws -> StoreTotals {
        var totals: [EventTotal] = []
        let rows = try await run("""
            SELECT journey, rule, variant, type, SUM(count)::bigint FROM duwtje_event_counts
            WHERE (\(journey)::text IS NULL OR journey = \(journey)) AND (\(from)::text IS NULL OR day >= \(from))
              AND (\(until)::text IS NULL OR day <= \(until))
            GROUP BY journey, rule, variant, type ORDER BY journey, rule, variant, type
            """)
        for try await (journey, rule, variant, type, count) in rows.decode((String, String, String, String, Int64).self) {
            totals.append(EventTotal(journey: journey, rule: rule, variant: variant, type: type, count: Int(count)))
        }
        var days: (first: String, last: String)?
        let span = try await run("""
            SELECT MIN(day), MAX(day) FROM duwtje_event_counts
            WHERE (\(journey)::text IS NULL OR journey = \(journey)) AND (\(from)::text IS NULL OR day >= \(from))
              AND (\(until)::text IS NULL OR day <= \(until))
            """)
        for try await (first, last) in span.decode((String?, String?).self) {
            if let first, let last { days = (first, last) }
        }
        return StoreTotals(totals: totals, days: days)
    }

    public func status() -> StoreStatus {
        let health = self.health.state.withLock { $0 }
        let cached = self.cached.withLock { $0 }
        let nodes = cached.nodes
        return StoreStatus(
            engine: "postgresql", state: health.keyMismatch != nil ? "failed" : (health.degradedSince == nil ? "ok" : "degraded"),
            path: redacted, oldestDay: cached.oldestDay, retentionDays: settings.retentionDays,
            failure: health.keyMismatch ?? health.reason, degradedSince: health.degradedSince.map(Self.time),
            nodes: nodes, versionSkew: Set(nodes.map(\.ruleset)).count > 1)
    }

    public func serving(ruleSet version: String, loadedAt: Date, capWindow: Int64) {
        serving.withLock { $0 = Serving(version: version, loadedAt: loadedAt, capWindow: capWindow) }
    }

    /// The runner writes what is pending at shutdown; nothing is left to do after it.
    public func close() async {}

    static func time(_ date: Date) -> String {
        TimeFormatting.rfc3339(date, milliseconds: true)
    }
}

extension PostgresStore {
    /// The store's own work in the daemon's service group: the flusher and the heartbeat, until a
    /// graceful shutdown; then the last flush, while the connection pool still runs.
    struct Runner: Service {
        let store: PostgresStore

        func run() async throws {
            let store = self.store
            await cancelWhenGracefulShutdown {
                await withDiscardingTaskGroup { group in
                    group.addTask { await store.flushLoop() }
                    group.addTask { await store.maintain() }
                }
            }
            await store.flush(closing: true)
        }
    }

    /// Prepares the schema once the database answers, probes it while degraded (backoff from
    /// 100 ms to 1 s), and otherwise records the heartbeat, reads the live nodes and prunes hourly.
    func maintain() async {
        var backoff = Duration.milliseconds(100)
        var lastPrune = ContinuousClock.now - .seconds(3_600)
        while !Task.isCancelled {
            let (prepared, degraded, mismatch) = health.state.withLock { ($0.prepared, $0.degradedSince != nil, $0.keyMismatch != nil) }
            if mismatch { return }
            do {
                if !prepared {
                    _ = try await PostgresSchema.prepare(settings.location, hasher: hasher, logger: logger)
                    health.state.withLock { $0.prepared = true }
                }
                if degraded {
                    // First a connection of its own, so that the pool is not asked (and does not back off
                    // further) while the database is away; then healthy only once the pool itself answers.
                    try await PostgresSchema.probe(settings.location, logger: logger)
                    let client = self.client
                    try await withDeadline(.seconds(2)) { _ = try await client.query("SELECT 1") }
                }
                health.markHealthy()
                backoff = .milliseconds(100)
                try await heartbeat()
                if ContinuousClock.now - lastPrune >= .seconds(3_600) {
                    lastPrune = .now
                    try await prune()
                }
                try? await Task.sleep(for: settings.heartbeat)
            } catch let error as StoreError where error.retryAfter == nil {
                // The database was used with another key: nothing this server may write there.
                health.state.withLock { $0.keyMismatch = error.message }
                health.markDegraded(error.message)
                logger.critical("store refused: \(error.message)")
                return
            } catch {
                health.markDegraded(PostgresSchema.describe(error))
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(1))
            }
        }
    }

    func heartbeat() async throws {
        let serving = self.serving.withLock { $0 }
        let client = self.client
        let name = settings.node
        let liveFor = settings.heartbeat * 5
        let seconds = Double(liveFor.components.seconds) + Double(liveFor.components.attoseconds) / 1e18
        let (nodes, oldest) = try await withDeadline(.seconds(2)) { () -> ([ClusterNode], String?) in
            try await client.query("""
                INSERT INTO duwtje_nodes (name, ruleset, loaded_at, heartbeat_at) VALUES (\(name), \(serving.version), \(serving.loadedAt), now())
                ON CONFLICT (name) DO UPDATE SET ruleset = excluded.ruleset, loaded_at = excluded.loaded_at, heartbeat_at = now()
                """)
            var rows: [(String, String, Date, Date)] = []
            for try await row in try await client.query("""
                SELECT name, ruleset, loaded_at, heartbeat_at FROM duwtje_nodes
                WHERE heartbeat_at > now() - make_interval(secs => \(seconds)) ORDER BY name
                """).decode((String, String, Date, Date).self) {
                rows.append(row)
            }
            var oldest: String?
            for try await day in try await client.query("SELECT MIN(day) FROM duwtje_event_counts").decode(String?.self) {
                oldest = day
            }
            return (Self.nodes(rows, this: name), oldest)
        }
        cached.withLock {
            $0.nodes = nodes
            $0.oldestDay = oldest
        }
    }

    /// Marks skew: a node is skewed when it serves another version than most live nodes (on a tie,
    /// than this node).
    static func nodes(_ rows: [(String, String, Date, Date)], this name: String) -> [ClusterNode] {
        var votes: [String: Int] = [:]
        for row in rows { votes[row.1, default: 0] += 1 }
        let mine = rows.first { $0.0 == name }?.1
        let top = votes.values.max() ?? 0
        let majority = votes.filter { $0.value == top }.map(\.key)
        let reference = majority.count == 1 ? majority[0] : (mine ?? majority.sorted().first ?? "")
        return rows.map { row in
            ClusterNode(name: row.0, ruleset: row.1, loadedAt: time(row.2), heartbeatAt: time(row.3), skewed: row.1 != reference)
        }
    }

    /// Deletes counts past the retention, cap rows whose last showing is past the longest window,
    /// dismissals that have ended, and batch keys past ``BatchReceipt/keptFor`` (also pruned in the
    /// commits that add keys; here for a database that no longer receives any).
    func prune() async throws {
        let cutoffDay = EventCountKey.day(of: Date().addingTimeInterval(-Double(settings.retentionDays) * 86_400),
                                          in: settings.timeZone)
        let window = serving.withLock { $0.capWindow }
        let before = Date().timeIntervalSince1970 - Double(window)
        let client = self.client
        try await withDeadline(.seconds(30)) { () async throws -> Void in
            try await client.query("DELETE FROM duwtje_event_counts WHERE day < \(cutoffDay)")
            try await client.query("DELETE FROM duwtje_cap_showings WHERE last_at <= \(before)")
            try await client.query("DELETE FROM duwtje_dismissals WHERE until <= \(Date().timeIntervalSince1970)")
            try await client.query("DELETE FROM duwtje_batch_keys WHERE at <= now() - make_interval(secs => \(BatchReceipt.keptFor))")
        }
    }
}
