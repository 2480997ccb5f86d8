import DuwtjeRules
public import Foundation
public import Logging

/// The daemon's settings, read from one YAML file (api.md, Configuration).
///
/// Every setting has a default, so the daemon runs from a fresh checkout without a file. Paths in
/// the file are relative to the file itself, so `Config/duwtje.yaml` can say `rules: ../Rules`
/// whatever directory the daemon is started from. Unknown keys are errors with their place, so a
/// typo never silently leaves a setting at its default.
public struct DaemonConfiguration: Sendable, Equatable {
    /// Where the Unix socket lives and who may connect to it.
    public struct Socket: Sendable, Equatable {
        /// Absolute path of the socket file.
        public var path: String
        /// The socket file's permission bits (`0660` by default): connecting needs write permission.
        public var mode: UInt32
        /// A group to own the socket (e.g. `www-data`), so that a web server can connect without
        /// running as the daemon's user.
        public var group: String?

        public init(path: String, mode: UInt32 = 0o660, group: String? = nil) {
            self.path = path
            self.mode = mode
            self.group = group
        }

        /// The lock file held while a daemon checks, replaces and binds the socket.
        public var lockPath: String { path + ".lock" }
    }

    /// Bounds on what one client can make the daemon do, so that no client can exhaust it.
    public struct Limits: Sendable, Equatable {
        /// The largest request body accepted; a larger one gets 413.
        public var maxBodyBytes = 65_536
        /// The largest `limit` a request may ask for.
        public var maxLimit = 20
        /// How long a keep-alive connection may sit idle between requests.
        public var idleTimeout: Duration = .seconds(30)
        /// How long a client may take from the first byte of a request until the daemon answers it:
        /// a client trickling bytes is cut off (408) when it runs out.
        public var requestTimeout: Duration = .seconds(10)
        /// The largest header block (and header line) accepted; a larger one gets 400 and a close.
        public var maxHeaderBytes = 16_384
        /// The most header fields accepted in one request.
        public var maxHeaderCount = 100
        /// The most connections open at once; further clients wait in the listen backlog.
        public var maxConnections = 256

        public init() {}
    }

    /// How the daemon logs to standard error.
    public enum LogFormat: String, Sendable, Equatable, CaseIterable {
        case text
        case json
    }

    /// Where the rule files are (absolute).
    public var rules: String
    public var socket: Socket
    /// The zone in which rule dates start at midnight.
    public var timeZone: TimeZone
    public var limits: Limits
    /// Visitors whose nudge counts are kept; the least recently seen are forgotten first.
    public var maxVisitors: Int
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    /// The event store (``StoreSettings``); defaults to `var/duwtje.db` beside the rules' parent.
    public var store: StoreSettings = StoreSettings(path: "")
    /// Limits on `POST /v1/events` (``EventSettings``).
    public var events = EventSettings()
    /// The file these settings came from, or nil when they are the built-in defaults.
    public var file: String?

    /// The built-in defaults for a daemon started in `directory` (the checkout): `Rules` and
    /// `run/duwtje.sock` below it.
    public static func defaults(in directory: String) -> DaemonConfiguration {
        var configuration = DaemonConfiguration(
            rules: Self.resolve("Rules", against: directory),
            socket: Socket(path: Self.resolve("run/duwtje.sock", against: directory)),
            timeZone: TimeZone(identifier: "Europe/Amsterdam") ?? .gmt,
            limits: Limits(), maxVisitors: 1_000_000, logLevel: .info, logFormat: .text, file: nil)
        configuration.store = StoreSettings(path: Self.resolve("var/duwtje.db", against: directory))
        return configuration
    }

    /// `path` made absolute against `directory`, with `.` and `..` resolved.
    public static func resolve(_ path: String, against directory: String) -> String {
        let base = URL(fileURLWithPath: directory, isDirectory: true)
        return URL(fileURLWithPath: path, relativeTo: base).standardizedFileURL.path
    }
}

extension DaemonConfiguration {
    /// The settings that only take effect when the daemon starts (a reload cannot rebind the socket
    /// or rebuild open connections); a reload that changes them logs that a restart is needed.
    public func restartOnlyDifferences(from other: DaemonConfiguration) -> [String] {
        var changed: [String] = []
        if socket.path != other.socket.path { changed.append("socket.path") }
        if socket.mode != other.socket.mode { changed.append("socket.mode") }
        if socket.group != other.socket.group { changed.append("socket.group") }
        if limits.idleTimeout != other.limits.idleTimeout { changed.append("limits.idle_timeout") }
        if limits.requestTimeout != other.limits.requestTimeout { changed.append("limits.request_timeout") }
        if limits.maxHeaderBytes != other.limits.maxHeaderBytes { changed.append("limits.max_header_bytes") }
        if limits.maxHeaderCount != other.limits.maxHeaderCount { changed.append("limits.max_header_count") }
        if limits.maxConnections != other.limits.maxConnections { changed.append("limits.max_connections") }
        if maxVisitors != other.maxVisitors { changed.append("caps.max_visitors") }
        if store != other.store { changed.append("store") }
        if logLevel != other.logLevel { changed.append("log.level") }
        if logFormat != other.logFormat { changed.append("log.format") }
        return changed
    }

    /// The socket mode as four octal digits, as written in the file (`0660`).
    public var socketModeText: String { Self.octal(socket.mode) }

    static func octal(_ mode: UInt32) -> String {
        let text = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }
}
