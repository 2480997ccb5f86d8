@testable import DuwtjeRules
import Testing

/// `prefix` conditions, stage signals and "did you mean" compare prefixes from the bytes where they
/// decide it: the answer must be `hasPrefix`'s (characters under canonical equivalence) for every pair.
@Suite("Prefixes from the bytes")
struct StringPrefixTests {
    static let texts = [
        "", "a", "ab", "abc", "abd", "b", "gemeente-utrecht", "gemeente", "gemeente-", "/zorg/wmo", "/zorg",
        "a\r", "a\r\n", "a\r\nb", "a\n", "\r", "\r\n",
        "e", "e\u{301}", "\u{E9}", "cafe", "cafe\u{301}", "caf\u{E9}", "caf\u{E9}s",
        "K", "Kelvin", "\u{212A}", "\u{212A}elvin", ";", "\u{37E}", "a\u{200D}", "a\u{308}b", "\u{1F1F3}\u{1F1F1}",
        "toeslag-aanvraag-2027", "toeslag-aanvraag", "toeslag-aanvraag-2027-extra-lang-genoeg",
    ]

    @Test("the same answer as hasPrefix for every pair: ASCII, CR LF, combining marks, canonical equivalents")
    func sameAsHasPrefix() {
        for text in Self.texts {
            for prefix in Self.texts {
                #expect(text.hasPrefixComparingBytes(prefix) == text.hasPrefix(prefix),
                        "\(text.debugDescription) starts with \(prefix.debugDescription)")
            }
        }
    }
}
