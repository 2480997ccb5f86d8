import DuwtjeRules
import Foundation

/// Where and for how long feedback events and caps are kept (`store:` in the configuration file).
public struct StoreSettings: Sendable, Equatable {
    /// `sqlite` (embedded, one server; the default) or `postgresql` (shared by several servers).
    public enum Engine: String, Sendable { case sqlite, postgresql }

    public var engine: Engine = .sqlite
    /// The SQLite database (absolute). Its secret for visitor hashes lives beside it as `<path>.secret`
    /// unless `secret_file` says otherwise.
    public var path: String
    /// Daily aggregates older than this many days are deleted (default 400: a year and a season
    /// to compare with).
    public var retentionDays: Int
    /// `store.url`: the PostgreSQL database (see `PostgresLocation`).
    public var url: String?
    /// `store.password_file`: a file holding the database password (one line), read at start.
    public var passwordFile: String?
    /// `store.pool`: the most connections to PostgreSQL.
    public var pool = 8
    /// `store.flush_interval`: at most one write of the summed counts per interval (PostgreSQL).
    public var flushInterval: Duration = .seconds(1)
    /// `store.secret_file`: the visitor-hash key; every server sharing a PostgreSQL database uses the same file.
    public var secretFile: String?
    /// `store.node`: this server's name in the cluster (default: the host name).
    public var node: String?

    public init(path: String, retentionDays: Int = 400) {
        self.path = path
        self.retentionDays = retentionDays
    }

    /// The HMAC secret's file.
    public var secretPath: String { secretFile ?? path + ".secret" }
}

/// Bounds on `POST /v1/events` (`events:` in the configuration file).
public struct EventSettings: Sendable, Equatable {
    /// The most events one batch may carry; a larger batch is refused whole.
    public var maxBatch = 500
    /// The largest body of `POST /v1/events` (a batch is larger than a recommendation request,
    /// so it has its own limit instead of `limits.max_body_bytes`).
    public var maxBodyBytes = 1 << 20

    public init() {}
}

extension ConfigurationParser {
    mutating func store(_ node: YAMLNode, into store: inout StoreSettings) {
        let known = ["engine", "path", "retention", "url", "password_file", "pool", "flush_interval", "secret_file", "node"]
        for (key, value) in pairs(node, section: "store", known: known) {
            switch key {
            case "engine":
                guard let text = string(value, name: "store.engine") else { continue }
                guard let engine = StoreSettings.Engine(rawValue: text) else {
                    error("'store.engine' must be sqlite or postgresql, not '\(text)'", at: value)
                    continue
                }
                store.engine = engine
            case "url":
                store.url = string(value, name: "store.url")
            case "password_file", "secret_file":
                if let path = string(value, name: "store.\(key)") {
                    let resolved = DaemonConfiguration.resolve(path, against: directory)
                    if key == "password_file" { store.passwordFile = resolved } else { store.secretFile = resolved }
                }
            case "node":
                store.node = string(value, name: "store.node")
            case "pool":
                if let number = integer(value, name: "store.pool", in: 1...200) { store.pool = number }
            case "flush_interval":
                let text = value.scalar?.text ?? ""
                let milliseconds = text.hasSuffix("ms") ? Int64(text.dropLast(2)) : TimeParsing.duration(text).map { $0 * 1_000 }
                guard let milliseconds, (10...60_000).contains(milliseconds), !value.isNull else {
                    error("'store.flush_interval' must be a duration between 10ms and 60s, such as 1s or 200ms, not \(describe(value))",
                          at: value)
                    continue
                }
                store.flushInterval = .milliseconds(milliseconds)
            case "path":
                if let path = string(value, name: "store.path") {
                    store.path = DaemonConfiguration.resolve(path, against: directory)
                }
            case "retention":
                guard let text = value.scalar?.text, !value.isNull, let seconds = TimeParsing.duration(text),
                      seconds % 86_400 == 0, (1...3_650).contains(seconds / 86_400)
                else {
                    error("'store.retention' must be whole days between 1d and 3650d, such as 400d, not \(describe(value))",
                          at: value)
                    continue
                }
                store.retentionDays = Int(seconds / 86_400)
            default:
                break
            }
        }
        if store.engine == .postgresql {
            if store.url == nil {
                error("'store.engine: postgresql' needs 'store.url', such as postgresql://duwtje@/duwtje?host=/run/postgresql", at: node)
            }
            if store.secretFile == nil {
                error("'store.engine: postgresql' needs 'store.secret_file', the same 32-byte key file on every server", at: node)
            }
        }
    }

    mutating func events(_ node: YAMLNode, into events: inout EventSettings) {
        for (key, value) in pairs(node, section: "events", known: ["max_batch", "max_body_bytes"]) {
            switch key {
            case "max_batch":
                if let number = integer(value, name: "events.max_batch", in: 1...100_000) { events.maxBatch = number }
            case "max_body_bytes":
                if let number = integer(value, name: "events.max_body_bytes", in: 1_024...(64 << 20)) { events.maxBodyBytes = number }
            default:
                break
            }
        }
    }
}
