@testable import DuwtjeRules
import DuwtjeTestSupport
import Testing

/// The ASCII search for norm claims (the ethics check `norm-without-source`) must find exactly what
/// Foundation's regular expressions and case-insensitive search find, as written, or the warnings
/// of a rule set would change with the speed-up.
@Suite("Norm claims")
struct NormClaimTests {
    /// Pieces that make the patterns match, nearly match and fail in every way: digits with and
    /// without separators, every kind of space, `procent` before a letter, `_` or the end, the
    /// ratio's words in mixed case, the phrases cut short and in upper case.
    static let pieces = [
        "7", "73", "0", "12", "3.5", "4,25", "1.", ",", ".", "%", " %", "procent", "Procent", "procenten", "procent_",
        " ", "  ", "\t", "\n", "\r", "\u{0B}", "\u{0C}", "op", "OP", "Op", "van", "VAN", "vAn", "de", "DE", "dE", "d",
        "x", "_", "a", "-", "(", "!", "De meeste", "MEESTE INWONERS", "meeste mensen", "meer dan de helft",
        "de helft va", "de helft van", "de meerderheid", "bijna IEDEREEN", "iedereen doet", "steeds meer", "veel inwoners",
        "Veel mensen", "negen van de tien", "acht van de tien", "een op de", "EEN op DE", "most people", "Most Residents",
        "mostpeople", "meest", "9 van de 10", "1 op de 5", "2 OP DE 3",
    ]

    static func message(_ random: inout SeededGenerator) -> String {
        (0..<(1 + random.below(12))).map { _ in pieces[random.below(pieces.count)] }.joined()
    }

    @Test("on ASCII text the byte search finds the claim Foundation finds, as written")
    func asciiSearchAgreesWithFoundation() {
        var random = SeededGenerator.forTest("NormClaimTests.asciiSearchAgreesWithFoundation")
        let seed = SeededGenerator.hex(random.seed)
        var found = 0
        for round in 0..<4_000 {
            let text = Self.message(&random)
            #expect(NormClaim.isASCII(text))
            let expected = NormClaim.firstByFoundation(in: text)
            #expect(NormClaim.firstInASCII(text) == expected, "seed \(seed) round \(round): \(text.debugDescription)")
            if expected != nil { found += 1 }
        }
        // The pieces are chosen so that both outcomes are common; a generator that never produced a
        // claim would test nothing.
        #expect(found > 500 && found < 3_500, "seed \(seed): \(found) of 4000 messages hold a claim")
    }

    @Test("text that is not ASCII is left to Foundation", arguments: ["Één op de drie", "Meer dan 50 % — de meeste mensen"])
    func nonASCIIGoesToFoundation(text: String) {
        #expect(!NormClaim.isASCII(text))
        #expect(NormClaim.first(in: text) == NormClaim.firstByFoundation(in: text))
        #expect(NormClaim.first(in: text) != nil)
    }
}
