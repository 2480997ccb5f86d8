import DuwtjeRules
import Foundation

/// A request body in the common shape read straight into an ``EvaluationRequest``, without a
/// ``JSONValue`` tree in between (issue 14: decoding ≤ 1 µs).
///
/// Building the tree cost a dictionary for the fields, another for the context and an enum per
/// value, only to take them apart again. This path knows the fields: it matches each name by its
/// bytes and reads its value as the type the field takes. It accepts only what it is sure of and
/// returns nil for everything else (an unknown field, a wrong type, a duplicate, a `limit` or `now`
/// out of bounds, a nested list, anything the scanner itself leaves), so that every refused body
/// still takes the tree path and gets the same message as before. The request fuzzer compares both
/// paths with `JSONDecoder` on every input.
extension JSONScanner {
    /// The top-level fields, one bit each, to find a field sent twice.
    private enum Field: UInt8 {
        case journey = 1, stage = 2, persona = 4, visitor = 8, context = 16, limit = 32, now = 64, explain = 128

        /// The field a key's bytes name, or nil for anything else (the tree path names it).
        init?(_ name: UnsafeBufferPointer<UInt8>) {
            switch name.count {
            case 3: if Self.equal(name, "now") { self = .now; return }
            case 5:
                if Self.equal(name, "stage") { self = .stage; return }
                if Self.equal(name, "limit") { self = .limit; return }
            case 7:
                if Self.equal(name, "journey") { self = .journey; return }
                if Self.equal(name, "persona") { self = .persona; return }
                if Self.equal(name, "visitor") { self = .visitor; return }
                if Self.equal(name, "context") { self = .context; return }
                if Self.equal(name, "explain") { self = .explain; return }
            default: break
            }
            return nil
        }

        private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
            guard bytes.count == word.utf8CodeUnitCount else { return false }
            for offset in 0..<bytes.count where bytes[offset] != word.utf8Start[offset] { return false }
            return true
        }
    }

    /// The most context keys (null ones included) this path reads; a larger context takes the tree path.
    static let maxDirectContextKeys = 16

    /// The request of `body`, or nil when the body is left to the ``JSONValue`` path.
    static func request(_ body: UnsafeBufferPointer<UInt8>, endpoint: RequestDecoder.Endpoint, maxLimit: Int,
                        now: Date) -> EvaluationRequest? {
        var scanner = JSONScanner(body)
        guard let request = scanner.requestObject(endpoint: endpoint, maxLimit: maxLimit, now: now) else { return nil }
        scanner.skipWhitespace()
        return scanner.index == body.count ? request : nil
    }

    private mutating func requestObject(endpoint: RequestDecoder.Endpoint, maxLimit: Int, now: Date) -> EvaluationRequest? {
        skipWhitespace()
        guard next(is: "{") else { return nil }
        var request = EvaluationRequest(now: now)
        var seen: UInt8 = 0
        skipWhitespace()
        if next(is: "}") { return request }
        while true {
            skipWhitespace()
            guard let name = plainString(), let field = Field(name), seen & field.rawValue == 0 else { return nil }
            seen |= field.rawValue
            skipWhitespace()
            guard next(is: ":") else { return nil }
            skipWhitespace()
            guard index < bytes.count else { return nil }
            // A null top-level field counts as absent (api.md: PHP sends unset variables as null).
            if literal("null") {
                // …but /v1/nudges names `visitor` and `limit` as unknown even when null.
                if endpoint == .nudges, field == .visitor || field == .limit { return nil }
            } else {
                switch field {
                case .journey: guard let text = stringValue() else { return nil }; request.journey = text
                case .stage: guard let text = stringValue() else { return nil }; request.stage = text
                case .persona: guard let text = stringValue() else { return nil }; request.persona = text
                case .visitor:
                    guard endpoint == .recommendations, let text = stringValue() else { return nil }
                    request.visitor = text
                case .now:
                    // Read from its bytes: a time is 20+ bytes, a String of it would be allocated.
                    guard let text = plainString(), let date = TimeParsing.rfc3339(utf8: text) else { return nil }
                    request.now = date
                case .explain:
                    if literal("true") { request.explain = true } else if literal("false") { request.explain = false } else { return nil }
                case .limit:
                    guard endpoint == .recommendations, isNumberStart, let number = number(),
                          number.rounded() == number, number >= 1, number <= Double(maxLimit) else { return nil }
                    request.limit = Int(number)
                case .context:
                    guard contextObject(into: &request) else { return nil }
                }
            }
            skipWhitespace()
            if next(is: ",") { continue }
            return next(is: "}") ? request : nil
        }
    }

    /// The context's entries into `request.context`; false when the tree path must judge it.
    private mutating func contextObject(into request: inout EvaluationRequest) -> Bool {
        guard next(is: "{") else { return false }
        skipWhitespace()
        if next(is: "}") { return true }
        // Keys whose value was null: absent, but still a duplicate if sent again.
        var nullKeys: [String] = []
        // Room for a typical context at once.
        request.context.reserveCapacity(8)
        var keys = 0
        while true {
            skipWhitespace()
            // Each key is compared with those before it: beyond a typical context's size the tree
            // path (a dictionary) takes over, so a body of thousands of keys costs no quadratic time.
            keys += 1
            guard keys <= Self.maxDirectContextKeys else { return false }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = string() else { return false }
            guard nullKeys.isEmpty || !nullKeys.contains(key) else { return false }
            skipWhitespace()
            guard next(is: ":") else { return false }
            skipWhitespace()
            guard index < bytes.count else { return false }
            let value: ContextValue
            if literal("null") {
                guard request.context[key] == nil else { return false }
                nullKeys.append(key)
                skipWhitespace()
                if next(is: ",") { continue }
                return next(is: "}")
            } else if next(is: "[") {
                var items: [ContextScalar] = []
                skipWhitespace()
                if !next(is: "]") {
                    while true {
                        skipWhitespace()
                        guard let item = scalarValue() else { return false }
                        items.append(item)
                        skipWhitespace()
                        if next(is: ",") { continue }
                        guard next(is: "]") else { return false }
                        break
                    }
                }
                value = .list(items)
            } else {
                guard let scalar = scalarValue() else { return false }
                value = .scalar(scalar)
            }
            // A duplicate shows as a value replaced.
            guard request.context.updateValue(value, forKey: key) == nil else { return false }
            skipWhitespace()
            if next(is: ",") { continue }
            return next(is: "}")
        }
    }

    /// A string, number or boolean; nil for anything else (null, a list or an object in a list).
    private mutating func scalarValue() -> ContextScalar? {
        guard index < bytes.count else { return nil }
        if bytes[index] == UInt8(ascii: "\"") { return string().map(ContextScalar.string) }
        if literal("true") { return .bool(true) }
        if literal("false") { return .bool(false) }
        guard isNumberStart else { return nil }
        return number().map(ContextScalar.number)
    }

    private mutating func stringValue() -> String? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        return string()
    }

    private var isNumberStart: Bool {
        guard index < bytes.count else { return false }
        let byte = bytes[index]
        return byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// A string without escapes, as its bytes: a field name, or a time (both plain ASCII; anything
    /// else is left to the tree path).
    private mutating func plainString() -> UnsafeBufferPointer<UInt8>? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        let start = index + 1
        var end = start
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") {
                index = end + 1
                return UnsafeBufferPointer(rebasing: bytes[start..<end])
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { return nil }
            end += 1
        }
        return nil
    }

    /// Whether the next byte is `character`, consumed if so.
    private mutating func next(is character: Unicode.Scalar) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }
}
