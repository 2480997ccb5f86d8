@testable import DuwtjeRules
import DuwtjeTestSupport
import Testing

/// The request path resolves ids through ``IDTable`` instead of `Dictionary`: it must find exactly
/// what the dictionary finds, Unicode equivalence included, or answers would change.
@Suite("Id tables")
struct IDTableTests {
    @Test("finds what a dictionary finds: ASCII, long, empty, and canonically equivalent keys")
    func sameAsDictionary() {
        let keys = ["", "a", "paspoort", "paspoort-aanvragen-online-2026", "Súdwest-Fryslân", "caf\u{E9}", "\u{212A}elvin"]
        let table = IDTable(keys)
        let probes = keys + [
            "b", "paspoort ", "paspoor", "PASPOORT",
            "cafe\u{301}",  // é decomposed: equal to the precomposed key
            "Kelvin",  // ASCII, equal to the key spelled with the Kelvin sign (U+212A)
            "Su\u{301}dwest-Frysla\u{302}n",
        ]
        let dictionary = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
        for probe in probes {
            #expect(table[probe] == dictionary[probe], "\(Array(probe.unicodeScalars))")
        }
        #expect(table["cafe\u{301}"] == 5 && table["Kelvin"] == 6, "equivalent spellings are found")
    }

    @Test("random ASCII vocabularies: every key found at its index, every other string missed")
    func randomVocabularies() {
        var generator = SeededGenerator.forTest("IDTableTests.randomVocabularies")
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789-_")
        func word() -> String { String((0..<(1 + generator.below(40))).map { _ in alphabet[generator.below(alphabet.count)] }) }
        for round in 0..<50 {
            let keys = (0..<(1 + generator.below(300))).map { _ in word() }
            let table = IDTable(keys)
            var first: [String: Int] = [:]
            for (index, key) in keys.enumerated() where first[key] == nil { first[key] = index }
            for key in keys { #expect(table[key] == first[key], "round \(round): \(key)") }
            for _ in 0..<200 {
                let probe = word()
                #expect(table[probe] == first[probe], "round \(round): \(probe)")
            }
        }
    }
}
