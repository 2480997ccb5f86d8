/// Lower-case hexadecimal of bytes: the one hex encoder (rule-set versions, visitor-key
/// fingerprints, the `\u00XX` escapes of the answer writer).
public enum Hex {
    /// The sixteen digits, `0`–`9` then `a`–`f`.
    public static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `[0x0a, 0xff]` as `0aff`.
    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
