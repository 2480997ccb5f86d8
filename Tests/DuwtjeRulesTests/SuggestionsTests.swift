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

    @Test("a typo is offered the id it was meant to be")
    func hintForATypo() {
        #expect(Suggestions.hint(for: "paspoort-aanvrgen", in: ["paspoort-aanvragen", "rijbewijs-verlengen"])
            == "did you mean 'paspoort-aanvragen'?")
        #expect(Suggestions.hint(for: "zzz", in: ["paspoort-aanvragen"]) == nil)
    }
}
