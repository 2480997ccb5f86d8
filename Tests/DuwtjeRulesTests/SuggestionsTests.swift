@testable import DuwtjeRules
import DuwtjeTestSupport
import Testing

/// "Did you mean …" hints are chosen by ``Suggestions/editDistance(_:_:bound:)``, which is written
/// for speed (one row, unchecked sums, giving up past the bound): it must agree with the textbook
/// distance wherever that is within the bound, or the hints in warnings would change.
@Suite("Suggestions")
struct SuggestionsTests {
    /// Levenshtein distance by the full table, as in a textbook.
    static func reference(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in stride(from: 1, through: a.count, by: 1) {
            for j in stride(from: 1, through: b.count, by: 1) {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
            }
        }
        return table[a.count][b.count]
    }

    @Test("within its bound the edit distance is the textbook one; past it, anything past the bound")
    func editDistanceAgreesWithTheTable() {
        var random = SeededGenerator.forTest("SuggestionsTests.editDistanceAgreesWithTheTable")
        let seed = SeededGenerator.hex(random.seed)
        // A small alphabet, so that words share letters and distances of every size are common.
        let alphabet = Array("aabcdeé-".unicodeScalars)
        func word() -> [Unicode.Scalar] { (0..<random.below(10)).map { _ in alphabet[random.below(alphabet.count)] } }
        var withinBound = 0
        for round in 0..<3_000 {
            let a = word()
            let b = word()
            let bound = random.below(6)
            let expected = Self.reference(a, b)
            let found = Suggestions.editDistance(a, b, bound: bound)
            let context = "seed \(seed) round \(round): \(String(String.UnicodeScalarView(a))) / \(String(String.UnicodeScalarView(b))), bound \(bound)"
            if expected <= bound {
                withinBound += 1
                #expect(found == expected, "\(context)")
            } else {
                #expect(found > bound, "\(context)")
            }
        }
        #expect(withinBound > 500, "seed \(seed): only \(withinBound) of 3000 pairs within their bound")
    }

    @Test("the bit-parallel distance of ASCII texts is the textbook one")
    func bitParallelDistanceAgreesWithTheTable() {
        var random = SeededGenerator.forTest("SuggestionsTests.bitParallelDistanceAgreesWithTheTable")
        let seed = SeededGenerator.hex(random.seed)
        let alphabet = Array("aabcde-".utf8)
        func word(_ longest: Int) -> [UInt8] { (0..<random.below(longest + 1)).map { _ in alphabet[random.below(alphabet.count)] } }
        for round in 0..<3_000 {
            // Patterns of 1 to 64 bytes (64 fills the word), texts of any length.
            var pattern = word(round % 10 == 0 ? 64 : 12)
            if pattern.isEmpty { pattern = [alphabet[0]] }
            if round % 50 == 0 { pattern = (0..<64).map { _ in alphabet[random.below(alphabet.count)] } }
            let text = word(round % 10 == 0 ? 70 : 14)
            var positions = [UInt64](repeating: 0, count: 128)
            for (index, byte) in pattern.enumerated() { positions[Int(byte)] |= 1 << UInt64(index) }
            let found = positions.withUnsafeBufferPointer { positions in
                text.withUnsafeBufferPointer { Suggestions.bitParallelDistance(positions, length: pattern.count, $0) }
            }
            let expected = Self.reference(pattern.map { Unicode.Scalar($0) }, text.map { Unicode.Scalar($0) })
            #expect(found == expected, "seed \(seed) round \(round): \(pattern) / \(text)")
        }
    }

    @Test("a vocabulary offers an ASCII name what the general path offers")
    func vocabularyAgreesWithThePlainPath() {
        var random = SeededGenerator.forTest("SuggestionsTests.vocabularyAgreesWithThePlainPath")
        let seed = SeededGenerator.hex(random.seed)
        // A small alphabet, so that many words are near each other or prefixes of each other; CR and
        // LF because CR LF is one `Character` (prefixes and lengths by characters, not bytes).
        let alphabet: [Character] = ["a", "a", "b", "c", "d", "e", "-", "\r", "\n"]
        func word() -> String { String((0..<random.below(12)).map { _ in alphabet[random.below(alphabet.count)] }) }
        var offered = 0
        for round in 0..<400 {
            let known = (0..<(1 + random.below(30))).map { _ in word() }
            let vocabulary = Suggestions.Vocabulary(known)
            for _ in 0..<10 {
                let name = random.below(4) == 0 ? known[random.below(known.count)] + word() : word()
                let expected = Suggestions.nearest(to: name, in: known)
                #expect(vocabulary.nearestASCII(to: name) == expected, "seed \(seed) round \(round): \(name.debugDescription) among \(known)")
                #expect(vocabulary.hint(for: name) == Suggestions.hint(expected), "seed \(seed) round \(round)")
                if !expected.isEmpty { offered += 1 }
            }
        }
        #expect(offered > 1_000, "seed \(seed): only \(offered) of 4000 names were offered a hint")
        // Not ASCII: the general path answers.
        #expect(Suggestions.Vocabulary(["café", "cafe"]).nearestASCII(to: "cafx") == nil)
        #expect(Suggestions.Vocabulary(["cafe"]).nearestASCII(to: "café") == nil)
        #expect(Suggestions.Vocabulary(["café", "thee"]).hint(for: "cafe") == Suggestions.hint(Suggestions.nearest(to: "cafe", in: ["café", "thee"])))
    }

    @Test("the search by length and first byte offers what comparing every id offers, in the same order")
    func bucketedSearchAgreesWithThePlainSearch() {
        var random = SeededGenerator.forTest("SuggestionsTests.bucketedSearchAgreesWithThePlainSearch")
        let seed = SeededGenerator.hex(random.seed)
        // Few first letters and lengths from empty to past the bit-parallel word (64), so that ids
        // outside a name's length window are often its prefixes (or it theirs); CR LF is one `Character`.
        let alphabet: [Character] = ["a", "a", "a", "b", "c", "-", "\r", "\n"]
        func word(_ longest: Int) -> String { String((0..<random.below(longest + 1)).map { _ in alphabet[random.below(alphabet.count)] }) }
        var offered = 0
        var outsideTheWindow = 0
        for round in 0..<500 {
            let longest = round % 25 == 0 ? 80 : 16
            var known = (0..<(1 + random.below(60))).map { _ in word(longest) }
            if random.below(5) == 0 { known.append("") }
            let vocabulary = Suggestions.Vocabulary(known)
            for _ in 0..<10 {
                let name: String
                switch random.below(4) {
                case 0: name = known[random.below(known.count)] + word(longest)  // an id is its prefix
                case 1: name = String(known[random.below(known.count)].prefix(random.below(4)))  // it is an id's prefix
                default: name = word(longest)
                }
                let limit = 1 + random.below(4)
                let expected = Suggestions.nearest(to: name, in: known, limit: limit)
                #expect(vocabulary.nearestASCII(to: name, limit: limit) == expected,
                        "seed \(seed) round \(round): \(name.debugDescription) among \(known), limit \(limit)")
                if !expected.isEmpty { offered += 1 }
                let threshold = max(2, name.utf8.count / 3)
                if expected.contains(where: { abs($0.utf8.count - name.utf8.count) > threshold }) { outsideTheWindow += 1 }
            }
        }
        #expect(offered > 2_000, "seed \(seed): only \(offered) of 5000 names were offered a hint")
        #expect(outsideTheWindow > 200, "seed \(seed): only \(outsideTheWindow) hints offered a prefix outside the length window")
    }

    @Test("a warning's hint is written as the hint's own text: one, two or three ids, or none")
    func warningHintText() throws {
        let rules = try compile(["a.yaml": """
            journeys:
              j: { stages: [ { id: s } ], fallback: [ c ] }
            content_types:
              pagina: { label: Pagina }
            content:
              - { id: c, type: pagina, title: C, url: /c }
            """])
        let known = ["web", "wet", "weg", "app", "apps", "applicatie", "mobiel"]
        let vocabulary = Suggestions.Vocabulary(known)
        for id in ["wex", "we", "ap", "appl", "mobile", "zzzzzz", "", "w\r\n", "wéb"] {
            let hint = Suggestions.hint(for: id, in: known)
            #expect(rules.unknown("persona", id, in: vocabulary) == "unknown persona '\(id)'" + (hint.map { " (\($0))" } ?? ""))
            #expect(rules.unknown("value", id, in: vocabulary, of: (" for context key '", "channel"))
                == "unknown value '\(id)' for context key 'channel'" + (hint.map { " (\($0))" } ?? ""))
        }
        #expect(rules.unknown("persona", "wex", in: vocabulary) == "unknown persona 'wex' (did you mean 'web' or 'weg' or 'wet'?)")
    }

    @Test("a typo is offered the id it was meant to be")
    func hintForATypo() {
        #expect(Suggestions.hint(for: "paspoort-aanvrgen", in: ["paspoort-aanvragen", "rijbewijs-verlengen"])
            == "did you mean 'paspoort-aanvragen'?")
        #expect(Suggestions.hint(for: "zzz", in: ["paspoort-aanvragen"]) == nil)
    }
}
