import Crypto
import DuwtjeRules
import Foundation
public import Logging
import PostgresNIO

/// The shared database's tables, versioned. The daemon migrates at start (and when the database
/// comes back); `duwtje store migrate` does the same for operators who run migrations themselves.
/// Every migration runs in one transaction under a transaction-scoped advisory lock, so two
/// daemons starting at once wait for each other instead of racing.
public enum PostgresSchema {
    /// The advisory lock's key: "duwtje" in ASCII.
    static let lockKey: Int64 = 0x6475_7774_6A65

    /// Migration N brings the schema from version N-1 to N; one statement per string.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE duwtje_meta (key text PRIMARY KEY, value text NOT NULL)
            """,
            """
            CREATE TABLE duwtje_event_counts (
              day text NOT NULL, journey text NOT NULL, rule text NOT NULL, variant text NOT NULL, stage text NOT NULL,
              persona text NOT NULL, item_kind text NOT NULL, item text NOT NULL, type text NOT NULL, count bigint NOT NULL,
              PRIMARY KEY (day, journey, rule, variant, stage, persona, item_kind, item, type))
            """,
            // One row per visitor hash and nudge: the times (Unix seconds) of its showings within the
            // window, and the latest of them (for pruning).
            """
            CREATE TABLE duwtje_cap_showings (
              visitor bytea NOT NULL, nudge text NOT NULL, shown double precision[] NOT NULL,
              last_at double precision NOT NULL, PRIMARY KEY (visitor, nudge))
            """,
            "CREATE INDEX duwtje_cap_showings_last_at ON duwtje_cap_showings (last_at)",
            """
            CREATE TABLE duwtje_nodes (
              name text PRIMARY KEY, ruleset text NOT NULL, loaded_at timestamptz NOT NULL, heartbeat_at timestamptz NOT NULL)
            """,
        ],
        // 2: dismissals, shared by every server: one row per visitor hash and nudge, until when
        // (Unix seconds) the nudge stays closed.
        [
            """
            CREATE TABLE duwtje_dismissals (
              visitor bytea NOT NULL, nudge text NOT NULL, until double precision NOT NULL, PRIMARY KEY (visitor, nudge))
            """,
            "CREATE INDEX duwtje_dismissals_until ON duwtje_dismissals (until)",
        ],
        // 3: the idempotency keys of event batches (docs/api.md, "Decision: `POST /v1/events`"): the
        // key, SHA-256 of the batch's events, the 202 body it was given, and when (by the database's
        // clock); kept 24 hours, pruned in the commits that add keys.
        [
            """
            CREATE TABLE duwtje_batch_keys (
              key text PRIMARY KEY, digest bytea NOT NULL, answer text NOT NULL, at timestamptz NOT NULL)
            """,
            "CREATE INDEX duwtje_batch_keys_at ON duwtje_batch_keys (at)",
        ],
    ]

    /// The version this build writes.
    public static var version: Int { migrations.count }

    /// Brings the schema to ``version`` and returns the version found before.
    /// - Throws: when the database's schema is newer than this build knows.
    @discardableResult
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws -> Int {
        do {
            return try await migrateInTransaction(connection, logger: logger)
        } catch let error as PostgresTransactionError {
            // The transaction's wrapper hides what went wrong; the cause is what an operator needs.
            throw error.closureError ?? error.commitError ?? error.beginError ?? error
        }
    }

    private static func migrateInTransaction(_ connection: PostgresConnection, logger: Logger) async throws -> Int {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS duwtje_schema (version integer NOT NULL)", logger: logger)
            var found = 0
            for try await version in try await connection.query("SELECT version FROM duwtje_schema", logger: logger).decode(Int.self) {
                found = version
            }
            guard found <= version else {
                throw SchemaTooNew(found: found, known: version)
            }
            guard found < version else { return found }
            for migration in migrations[found...] {
                for statement in migration {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
            }
            try await connection.query("DELETE FROM duwtje_schema", logger: logger)
            try await connection.query("INSERT INTO duwtje_schema (version) VALUES (\(version))", logger: logger)
            return found
        }
    }

    struct SchemaTooNew: Error, CustomStringConvertible {
        var found: Int
        var known: Int
        var description: String {
            "the database has schema version \(found), newer than this duwtje knows (\(known)); upgrade duwtje on this server"
        }
    }

    /// A fingerprint of the visitor-hash key: what the database keeps to find servers with another key.
    static func fingerprint(of hasher: VisitorHasher) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data("duwtje key fingerprint v1".utf8), using: hasher.key)
        return Hex.string(Array(code).prefix(12))
    }

    /// Records the key's fingerprint if the database has none; returns the one it has.
    static func claimFingerprint(_ fingerprint: String, _ connection: PostgresConnection, logger: Logger) async throws -> String {
        try await connection.query("""
            INSERT INTO duwtje_meta (key, value) VALUES ('key_fingerprint', \(fingerprint)) ON CONFLICT (key) DO NOTHING
            """, logger: logger)
        for try await value in try await connection.query(
            "SELECT value FROM duwtje_meta WHERE key = 'key_fingerprint'", logger: logger).decode(String.self) {
            return value
        }
        return fingerprint
    }

    /// Connects once, migrates, and checks the key: what the daemon does at start and
    /// `duwtje store migrate` does on its own. Returns the schema version found before.
    public static func prepare(_ location: PostgresLocation, hasher: VisitorHasher?, logger: Logger) async throws(StoreError) -> Int {
        let configuration = try location.connectionConfiguration()
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        } catch {
            throw StoreError(path: location.redacted, message: "cannot connect: \(describe(error))", retryAfter: 2)
        }
        do {
            let found = try await migrate(connection, logger: logger)
            if let hasher {
                let mine = fingerprint(of: hasher)
                let theirs = try await claimFingerprint(mine, connection, logger: logger)
                if theirs != mine {
                    try? await connection.close()
                    throw KeyMismatch(mine: mine, theirs: theirs)
                }
            }
            try? await connection.close()
            return found
        } catch let mismatch as KeyMismatch {
            throw StoreError(path: location.redacted, message: mismatch.description)
        } catch let newer as SchemaTooNew {
            try? await connection.close()
            throw StoreError(path: location.redacted, message: newer.description)
        } catch {
            try? await connection.close()
            throw StoreError(path: location.redacted, message: describe(error), retryAfter: 2)
        }
    }

    /// Connects once and closes again, within a second: whether the database answers.
    static func probe(_ location: PostgresLocation, logger: Logger) async throws {
        let configuration = try location.connectionConfiguration()
        try await withDeadline(.seconds(1)) {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try? await connection.close()
        }
    }

    struct KeyMismatch: Error, CustomStringConvertible {
        var mine: String
        var theirs: String
        var description: String {
            "store.secret_file holds another key than the one this database was used with (fingerprint \(mine), the database has \(theirs)); every server must use the same secret file"
        }
    }

    /// A database error in words, without anything from the connection's configuration.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            if let underlying = error.underlying { return "\(error.code): \(underlying)" }
            return "\(error.code)"
        }
        if error is CancellationError { return "timed out" }
        return "\(error)"
    }
}
