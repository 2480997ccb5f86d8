import DuwtjeRules
import Foundation
import NIOCore
import PostgresNIO

/// Caps shared by every server: checking and counting a showing is ONE statement, an upsert on the
/// row of (visitor hash, nudge) that holds the times of its showings within the window. The row
/// lock of `ON CONFLICT DO UPDATE` serialises concurrent admissions for the same visitor and nudge
/// on any number of servers, and the update's `WHERE` counts only while under the cap; the
/// statement returns a row exactly when the showing was counted.
///
/// The window slides as in ``MemoryCapStore``: a showing counts for `cap.per` seconds after its
/// time, and times older than the window are dropped from the row as it is updated. One difference
/// on purpose: a showing with a *later* time than this request's (another server's clock, or a
/// request that overtook this one) still counts here, where memory would ignore it, so that
/// concurrent requests can never both take the last showing.
///
/// While the database is unreachable, admissions fall back to this server's memory (the store is
/// degraded); showings admitted in PostgreSQL are mirrored in that memory, so the fallback starts
/// from what this server has shown.
final class PostgresCapStore: CapStore {
    let client: PostgresClient
    let hasher: VisitorHasher
    let memory: MemoryCapStore
    let health: PostgresHealth
    let timeout: Duration

    init(client: PostgresClient, hasher: VisitorHasher, memory: MemoryCapStore, health: PostgresHealth, timeout: Duration) {
        self.client = client
        self.hasher = hasher
        self.memory = memory
        self.health = health
        self.timeout = timeout
    }

    /// Dismissals are shared: one lookup in `duwtje_dismissals` (what this server already knows to
    /// hold is answered from memory, and what the database says is mirrored there, so that the
    /// fallback while degraded still knows it).
    func isDismissed(visitor: String, nudge: String, now: Date) async -> Bool {
        let hash = hasher.hash(visitor)
        let key = Hex.string(hash)
        if memory.isDismissed(visitor: key, nudge: nudge, now: now) { return true }
        guard !health.isDegraded else { return false }
        do {
            let client = self.client
            let moment = now.timeIntervalSince1970
            let until = try await withDeadline(timeout) { () async throws -> Double? in
                var until: Double?
                for try await value in try await client.query("""
                    SELECT until FROM duwtje_dismissals WHERE visitor = \(ByteBuffer(bytes: hash)) AND nudge = \(nudge) AND until > \(moment)
                    """).decode(Double.self) {
                    until = value
                }
                return until
            }
            guard let until else { return false }
            memory.dismiss(visitor: key, nudge: nudge, until: Date(timeIntervalSince1970: until))
            return true
        } catch is TimedOut {
            // A slow answer is not an outage (the heartbeat judges that): this request does without
            // the nudge rather than risk showing one the visitor closed.
            return true
        } catch {
            health.markDegraded("dismissals: \(PostgresSchema.describe(error))")
            return false
        }
    }

    func admit(visitor: String, nudge: String, cap: Cap, now: Date) async -> Bool {
        let hash = hasher.hash(visitor)
        let key = Hex.string(hash)
        guard !health.isDegraded else { return memory.admit(visitor: key, nudge: nudge, cap: cap, now: now) }
        do {
            let client = self.client
            let admitted = try await withDeadline(timeout) {
                try await Self.admit(client, visitor: hash, nudge: nudge, cap: cap, at: now.timeIntervalSince1970)
            }
            if admitted { _ = memory.admit(visitor: key, nudge: nudge, cap: Cap(max: .max, per: cap.per), now: now) }
            return admitted
        } catch is TimedOut {
            // Not within `admissionTimeout`: this request does without the nudge (a cap is never
            // exceeded for want of an answer), and the store stays healthy. Row locks on one busy
            // visitor, or a loaded machine, make an admission slow without PostgreSQL being away;
            // marking the store degraded here would move every server's caps into its own memory
            // and refuse events, which is what the heartbeat decides on a connection of its own.
            return false
        } catch {
            health.markDegraded("caps: \(PostgresSchema.describe(error))")
            return memory.admit(visitor: key, nudge: nudge, cap: cap, now: now)
        }
    }

    /// The one statement: counts the showing at `at` when fewer than `cap.max` showings of the row
    /// are newer than `at - cap.per`, and says whether it did.
    static func admit(_ client: PostgresClient, visitor: [UInt8], nudge: String, cap: Cap, at: Double) async throws -> Bool {
        let start = at - Double(cap.per)
        let max = Int64(cap.max)
        let query: PostgresQuery = """
            INSERT INTO duwtje_cap_showings AS c (visitor, nudge, shown, last_at)
            VALUES (\(ByteBuffer(bytes: visitor)), \(nudge), ARRAY[\(at)::float8], \(at))
            ON CONFLICT (visitor, nudge) DO UPDATE
            SET shown = array_append(ARRAY(SELECT t FROM unnest(c.shown) AS t WHERE t > \(start)), \(at)::float8),
                last_at = GREATEST(c.last_at, excluded.last_at)
            WHERE (SELECT count(*) FROM unnest(c.shown) AS t WHERE t > \(start)) < \(max)
            RETURNING 1
            """
        var admitted = false
        for try await _ in try await client.query(query) { admitted = true }
        return admitted
    }
}
