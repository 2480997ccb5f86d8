import DuwtjeRules
import Foundation

/// Where and for how long feedback events are kept (`store:` in the configuration file).
public struct StoreSettings: Sendable, Equatable {
    /// The SQLite database (absolute). Its secret for visitor hashes lives beside it as `<path>.secret`.
    public var path: String
    /// Daily aggregates older than this many days are deleted (default 400: a year and a season
    /// to compare with).
    public var retentionDays: Int

    public init(path: String, retentionDays: Int = 400) {
        self.path = path
        self.retentionDays = retentionDays
    }

    /// The HMAC secret's file.
    public var secretPath: String { path + ".secret" }
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
        for (key, value) in pairs(node, section: "store", known: ["path", "retention"]) {
            switch key {
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
