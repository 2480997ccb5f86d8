import Crypto
import Foundation

/// The id a client gives an event batch so that a retry is counted once (issue 18): the body's
/// `batch` or the `Idempotency-Key` header (draft-ietf-httpapi-idempotency-key-header, which
/// payment APIs use). A client that times out cannot know whether its batch was stored; sending
/// it again with the same key is then always safe: the store remembers the key with the batch's
/// counts, in the same commit (docs/api.md, "Decision: `POST /v1/events`").
public enum BatchKey {
    /// The request header that may carry the key.
    public static let headerName = "Idempotency-Key"

    /// What a key must be, as said in every refusal.
    public static let rule = "'batch' (or the Idempotency-Key header) must be 1 to 255 visible ASCII characters, such as a UUID"

    /// The key in `text`, or nil when it is not one: 1…255 visible ASCII characters (`!`…`~`).
    public static func check(_ text: String) -> String? {
        let bytes = text.utf8
        guard (1...255).contains(bytes.count), bytes.allSatisfy({ (0x21...0x7E).contains($0) }) else { return nil }
        return text
    }

    /// The key in an `Idempotency-Key` header: the draft makes it a structured-field string
    /// (`"…"`, RFC 8941 3.3.3, with `\"` and `\\` escaped), and most clients send it bare; both are
    /// read. A value starting with `"` is a string and must be one; a header sent twice arrives
    /// joined with ", " and is refused (a key has no space).
    public static func header(_ value: String) -> String? {
        guard value.first == "\"" else { return check(value) }
        var key = ""
        var escaped = false
        var closed = false
        for character in value.dropFirst() {
            if closed { return nil }
            if escaped {
                guard character == "\"" || character == "\\" else { return nil }
                key.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                closed = true
            } else {
                key.append(character)
            }
        }
        return closed ? check(key) : nil
    }

    /// The key of a batch: the body's `batch` and the header's, which must agree when both are given.
    /// - Throws: 400 naming the header or `batch` when either is not a key, or when they differ.
    static func resolve(body: Any?, header: String?) throws(Problem) -> String? {
        var fromHeader: String?
        if let header {
            guard let valid = Self.header(header) else {
                throw EventBatch.refusal(slug: "invalid-value", title: "Invalid value", status: 400,
                                         detail: Self.rule + "; the Idempotency-Key header is not",
                                         errors: [Problem.Mistake(field: headerName, detail: rule)])
            }
            fromHeader = valid
        }
        var fromBody: String?
        if let body, !(body is NSNull) {
            guard let text = body as? String, let valid = check(text) else {
                throw EventBatch.refusal(slug: "invalid-value", title: "Invalid value", status: 400, detail: rule,
                                         errors: [Problem.Mistake(field: "batch", detail: rule)])
            }
            fromBody = valid
        }
        if let fromHeader, let fromBody, fromHeader != fromBody {
            throw EventBatch.refusal(slug: "invalid-value", title: "Invalid value", status: 400,
                                     detail: "'batch' and the Idempotency-Key header name different keys; send one, or the same in both",
                                     errors: [Problem.Mistake(field: "batch", value: fromBody, detail: "differs from the Idempotency-Key header")])
        }
        return fromBody ?? fromHeader
    }

    /// SHA-256 over the events as decoded, not over the body's bytes: a retry must carry the same
    /// events, field for field and in the same order, but may be written with other whitespace,
    /// member order or escapes (a client that serialises again), and a `null` member is the same as
    /// an absent one (as everywhere in the API). What is hashed is prefix-free: the number of events;
    /// per event the number of its members; per member, sorted by name, the name's and then the
    /// value's length and bytes (names and values of an accepted batch are strings).
    static func digest(of events: [Any]) -> [UInt8] {
        var hasher = SHA256()
        func length(_ count: Int) {
            withUnsafeBytes(of: UInt32(truncatingIfNeeded: count).littleEndian) { hasher.update(bufferPointer: $0) }
        }
        length(events.count)
        for element in events {
            let members = ((element as? [String: Any]) ?? [:]).compactMapValues { $0 as? String }
            length(members.count)
            for name in members.keys.sorted() {
                for text in [name, members[name] ?? ""] {
                    length(text.utf8.count)
                    hasher.update(data: Array(text.utf8))
                }
            }
        }
        return Array(hasher.finalize())
    }
}
