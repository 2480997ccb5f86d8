import DuwtjeRules
import DuwtjeWire
import Foundation
import Logging
import PostgresNIO

/// Idempotency keys in the shared database (`duwtje_batch_keys`, schema version 3): a batch's key
/// is claimed in the same transaction as its counts are written, so every server sharing the
/// database knows it exactly when the counts are there.
///
/// The claim is one `INSERT … ON CONFLICT (key) DO UPDATE … WHERE expired RETURNING key`: a key
/// another server has inserted and not yet committed holds the unique index, so this insert waits
/// for that transaction; once it commits the key is taken (and the batch is a repeat, answered after
/// the first is durable), once it rolls back the key is free (and this batch counts). Keys are
/// claimed in key order, so two servers claiming overlapping keys wait for each other instead of
/// deadlocking.
extension PostgresStore {
    /// What one group commit did: each batch's outcome, and the counts written.
    struct Committed: Sendable {
        var outcomes: [BatchReceipt.Outcome]
        var counts: [EventCountKey: Int]
    }

    /// One group commit, always in an explicit transaction whose `COMMIT` is awaited: for batches
    /// without keys the counts' statement alone; with keys, the transaction also prunes expired keys
    /// and claims the new ones.
    ///
    /// Never a statement on its own (an implicit transaction): PostgreSQL answers its
    /// `CommandComplete` before it commits, which it does only on the `Sync` after it, and PostgresNIO
    /// returns a statement without rows on that `CommandComplete`. A batch answered 202 there was lost
    /// when the commit then failed (a deferred check) or PostgreSQL stopped in between (`immediate`,
    /// a crash): `PostgresStoreTests.refusedAtCommit` caught the first; `outageUnderLoad` once counted
    /// fewer impressions than it had acknowledged. A `COMMIT` statement's `CommandComplete` comes once
    /// the commit is durable (`synchronous_commit`, on by default).
    static func commit(_ batches: [Batch], _ client: PostgresClient, logger: Logger) async throws -> Committed {
        let keyed = batches.contains { $0.receipt != nil }
        do {
            return try await client.withTransaction(logger: logger) { connection in
                let outcomes = keyed
                    ? try await claim(batches.map(\.receipt), on: connection, logger: logger)
                    : [BatchReceipt.Outcome](repeating: .stored, count: batches.count)
                let (counts, dismissals) = merge(batches, outcomes)
                if !counts.isEmpty || !dismissals.isEmpty {
                    try await connection.query(upsert(counts, dismissals: dismissals), logger: logger)
                }
                return Committed(outcomes: outcomes, counts: counts)
            }
        } catch let error as PostgresTransactionError {
            // The wrapper hides what went wrong; the cause is what the log and the 503 need.
            throw error.closureError ?? error.commitError ?? error.beginError ?? error
        }
    }

    /// Inside the commit's transaction: deletes keys past ``BatchReceipt/keptFor`` (by the
    /// database's clock, the one clock all servers share), claims the group's keys and reads those
    /// already taken; returns each batch's outcome.
    static func claim(_ receipts: [BatchReceipt?], on connection: PostgresConnection,
                      logger: Logger) async throws -> [BatchReceipt.Outcome] {
        var firsts: [String: BatchReceipt] = [:]
        for receipt in receipts.compactMap({ $0 }) where firsts[receipt.key] == nil { firsts[receipt.key] = receipt }
        let keys = firsts.keys.sorted()
        let digests = keys.map { Hex.string(firsts[$0]?.digest ?? []) }
        let answers = keys.map { String(decoding: firsts[$0]?.answer ?? [], as: UTF8.self) }
        let keptFor = BatchReceipt.keptFor
        try await connection.query("DELETE FROM duwtje_batch_keys WHERE at <= now() - make_interval(secs => \(keptFor))",
                                   logger: logger)
        var claimed = Set<String>()
        let inserted = try await connection.query("""
            INSERT INTO duwtje_batch_keys AS k (key, digest, answer, at)
            SELECT t.key, decode(t.digest, 'hex'), t.answer, now()
            FROM unnest(\(keys)::text[], \(digests)::text[], \(answers)::text[]) AS t (key, digest, answer) ORDER BY t.key
            ON CONFLICT (key) DO UPDATE SET digest = excluded.digest, answer = excluded.answer, at = excluded.at
              WHERE k.at <= now() - make_interval(secs => \(keptFor))
            RETURNING k.key
            """, logger: logger)
        for try await key in inserted.decode(String.self) { claimed.insert(key) }
        var remembered: [String: (digest: [UInt8], answer: [UInt8])] = [:]
        let taken = keys.filter { !claimed.contains($0) }
        if !taken.isEmpty {
            let rows = try await connection.query(
                "SELECT key, digest, answer FROM duwtje_batch_keys WHERE key = ANY(\(taken)::text[])", logger: logger)
            for try await (key, digest, answer) in rows.decode((String, Data, String).self) {
                remembered[key] = (Array(digest), Array(answer.utf8))
            }
        }
        return try BatchReceipt.outcomes(of: receipts) { (key: String) throws(KeyVanished) in
            if claimed.contains(key) { return nil }
            guard let row = remembered[key] else { throw KeyVanished(key: key) }
            return row
        }
    }

    /// A key that was neither claimed nor found: another server's prune removed it between the two
    /// statements (it expired in that instant). The commit fails (503), and the retry claims it.
    struct KeyVanished: Error, CustomStringConvertible {
        var key: String
        var description: String { "batch key '\(key)' expired while it was claimed; retry" }
    }
}
