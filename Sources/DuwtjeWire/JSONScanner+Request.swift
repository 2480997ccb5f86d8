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

    /// The most context keys (null ones included) this path reads; a larger context, or one with a
    /// key that is not plain ASCII, takes the tree path.
    static let maxDirectContextKeys = 16

    /// Reads `body` into `request` (made with the default `now`); false when the body is left to
    /// the ``JSONValue`` path, with `request` then half filled and to be thrown away.
    ///
    /// Filled in place rather than returned: returning the request from each function on the
    /// way copied it (every field retained, then released), as did binding it with `guard let`.
    static func request(_ body: UnsafeBufferPointer<UInt8>, into request: inout EvaluationRequest,
                        endpoint: RequestDecoder.Endpoint, maxLimit: Int) -> Bool {
        var scanner = JSONScanner(body)
        guard scanner.requestObject(into: &request, endpoint: endpoint, maxLimit: maxLimit) else { return false }
        scanner.skipWhitespace()
        return scanner.index == body.count
    }

    /// The body's object into `request`; false when the tree path must judge the body.
    private mutating func requestObject(into request: inout EvaluationRequest, endpoint: RequestDecoder.Endpoint,
                                        maxLimit: Int) -> Bool {
        skipWhitespace()
        guard next(is: "{") else { return false }
        var seen: UInt8 = 0
        skipWhitespace()
        if next(is: "}") { return true }
        while true {
            skipWhitespace()
            guard let name = plainString(), let field = Field(name), seen & field.rawValue == 0 else { return false }
            seen |= field.rawValue
            skipWhitespace()
            guard next(is: ":") else { return false }
            skipWhitespace()
            guard index < bytes.count else { return false }
            // A null top-level field counts as absent (api.md: PHP sends unset variables as null).
            if literal("null") {
                // …but /v1/nudges names `visitor` and `limit` as unknown even when null.
                if endpoint == .nudges, field == .visitor || field == .limit { return false }
            } else {
                switch field {
                case .journey: guard let text = stringValue() else { return false }; request.journey = text
                case .stage: guard let text = stringValue() else { return false }; request.stage = text
                case .persona: guard let text = stringValue() else { return false }; request.persona = text
                case .visitor:
                    guard endpoint == .recommendations, let text = stringValue() else { return false }
                    request.visitor = text
                case .now:
                    // Read from its bytes: a time is 20+ bytes, a String of it would be allocated.
                    guard let text = plainString(), let date = TimeParsing.rfc3339(utf8: text) else { return false }
                    request.now = date
                case .explain:
                    if literal("true") { request.explain = true } else if literal("false") { request.explain = false } else { return false }
                case .limit:
                    guard endpoint == .recommendations, isNumberStart, let number = number(),
                          number.rounded() == number, number >= 1, number <= Double(maxLimit) else { return false }
                    request.limit = Int(number)
                case .context:
                    guard contextObject(into: &request) else { return false }
                }
            }
            skipWhitespace()
            if next(is: ",") { continue }
            return next(is: "}")
        }
    }

    /// The context's entries into `request.context`; false when the tree path must judge it.
    private mutating func contextObject(into request: inout EvaluationRequest) -> Bool {
        guard next(is: "{") else { return false }
        skipWhitespace()
        if next(is: "}") { return true }
        return withUnsafeTemporaryAllocation(of: UnsafeBufferPointer<UInt8>.self, capacity: Self.maxDirectContextKeys) { keys in
            contextEntries(into: &request, keys: keys)
        }
    }

    /// The entries after `{`, each key's bytes kept in `keys` (room for
    /// ``maxDirectContextKeys``) to find a key sent twice.
    ///
    /// Keys are compared as bytes, before any `String` is made: this path takes only plain ASCII
    /// keys (no escapes; anything else goes to the tree path), for which equal bytes and equal
    /// strings are the same thing. A key sent twice, null or not, also goes to the tree path,
    /// which decides as before; so the context is appended to without looking keys up.
    private mutating func contextEntries(into request: inout EvaluationRequest,
                                         keys: UnsafeMutableBufferPointer<UnsafeBufferPointer<UInt8>>) -> Bool {
        // Room for as many entries as this path reads, at once: growing past a guess cost more
        // than the larger allocation.
        request.context.reserveCapacity(keys.count)
        var count = 0
        while true {
            skipWhitespace()
            // Beyond a typical context's size the tree path (a dictionary) takes over, so a body
            // of thousands of keys costs no quadratic time here.
            guard count < keys.count, let name = plainString() else { return false }
            for earlier in keys[0..<count] where Self.same(earlier, name) { return false }
            keys.initializeElement(at: count, to: name)
            count += 1
            skipWhitespace()
            guard next(is: ":") else { return false }
            skipWhitespace()
            guard index < bytes.count else { return false }
            if literal("null") {
                // Absent (but still a duplicate if sent again: it is in `keys`).
                skipWhitespace()
                if next(is: ",") { continue }
                return next(is: "}")
            }
            let value: ContextValue
            if next(is: "[") {
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
            request.context.append(uniqueKey: Self.ascii(name), value)
            skipWhitespace()
            if next(is: ",") { continue }
            return next(is: "}")
        }
    }

    /// Whether two keys have the same bytes.
    private static func same(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard let first = a.baseAddress, let second = b.baseAddress else { return true }  // both empty
        return memcmp(first, second, a.count) == 0
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
