public import Foundation

/// The one JSON encoding of everything the daemon and the tools write: sorted keys (the same bytes
/// in every process) and slashes unescaped (so URLs read as written). ``AnswerWriter`` writes the
/// hot path's answers by hand in exactly this form.
public enum WireJSON {
    /// A fresh encoder with these settings (`JSONEncoder` is not `Sendable`, so each caller gets one).
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.withoutEscapingSlashes, .sortedKeys, .prettyPrinted]
                                          : [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }

    /// `value` encoded, or nil when it cannot be (a non-finite number).
    public static func encode(_ value: some Encodable) -> [UInt8]? {
        (try? encoder().encode(value)).map { Array($0) }
    }
}
