public import DuwtjeRules
public import Foundation

/// Why a request body cannot be turned into an ``EvaluationRequest``: which field, what is wrong,
/// and what to send instead. Answered as 400 `application/problem+json`.
public struct RequestError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// The body is not JSON, or not a JSON object.
        case malformedJSON = "malformed-json"
        /// A field holds a value of the wrong JSON type.
        case wrongType = "wrong-type"
        /// A top-level field the endpoint does not take.
        case unknownField = "unknown-field"
        /// A value of the right type but outside what is allowed (a `limit` of 0, a `now` that is no time).
        case invalidValue = "invalid-value"
    }

    public var kind: Kind
    /// The field at fault (`limit`, `context.page`), or nil when the body as a whole is.
    public var field: String?
    /// What is wrong and what to send instead, in one sentence.
    public var detail: String

    public init(_ kind: Kind, field: String?, detail: String) {
        self.kind = kind
        self.field = field
        self.detail = detail
    }

    public var description: String { detail }
}

/// A JSON value as the client sent it, so that a wrong type can be named precisely (Foundation's
/// `JSONSerialization` cannot tell `true` from `1` on Linux; `JSONDecoder` can).
enum JSONValue: Decodable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// `a string`, `a number`, … for error messages.
    var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "true or false"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "a list"
        case .object: return "an object"
        }
    }
}

/// Decodes the JSON bodies of `POST /v1/recommendations` and `POST /v1/nudges` (api.md).
///
/// Strict by design: a misspelt field (`persona_id`) or a number sent as text would otherwise be
/// ignored and the website would get answers for a question it did not ask. A `null` top-level
/// field counts as absent, as PHP's `json_encode` of an unset variable sends it.
public struct RequestDecoder: Sendable {
    /// Which endpoint the body is for: `/v1/nudges` takes neither `visitor` nor `limit`.
    public enum Endpoint: Sendable {
        case recommendations
        case nudges

        var fields: [String] {
            switch self {
            case .recommendations: return ["journey", "stage", "persona", "visitor", "context", "limit", "now", "explain"]
            case .nudges: return ["journey", "stage", "persona", "context", "now", "explain"]
            }
        }
    }

    public var endpoint: Endpoint
    /// The largest `limit` allowed (`limits.max_limit`).
    public var maxLimit: Int
    /// Whether bodies go through the fast ``JSONScanner`` first. Off, every body takes the
    /// `JSONDecoder` path: the reference the scanner must agree with, which the request fuzzer
    /// (`Fuzz/`) compares it against on every input.
    public var usesScanner = true

    public init(endpoint: Endpoint, maxLimit: Int) {
        self.endpoint = endpoint
        self.maxLimit = maxLimit
    }

    /// The request a body asks; `now` is used when the body has no `now` of its own.
    public func decode(_ body: some Collection<UInt8>, now: Date) throws(RequestError) -> EvaluationRequest {
        guard !body.isEmpty else {
            throw RequestError(.malformedJSON, field: nil, detail: "the body is empty; send a JSON object such as {\"journey\": \"…\"}")
        }
        // The common shape straight into the request; anything else (every refusal included)
        // through the JSONValue tree below, so that every message stays what it was.
        if usesScanner {
            var request = EvaluationRequest(now: now)
            if body.withContiguousStorageIfAvailable({
                JSONScanner.request($0, into: &request, endpoint: endpoint, maxLimit: maxLimit)
            }) == true {
                // Consumed, not copied: a plain return retained every field and released them again.
                return consume request
            }
        }
        let value: JSONValue
        // The fast parser first; anything it leaves (errors included) goes to JSONDecoder, so that
        // what is accepted and every message stay JSONDecoder's.
        let scanned = !usesScanner ? nil : body.withContiguousStorageIfAvailable { JSONScanner.parse($0) }
            ?? Array(body).withUnsafeBufferPointer { JSONScanner.parse($0) }
        if let scanned {
            value = scanned
        } else {
            do {
                value = try JSONDecoder().decode(JSONValue.self, from: Data(body))
            } catch {
                throw RequestError(.malformedJSON, field: nil, detail: "the body is not valid JSON: \(Self.reason(error, body: Data(body)))")
            }
        }
        guard case .object(let fields) = value else {
            throw RequestError(.malformedJSON, field: nil, detail: "the body must be a JSON object, not \(value.kindDescription)")
        }
        let allowed = endpoint.fields
        // Sorted only when some field is unknown: the first in name order is named, in every process.
        for name in fields.keys.contains(where: { !allowed.contains($0) }) ? fields.keys.sorted() : []
            where !allowed.contains(name) {
            var detail = "unknown field '\(name)'"
            if endpoint == .nudges, name == "visitor" || name == "limit" {
                detail += ": /v1/nudges lists every fitting nudge, without caps or a limit; leave it out"
            } else if let hint = SpellingSuggestions.hint(for: name, in: allowed) {
                detail += " (\(hint))"
            } else {
                detail += "; the fields are " + allowed.joined(separator: ", ")
            }
            throw RequestError(.unknownField, field: name, detail: detail)
        }
        var request = EvaluationRequest(now: now)
        request.journey = try string(fields["journey"], "journey")
        request.stage = try string(fields["stage"], "stage")
        request.persona = try string(fields["persona"], "persona")
        request.visitor = try string(fields["visitor"], "visitor")
        if let text = try string(fields["now"], "now") {
            guard let date = TimeParsing.rfc3339(text) else {
                throw RequestError(.invalidValue, field: "now",
                                   detail: "'now' must be an RFC 3339 time such as 2026-11-22T10:00:00+01:00, not '\(text)'")
            }
            request.now = date
        }
        if let explain = fields["explain"], !Self.isNull(explain) {
            guard case .bool(let flag) = explain else {
                throw RequestError(.wrongType, field: "explain", detail: "'explain' must be true or false, not \(explain.kindDescription)")
            }
            request.explain = flag
        }
        if let limit = fields["limit"], !Self.isNull(limit) {
            guard case .number(let number) = limit else {
                throw RequestError(.wrongType, field: "limit", detail: "'limit' must be a whole number, not \(limit.kindDescription)")
            }
            guard number.rounded() == number, number >= 1, number <= Double(maxLimit) else {
                throw RequestError(.invalidValue, field: "limit",
                                   detail: "'limit' must be a whole number from 1 to \(maxLimit), not \(Self.format(number))")
            }
            request.limit = Int(number)
        }
        if let context = fields["context"], !Self.isNull(context) {
            guard case .object(let entries) = context else {
                throw RequestError(.wrongType, field: "context",
                                   detail: "'context' must be an object of keys and values, not \(context.kindDescription)")
            }
            // Built as a dictionary (its keys are unique already), then handed over whole: setting
            // a `RequestContext` key by key would compare every key with every other.
            var context: [String: ContextValue] = [:]
            context.reserveCapacity(entries.count)
            do {
                for (key, entry) in entries { try add(key, entry, to: &context) }
            } catch {
                // Of several bad values the first in key order is named, so that every process
                // names the same one (a dictionary's order follows the per-process hash seed); the
                // sort is only paid for a body that is refused.
                for (key, entry) in entries.sorted(by: { $0.key < $1.key }) { try add(key, entry, to: &context) }
                throw error
            }
            request.context = RequestContext(context)
        }
        return request
    }

    /// One context entry: null counts as absent, a list keeps its order.
    func add(_ key: String, _ entry: JSONValue, to context: inout [String: ContextValue]) throws(RequestError) {
        switch entry {
        case .null:
            return
        case .array(let items):
            context[key] = .list(try items.map { item throws(RequestError) in try scalar(item, contextKey: key) })
        default:
            context[key] = .scalar(try scalar(entry, contextKey: key))
        }
    }

    static func isNull(_ value: JSONValue) -> Bool {
        if case .null = value { return true }
        return false
    }

    func string(_ value: JSONValue?, _ name: String) throws(RequestError) -> String? {
        guard let value else { return nil }
        switch value {
        case .null: return nil
        case .string(let text): return text
        default: throw RequestError(.wrongType, field: name, detail: "'\(name)' must be a string, not \(value.kindDescription)")
        }
    }

    /// A context value (`context.<key>`, named only when it is refused).
    func scalar(_ value: JSONValue, contextKey key: String) throws(RequestError) -> ContextScalar {
        switch value {
        case .string(let text): return .string(text)
        case .number(let number): return .number(number)
        case .bool(let flag): return .bool(flag)
        default:
            let name = "context.\(key)"
            throw RequestError(.wrongType, field: name,
                               detail: "'\(name)' must be a string, number, true/false or a list of those, not \(value.kindDescription)")
        }
    }

    static func format(_ number: Double) -> String {
        if number.rounded() == number, abs(number) < 1e15 { return String(Int64(number)) }
        return String(number)
    }

    /// Foundation's reason for a JSON syntax error, with the place when Foundation knows it
    /// (`JSONSerialization` names the character; `JSONDecoder` does not).
    static func reason(_ error: any Error, body: Data) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
        } catch {
            if let debug = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String { return debug }
        }
        if case DecodingError.dataCorrupted(let context) = error {
            if let underlying = context.underlyingError {
                let info = (underlying as NSError).userInfo
                if let debug = info[NSDebugDescriptionErrorKey] as? String { return debug }
                return "\(underlying)"
            }
            return context.debugDescription
        }
        return "\(error)"
    }
}
