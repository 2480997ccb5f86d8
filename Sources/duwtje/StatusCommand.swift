import ArgumentParser
import DuwtjeServer
import Foundation

/// `duwtje status`: what the running daemon says about itself (`GET /v1/status`), in a few lines
/// an operator reads after a deploy or a reload. Exit 1 when the daemon does not answer.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Ask the running daemon what it serves: version, rules, last reload and its errors, store.",
        discussion: """
            The socket is --socket, else the configuration's socket.path: --config, else \
            Config/duwtje.yaml in the working directory, else /etc/duwtje/duwtje.yaml (the Debian \
            package's). Exits 1 when the daemon does not answer.
            """
    )

    @Option(help: "The daemon's socket.")
    var socket: String?

    @Option(help: "The configuration file whose socket.path to use.")
    var config: String?

    /// The configuration the Debian package installs, read when nothing else is given.
    static let installedConfig = "/etc/duwtje/duwtje.yaml"

    func validate() throws {
        if socket != nil, config != nil { throw ValidationError("give --socket or --config, not both") }
    }

    func run() throws {
        let path: String
        do {
            path = try socketPath()
        } catch {
            printError("duwtje: \(error)")
            throw ExitCode(1)
        }
        do {
            let status = try StatusClient.fetch(socket: path)
            print(StatusText(status).lines.joined(separator: "\n"))
        } catch {
            printError("duwtje: \(error.description)")
            throw ExitCode(1)
        }
    }

    func socketPath() throws -> String {
        let directory = FileManager.default.currentDirectoryPath
        if let socket { return DaemonConfiguration.resolve(socket, against: directory) }
        var file = config
        if file == nil, !FileManager.default.fileExists(atPath: DaemonConfiguration.resolve(DaemonOptions.defaultConfigFile, against: directory)),
           FileManager.default.fileExists(atPath: Self.installedConfig) {
            file = Self.installedConfig
        }
        return try DaemonOptions(configFile: file).loadConfiguration().socket.path
    }
}

/// The lines of `duwtje status`, from the JSON of `/v1/status` (shape in docs/api.md).
struct StatusText {
    let json: [String: Any]

    init(_ json: [String: Any]) {
        self.json = json
    }

    var lines: [String] {
        var lines: [String] = []
        let daemon = json["daemon"] as? [String: Any] ?? [:]
        let uptime = json["uptime_seconds"] as? Int ?? 0
        lines.append("duwtje \(daemon["version"] as? String ?? "?") (commit \(daemon["commit"] as? String ?? "unknown")), "
            + "up \(Self.duration(uptime)) since \(json["started_at"] as? String ?? "?")")
        lines.append("socket  \(json["socket"] as? String ?? "?"), configuration \(json["config"] as? String ?? "built-in defaults")")
        let rules = json["ruleset"] as? [String: Any] ?? [:]
        let counts = ["files", "journeys", "rules", "content", "personas"].map { "\(rules[$0] as? Int ?? 0) \($0)" }
        let warnings = (rules["warnings"] as? [Any])?.count ?? 0
        lines.append("rules   \(rules["version"] as? String ?? "?") from \(rules["directory"] as? String ?? "?"), "
            + "loaded \(rules["loaded_at"] as? String ?? "?"): \(counts.joined(separator: ", ")), \(warnings) warning\(warnings == 1 ? "" : "s")")
        let reloads = json["reloads"] as? [String: Any] ?? [:]
        let tally = "\(reloads["ok"] as? Int ?? 0) ok, \(reloads["failed"] as? Int ?? 0) failed"
        if let last = json["last_reload"] as? [String: Any] {
            let result = last["result"] as? String ?? "?"
            var line = "reload  last \(last["at"] as? String ?? "?") (\(last["trigger"] as? String ?? "?")): \(result)"
            if result != "ok" { line += ", still serving \(last["serving"] as? String ?? "?")" }
            lines.append(line + " (reloads: \(tally))")
            // The errors with their places; the message only when there are none (it repeats the first).
            let errors = last["errors"] as? [[String: Any]] ?? []
            if errors.isEmpty, let message = last["message"] as? String, result != "ok" { lines.append("        \(message)") }
            for error in errors {
                lines.append("        \(error["text"] as? String ?? "?")")
            }
            if let pending = last["pending_restart"] as? [String], !pending.isEmpty {
                lines.append("        changed settings that need a restart: \(pending.joined(separator: ", "))")
            }
        } else {
            lines.append("reload  none since the start")
        }
        if let store = json["store"] as? [String: Any] {
            lines += Self.store(store)
        }
        return lines
    }

    /// The store's line and, for a shared store, its live nodes with their versions (a skew marked).
    static func store(_ store: [String: Any]) -> [String] {
        var line = "store   \(store["path"] as? String ?? "?"), "
        // The file's size for SQLite; a shared database has none to show.
        if let size = store["size_bytes"] as? Int {
            line += ByteCountFormatter.string(fromByteCount: Int64(size), countStyle: .file) + ", "
        }
        line += (store["oldest_day"] as? String).map { "counts since \($0)" } ?? "no counts yet"
        line += ", kept \(store["retention_days"] as? Int ?? 0) days"
        if store["state"] as? String == "degraded" {
            line += "; DEGRADED since \(store["degraded_since"] as? String ?? "?") (caps in this server's memory, events refused)"
            if let failure = store["failure"] as? String { line += ": \(failure)" }
        } else if let failure = store["failure"] as? String {
            line += "; REFUSING WRITES: \(failure)"
        }
        guard let nodes = store["nodes"] as? [[String: Any]] else { return [line] }
        let skew = store["version_skew"] as? Bool == true
        var lines = [line, "nodes   \(nodes.count) live, " + (skew ? "VERSION SKEW: they serve different rule sets" : "all on one rule set")]
        for node in nodes {
            lines.append("        \(node["name"] as? String ?? "?")  \(node["ruleset"] as? String ?? "?")  loaded \(node["loaded_at"] as? String ?? "?"), "
                + "heartbeat \(node["heartbeat_at"] as? String ?? "?")" + (node["skewed"] as? Bool == true ? "  <- other version" : ""))
        }
        return lines
    }

    static func duration(_ seconds: Int) -> String {
        let days = seconds / 86_400, hours = seconds % 86_400 / 3_600, minutes = seconds % 3_600 / 60
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        return minutes > 0 ? "\(minutes)m \(seconds % 60)s" : "\(seconds)s"
    }
}
