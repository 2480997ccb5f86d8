/// ``NormClaim`` on ASCII text without Foundation: the same two patterns and phrases, matched
/// byte by byte, with what ICU means by `\d`, `\s`, `\b` and case-insensitive on ASCII text.
///
/// Both patterns are deterministic on ASCII: every repetition is followed by a byte it cannot
/// match, so the greedy match is the only one that can succeed at a start, and the leftmost start
/// that succeeds is the one the regular expression reports.
extension NormClaim {
    /// Whether ``firstInASCII(_:)`` may decide for `text`.
    static func isASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 < 0x80 }
    }

    /// ``first(in:)`` on ASCII text.
    static func firstInASCII(_ text: String) -> String? {
        var text = text
        return text.withUTF8 { bytes in
            (share(in: bytes) ?? ratio(in: bytes) ?? phrase(in: bytes)).map { String(decoding: bytes[$0], as: UTF8.self) }
        }
    }

    /// `\d+([.,]\d+)?\s*(%|procent\b)`
    static func share(in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        for start in bytes.indices where isDigit(bytes[start]) {
            var at = digits(bytes, from: start)
            if at + 1 < bytes.count, bytes[at] == UInt8(ascii: ".") || bytes[at] == UInt8(ascii: ","), isDigit(bytes[at + 1]) {
                at = digits(bytes, from: at + 1)
            }
            while at < bytes.count, isSpace(bytes[at]) { at += 1 }
            if at < bytes.count, bytes[at] == UInt8(ascii: "%") { return start..<(at + 1) }
            let word = Array("procent".utf8)
            if at + word.count <= bytes.count, bytes[at..<(at + word.count)].elementsEqual(word),
               at + word.count == bytes.count || !isWord(bytes[at + word.count]) {
                return start..<(at + word.count)
            }
        }
        return nil
    }

    /// `\b\d+\s+(op|van)\s+de\s+\d+\b`, case-insensitive.
    static func ratio(in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        for start in bytes.indices where isDigit(bytes[start]) && (start == 0 || !isWord(bytes[start - 1])) {
            var at = digits(bytes, from: start)
            guard let afterSpace = spaces(bytes, from: at) else { continue }
            if let end = word("op", in: bytes, at: afterSpace) ?? word("van", in: bytes, at: afterSpace) {
                at = end
            } else {
                continue
            }
            guard let beforeDe = spaces(bytes, from: at), let afterDe = word("de", in: bytes, at: beforeDe),
                  let number = spaces(bytes, from: afterDe), number < bytes.count, isDigit(bytes[number])
            else { continue }
            at = digits(bytes, from: number)
            if at == bytes.count || !isWord(bytes[at]) { return start..<at }
        }
        return nil
    }

    /// The first of ``phrases`` (in their order) found anywhere in the text, case-insensitively.
    /// A start is compared further only when its byte is the phrase's first letter: calling
    /// ``matches(_:in:at:)`` at every byte for every phrase was ~20,000 instructions a nudge.
    static func phrase(in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        for phrase in asciiPhrases where phrase.count <= bytes.count {
            let found = phrase.withUnsafeBufferPointer { letters -> Int? in
                guard let first = letters.first else { return 0 }
                var start = 0
                let last = bytes.count - letters.count
                while start <= last {
                    if lower(bytes[start]) == first, matches(letters, in: bytes, at: start) { return start }
                    start += 1
                }
                return nil
            }
            if let found { return found..<(found + phrase.count) }
        }
        return nil
    }

    /// The phrases that can occur in ASCII text (`één op de` cannot), in their order.
    static let asciiPhrases: [[UInt8]] = phrases.filter { $0.utf8.allSatisfy { $0 < 0x80 } }.map { Array($0.utf8) }

    static func matches(_ lowercased: UnsafeBufferPointer<UInt8>, in bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Bool {
        for offset in lowercased.indices where lower(bytes[start + offset]) != lowercased[offset] { return false }
        return true
    }

    /// The end of `word` (lower-case) written at `at` in any case, or nil.
    static func word(_ word: StaticString, in bytes: UnsafeBufferPointer<UInt8>, at: Int) -> Int? {
        let count = word.utf8CodeUnitCount
        guard at + count <= bytes.count else { return nil }
        let letters = UnsafeBufferPointer(start: word.utf8Start, count: count)
        for offset in 0..<count where lower(bytes[at + offset]) != letters[offset] { return nil }
        return at + count
    }

    static func digits(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var at = start
        while at < bytes.count, isDigit(bytes[at]) { at += 1 }
        return at
    }

    /// The end of one or more spaces from `start` (`\s+`), or nil when there is none.
    static func spaces(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var at = start
        while at < bytes.count, isSpace(bytes[at]) { at += 1 }
        return at > start ? at : nil
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// ICU's `\s` on ASCII: tab, line feed, vertical tab, form feed, carriage return, space.
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }

    /// ICU's word characters on ASCII (for `\b`): letters, digits and `_`.
    static func isWord(_ byte: UInt8) -> Bool {
        isDigit(byte) || byte == UInt8(ascii: "_") || (lower(byte) >= UInt8(ascii: "a") && lower(byte) <= UInt8(ascii: "z"))
    }

    static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }
}
