public import Foundation

/// The store as `/v1/status` shows it (docs/api.md): built from values kept in memory, so that
/// status never waits for a commit, an fsync or the network.
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
    public var oldestDay: String?
    public var retentionDays: Int
    /// Why writes are refused, when they are.
    public var failure: String?
    /// Since when the store is degraded (ISO 8601), when it is.
    public var degradedSince: String?
    /// The cluster's live nodes (a shared store only), as of the last heartbeat.
    public var nodes: [ClusterNode]?
    /// Whether the live nodes serve more than one rule-set version (a shared store only).
    public var versionSkew: Bool?

    public init(engine: String, state: String, path: String, sizeBytes: Int? = nil, oldestDay: String? = nil,
                retentionDays: Int, failure: String? = nil, degradedSince: String? = nil,
                nodes: [ClusterNode]? = nil, versionSkew: Bool? = nil) {
        self.engine = engine
        self.state = state
        self.path = path
        self.sizeBytes = sizeBytes
        self.oldestDay = oldestDay
        self.retentionDays = retentionDays
        self.failure = failure
        self.degradedSince = degradedSince
        self.nodes = nodes
        self.versionSkew = versionSkew
    }

    enum CodingKeys: String, CodingKey {
        case engine, state, path, sizeBytes = "size_bytes", oldestDay = "oldest_day", retentionDays = "retention_days",
             failure, degradedSince = "degraded_since", nodes, versionSkew = "version_skew"
    }

    /// Explicit nulls for the fields every engine has; the engine-specific ones only where they apply.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(engine, forKey: .engine)
        try container.encode(state, forKey: .state)
        try container.encode(path, forKey: .path)
        try container.encodeIfPresent(sizeBytes, forKey: .sizeBytes)
        try container.encode(oldestDay, forKey: .oldestDay)
        try container.encode(retentionDays, forKey: .retentionDays)
        try container.encode(failure, forKey: .failure)
        try container.encode(degradedSince, forKey: .degradedSince)
        try container.encodeIfPresent(nodes, forKey: .nodes)
        try container.encodeIfPresent(versionSkew, forKey: .versionSkew)
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

    public init(name: String, ruleset: String, loadedAt: String, heartbeatAt: String, skewed: Bool) {
        self.name = name
        self.ruleset = ruleset
        self.loadedAt = loadedAt
        self.heartbeatAt = heartbeatAt
        self.skewed = skewed
    }

    enum CodingKeys: String, CodingKey {
        case name, ruleset, loadedAt = "loaded_at", heartbeatAt = "heartbeat_at", skewed
    }
}
