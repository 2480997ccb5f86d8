public import DuwtjeRules
import Foundation

/// The store as `/v1/status` shows it (docs/api.md): built from values kept in memory, so that
/// status never waits for a commit, an fsync or the network. Made only by the engines (the
/// memberwise initializer); the fields every engine has are `@Nullable` (an explicit `null`), the
/// engine-specific ones are left out where they do not apply.
public struct StoreStatus: Sendable, Encodable {
    /// `sqlite` or `postgresql`.
    public var engine: String
    /// `ok`; `degraded` while a shared store is unreachable (caps in this server's memory, events
    /// refused with 503); `failed` after a commit failed (SQLite refuses writes until a restart).
    public var state: String
    /// The SQLite file, or the PostgreSQL URL without its password.
    public var path: String
    /// The database, its WAL and shared-memory file together (SQLite only).
    public var sizeBytes: Int?
    /// The oldest day with counts, or nil when none are stored (as of the last commit).
    @Nullable public var oldestDay: String? = nil
    public var retentionDays: Int
    /// Why writes are refused, when they are.
    @Nullable public var failure: String? = nil
    /// Since when the store is degraded (RFC 3339), when it is.
    @Nullable public var degradedSince: String? = nil
    /// The cluster's live nodes (a shared store only), as of the last heartbeat.
    public var nodes: [ClusterNode]?
    /// Whether the live nodes serve more than one rule-set version (a shared store only).
    public var versionSkew: Bool?

    enum CodingKeys: String, CodingKey {
        case engine, state, path, sizeBytes = "size_bytes", oldestDay = "oldest_day", retentionDays = "retention_days",
             failure, degradedSince = "degraded_since", nodes, versionSkew = "version_skew"
    }
}

/// One daemon of a cluster sharing a store, as its heartbeat recorded it.
public struct ClusterNode: Sendable, Encodable, Equatable {
    public var name: String
    public var ruleset: String
    public var loadedAt: String
    public var heartbeatAt: String
    /// True when this node serves another version than most live nodes (or than this node, on a tie).
    public var skewed: Bool

    enum CodingKeys: String, CodingKey {
        case name, ruleset, loadedAt = "loaded_at", heartbeatAt = "heartbeat_at", skewed
    }
}
