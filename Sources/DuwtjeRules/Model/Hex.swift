/// Lower-case hexadecimal of bytes: the one hex encoder (rule-set versions, visitor-key
/// fingerprints, the `\u00XX` escapes of the answer writer).
public enum Hex {
    /// The sixteen digits, `0`–`9` then `a`–`f`.
    public static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `[0x0a, 0xff]` as `0aff`.
    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        bytes.withContiguousStorageIfAvailable(string(contiguous:)) ?? Array(bytes).withUnsafeBufferPointer(string(contiguous:))
    }

    /// Written straight into the string's storage: the daemon turns every visitor's keyed hash into
    /// its cap key this way, on the request path, where an intermediate array and a validating copy
    /// cost more than the hex itself.
    private static func string(contiguous bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { text in
            var at = 0
            for byte in bytes {
                text[at] = digit(byte >> 4)
                text[at + 1] = digit(byte & 0x0F)
                at += 2
            }
            return at
        }
    }

    @inline(__always)
    private static func digit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") - 10 + value
    }
}
