import Foundation
import DuwtjeRules
public import Logging
import Synchronization

/// Writes log lines to standard error, as text for people or as JSON lines for log shippers.
///
/// A handler of its own rather than `LoggingSystem.bootstrap`, which may run once per process:
/// each daemon (and each test) makes loggers with ``logger(label:level:format:)``. Nothing a
/// visitor sends is logged; in particular never a visitor id.
public struct DaemonLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    let format: DaemonConfiguration.LogFormat

    public init(label: String, level: Logger.Level, format: DaemonConfiguration.LogFormat) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    /// A logger writing to standard error in `format`, at `level` and above.
    public static func logger(label: String = "duwtje", level: Logger.Level, format: DaemonConfiguration.LogFormat) -> Logger {
        Logger(label: label) { label in DaemonLogHandler(label: label, level: level, format: format) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let time = Self.timestamp()
        let line: String
        switch format {
        case .text:
            let fields = all.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.text($0.value))" }.joined(separator: " ")
            line = "\(time) \(event.level.rawValue) \(label): \(Self.escaped(event.message.description))" + (fields.isEmpty ? "" : " " + fields)
        case .json:
            var object: [String: Any] = ["time": time, "level": event.level.rawValue, "logger": label,
                                         "message": event.message.description]
            for (key, value) in all where object[key] == nil { object[key] = Self.json(value) }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        }
        Self.write(line)
    }

    static let output = Mutex(())

    static func write(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        output.withLock { _ in
            bytes.withUnsafeBytes { buffer in
                guard let base = buffer.baseAddress else { return }
                var offset = 0
                while offset < buffer.count {
                    let written = Foundation.write(2, base + offset, buffer.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
        }
    }

    /// One start-up refusal as one line in `format`: `duwtje: …` as text, or a JSON line like every
    /// other log line when the configuration asks for JSON (a log shipper must not choke on it).
    public static func refusal(_ message: String, format: DaemonConfiguration.LogFormat) -> String {
        switch format {
        case .text:
            return "duwtje: " + escaped(message)
        case .json:
            let object: [String: Any] = ["time": timestamp(), "level": Logger.Level.critical.rawValue, "logger": "duwtje",
                                         "message": "refusing to start: " + message]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// `text` with control characters written as escapes (`\n`, `\t`, `\u{1B}`), so that nothing in
    /// a message (a rule file's name, say) can start a line that looks like a log line of its own.
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.properties.generalCategory == .control:
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func text(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let string):
            let safe = escaped(string)
            return safe.contains(" ") || safe.isEmpty ? "\"\(safe)\"" : safe
        case .stringConvertible(let convertible):
            return escaped(convertible.description)
        case .array(let values):
            return "[" + values.map(text).joined(separator: ",") + "]"
        case .dictionary(let values):
            return "{" + values.sorted { $0.key < $1.key }.map { "\($0.key)=\(text($0.value))" }.joined(separator: ",") + "}"
        }
    }

    static func json(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let string): return string
        case .stringConvertible(let convertible): return convertible.description
        case .array(let values): return values.map(json)
        case .dictionary(let values): return values.mapValues(json)
        }
    }

    static func timestamp() -> String {
        TimeFormatting.rfc3339(Date(), milliseconds: true)
    }
}
