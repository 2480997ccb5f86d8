/// The id a client gives an event batch so that a retry is counted once (issue 18): the body's
/// `batch` or the `Idempotency-Key` header (draft-ietf-httpapi-idempotency-key-header, which
/// payment APIs use). A client that times out cannot know whether its batch was stored; sending
/// it again with the same key is then always safe.
public enum BatchKey {
    /// What a key must be, as said in every refusal.
    public static let rule = "'batch' (or the Idempotency-Key header) must be 1 to 255 visible ASCII characters, such as a UUID"

    /// The key in `text`, or nil when it is not one: 1…255 visible ASCII characters (`!`…`~`).
    public static func check(_ text: String) -> String? {
        let bytes = text.utf8
        guard (1...255).contains(bytes.count), bytes.allSatisfy({ (0x21...0x7E).contains($0) }) else { return nil }
        return text
    }

    /// The key in an `Idempotency-Key` header: the draft makes it a structured-field string
    /// (`"…"`), and most clients send it bare; both are read.
    public static func header(_ value: String) -> String? {
        var text = Substring(value)
        if text.count >= 2, text.first == "\"", text.last == "\"" { text = text.dropFirst().dropLast() }
        return check(String(text))
    }
}
