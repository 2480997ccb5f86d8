public import DuwtjeRules
import Foundation
import Logging

extension DaemonConfiguration {
    /// Reads the configuration file at `path`. Relative paths inside it are resolved against the
    /// file's directory.
    ///
    /// - Throws: ``DaemonError/configurationUnreadable(path:reason:)`` when the file cannot be read,
    ///   ``DaemonError/configuration(file:diagnostics:)`` with every mistake and its place otherwise.
    public static func load(file path: String) throws(DaemonError) -> DaemonConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            throw .configurationUnreadable(path: path, reason: reason)
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let (configuration, diagnostics) = parse([UInt8](data), file: path, directory: directory)
        guard let configuration, !diagnostics.hasErrors else {
            throw .configuration(file: path, diagnostics: diagnostics.errors)
        }
        return configuration
    }

    /// Parses a configuration file's bytes; `directory` is what relative paths are relative to.
    ///
    /// Returns every mistake found, not only the first, each with its `file:line:col`.
    public static func parse(_ bytes: [UInt8], file: String, directory: String) -> (DaemonConfiguration?, [Diagnostic]) {
        var parser = ConfigurationParser(file: file, directory: directory)
        let read = YAMLReader.read(bytes, file: file, limits: YAMLLimits(maxBytes: 1 << 20, maxDepth: 16, maxNodes: 10_000))
        parser.diagnostics = read.diagnostics
        var configuration = DaemonConfiguration.defaults(in: directory)
        configuration.file = file
        if let document = read.document, !document.isNull {
            parser.root(document, into: &configuration)
        }
        return (parser.diagnostics.hasErrors ? nil : configuration, parser.diagnostics)
    }
}

/// Walks the YAML tree of a configuration file, checking each key against the known settings.
struct ConfigurationParser {
    let file: String
    let directory: String
    var diagnostics: [Diagnostic] = []

    mutating func error(_ message: String, at node: YAMLNode, fix: String? = nil) {
        diagnostics.append(Diagnostic(.error, message, at: node.location, fix: fix))
    }

    /// The pairs of a mapping, reporting keys that are not in `known` (with the nearest known one).
    mutating func pairs(_ node: YAMLNode, section: String?, known: [String]) -> [(String, YAMLNode)] {
        guard let mapping = node.mapping else {
            error("\(section.map { "'\($0)'" } ?? "the file") must be a mapping, not \(node.kindDescription)", at: node)
            return []
        }
        var result: [(String, YAMLNode)] = []
        for pair in mapping {
            let name = pair.name
            guard known.contains(name) else {
                let place = section.map { "'\(name)' in '\($0)'" } ?? "'\(name)'"
                let hint = SpellingSuggestions.hint(for: name, in: known)
                error("unknown setting \(place)" + (hint.map { " (\($0))" } ?? ""), at: pair.key,
                      fix: "known settings here: " + known.joined(separator: ", "))
                continue
            }
            result.append((name, pair.value))
        }
        return result
    }

    mutating func root(_ node: YAMLNode, into configuration: inout DaemonConfiguration) {
        for (name, value) in pairs(node, section: nil, known: ["rules", "socket", "timezone", "limits", "caps", "log", "store", "events"]) {
            switch name {
            case "rules":
                if let path = string(value, name: "rules") {
                    configuration.rules = DaemonConfiguration.resolve(path, against: directory)
                }
            case "socket":
                socket(value, into: &configuration.socket)
            case "timezone":
                guard let text = string(value, name: "timezone") else { continue }
                if let zone = TimeZone(identifier: text) {
                    configuration.timeZone = zone
                } else {
                    let hint = SpellingSuggestions.hint(for: text, in: TimeZone.knownTimeZoneIdentifiers)
                    error("unknown time zone '\(text)'" + (hint.map { " (\($0))" } ?? ""), at: value,
                          fix: "use an IANA name such as Europe/Amsterdam")
                }
            case "limits":
                limits(value, into: &configuration.limits)
            case "store":
                store(value, into: &configuration.store)
            case "events":
                events(value, into: &configuration.events)
            case "caps":
                for (key, item) in pairs(value, section: "caps", known: ["max_visitors"]) where key == "max_visitors" {
                    if let number = integer(item, name: "caps.max_visitors", in: 1...100_000_000) { configuration.maxVisitors = number }
                }
            case "log":
                for (key, item) in pairs(value, section: "log", known: ["level", "format"]) {
                    guard let text = string(item, name: "log.\(key)") else { continue }
                    if key == "level" {
                        if let level = Logger.Level(rawValue: text) {
                            configuration.logLevel = level
                        } else {
                            error("unknown log level '\(text)'", at: item,
                                  fix: "use one of " + Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))
                        }
                    } else if let format = DaemonConfiguration.LogFormat(rawValue: text) {
                        configuration.logFormat = format
                    } else {
                        error("unknown log format '\(text)'", at: item, fix: "use text or json")
                    }
                }
            default:
                break
            }
        }
    }

    mutating func socket(_ node: YAMLNode, into socket: inout DaemonConfiguration.Socket) {
        for (key, value) in pairs(node, section: "socket", known: ["path", "mode", "group"]) {
            switch key {
            case "path":
                if let path = string(value, name: "socket.path") {
                    socket.path = DaemonConfiguration.resolve(path, against: directory)
                }
            case "mode":
                guard let text = value.scalar?.text, !value.isNull,
                      (3...4).contains(text.count), text.allSatisfy({ ("0"..."7").contains($0) }),
                      let mode = UInt32(text, radix: 8), mode <= 0o777
                else {
                    error("'socket.mode' must be permission bits in octal such as \"0660\", not \(describe(value))", at: value,
                          fix: "write the mode quoted, e.g. mode: \"0660\"")
                    continue
                }
                socket.mode = mode
            case "group":
                if value.isNull {
                    socket.group = nil
                } else if let group = string(value, name: "socket.group") {
                    socket.group = group.isEmpty ? nil : group
                }
            default:
                break
            }
        }
    }

    mutating func limits(_ node: YAMLNode, into limits: inout DaemonConfiguration.Limits) {
        let known = ["max_body_bytes", "max_limit", "idle_timeout", "request_timeout", "max_header_bytes", "max_header_count",
                     "max_connections"]
        for (key, value) in pairs(node, section: "limits", known: known) {
            let name = "limits.\(key)"
            switch key {
            case "max_body_bytes":
                if let number = integer(value, name: name, in: 1...(64 << 20)) { limits.maxBodyBytes = number }
            case "max_limit":
                if let number = integer(value, name: name, in: 1...1_000) { limits.maxLimit = number }
            case "idle_timeout":
                if let duration = duration(value, name: name) { limits.idleTimeout = duration }
            case "request_timeout":
                if let duration = duration(value, name: name) { limits.requestTimeout = duration }
            case "max_header_bytes":
                if let number = integer(value, name: name, in: 1_024...(1 << 20)) { limits.maxHeaderBytes = number }
            case "max_header_count":
                if let number = integer(value, name: name, in: 1...10_000) { limits.maxHeaderCount = number }
            case "max_connections":
                if let number = integer(value, name: name, in: 1...100_000) { limits.maxConnections = number }
            default:
                break
            }
        }
    }

    func describe(_ node: YAMLNode) -> String {
        if let text = node.scalar?.text, !node.isNull { return "'\(text)'" }
        return node.kindDescription
    }

    mutating func string(_ node: YAMLNode, name: String) -> String? {
        guard let scalar = node.scalar, !node.isNull else {
            error("'\(name)' must be text, not \(node.kindDescription)", at: node)
            return nil
        }
        return scalar.text
    }

    mutating func integer(_ node: YAMLNode, name: String, in range: ClosedRange<Int>) -> Int? {
        guard let scalar = node.scalar, scalar.isPlain, let number = Int(scalar.text) else {
            error("'\(name)' must be a whole number, not \(describe(node))", at: node)
            return nil
        }
        guard range.contains(number) else {
            error("'\(name)' must be between \(range.lowerBound) and \(range.upperBound), not \(number)", at: node)
            return nil
        }
        return number
    }

    mutating func duration(_ node: YAMLNode, name: String) -> Duration? {
        guard let text = node.scalar?.text, !node.isNull, let seconds = TimeParsing.duration(text) else {
            error("'\(name)' must be a duration such as 30s, 5m or 1h, not \(describe(node))", at: node)
            return nil
        }
        guard seconds <= 86_400 else {
            error("'\(name)' must be at most 1d, not \(text)", at: node)
            return nil
        }
        return .seconds(seconds)
    }
}
