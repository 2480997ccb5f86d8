/// The bytes a JSON string cannot hold as they are: `"`, `\\` and control characters (below 0x20).
/// Tested eight at a time (SWAR) by the answer writer, to skip escaping, and by the request scanner,
/// to find a string's end: most strings have none, and a byte at a time cost more than the rest.
enum JSONBytes {
    /// Whether `byte` is `"`, `\\` or a control character.
    @inline(__always)
    static func isSpecial(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    /// Whether any of the eight bytes of `word` is special. Exact: the tests for a zero byte and for
    /// a byte below 0x20 have no false positives in a word with no such byte (bytes of 0x80 and above
    /// are never flagged), so a clean word is never sent down a slow path.
    @inline(__always)
    static func hasSpecial(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let control = (word &- ones &* 0x20) & ~word & highs  // some byte < 0x20
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let zeroQuote = (quote &- ones) & ~quote & highs
        let zeroBackslash = (backslash &- ones) & ~backslash & highs
        return control | zeroQuote | zeroBackslash != 0
    }

    /// Whether any of the eight bytes of `word` is 0x80 or above (not ASCII).
    @inline(__always)
    static func hasHigh(_ word: UInt64) -> Bool {
        word & 0x8080_8080_8080_8080 != 0
    }
}
