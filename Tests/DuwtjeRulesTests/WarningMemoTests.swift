@testable import DuwtjeRules
import DuwtjeTestSupport
import Foundation
import Testing

/// The request path hands out remembered warnings for unknown ids (``WarningMemo``): each must be
/// byte for byte the warning that would be written for the same bytes, canonically equivalent ids
/// included (they are quoted as sent).
@Suite("Remembered warnings")
struct WarningMemoTests {
    /// Ids and names over a small alphabet, so that many repeat; with é precomposed and decomposed
    /// (equal strings, different bytes), the Kelvin sign (equal to `K`), and long ids (not small strings).
    static func word(_ random: inout SeededGenerator) -> String {
        let pieces = ["a", "b", "K", "\u{212A}", "\u{E9}", "e\u{301}", "-", "persona", "paspoort-aanvragen-online"]
        return (0..<(1 + random.below(3))).map { _ in pieces[random.below(pieces.count)] }.joined()
    }

    @Test("hands out what the writer writes for the same site and bytes, through resets")
    func agreesWithTheWriter() {
        var random = SeededGenerator.forTest("WarningMemoTests.agreesWithTheWriter")
        let seed = SeededGenerator.hex(random.seed)
        let memo = WarningMemo()
        var written = 0
        func write(_ site: WarningMemo.Site, _ id: String, _ name: String) -> String {
            "\(site.rawValue)|\(Array(id.utf8))|\(Array(name.utf8))"
        }
        for round in 0..<6_000 {
            let site = WarningMemo.Site.allCases[random.below(WarningMemo.Site.allCases.count)]
            let id = Self.word(&random)
            let name = site.words == nil ? "" : Self.word(&random)
            let text = memo.text(site, id, name: name) {
                written += 1
                return write(site, id, name)
            }
            #expect(text == write(site, id, name), "seed \(seed) round \(round): \(id.debugDescription) \(name.debugDescription)")
            #expect(memo.count <= WarningMemo.limit, "seed \(seed) round \(round)")
        }
        // Some were remembered (the short ids of the sites without a name repeat), and the table
        // was started again at least once.
        #expect(written < 6_000 && written > WarningMemo.limit, "seed \(seed): written \(written) times")
    }

    @Test("canonically equivalent ids are remembered apart")
    func equivalentIDsApart() {
        let memo = WarningMemo()
        let composed = memo.text(.persona, "caf\u{E9}", name: "") { "composed" }
        let decomposed = memo.text(.persona, "cafe\u{301}", name: "") { "decomposed" }
        #expect(composed == "composed" && decomposed == "decomposed")
        #expect(memo.text(.persona, "caf\u{E9}", name: "") { "again" } == "composed")
        #expect(memo.text(.contextKey, "caf\u{E9}", name: "") { "another site" } == "another site")
        #expect(memo.text(.value, "x", name: "\u{212A}") { "kelvin" } == "kelvin")
        #expect(memo.text(.value, "x", name: "K") { "k" } == "k")
    }

    @Test("compares bytes as an array of bytes does")
    func sameBytesAgreesWithArrays() {
        var random = SeededGenerator.forTest("WarningMemoTests.sameBytesAgreesWithArrays")
        let seed = SeededGenerator.hex(random.seed)
        for round in 0..<3_000 {
            let a = Self.word(&random)
            let b = random.below(3) == 0 ? a : Self.word(&random)
            #expect(WarningMemo.sameBytes(a, b) == (Array(a.utf8) == Array(b.utf8)), "seed \(seed) round \(round)")
        }
        #expect(!WarningMemo.sameBytes("caf\u{E9}", "cafe\u{301}"))
        #expect(WarningMemo.sameBytes("", ""))
    }

    @Test("a rule set's warnings, asked again and again, are the ones written afresh")
    func ruleSetWarnings() throws {
        var random = SeededGenerator.forTest("WarningMemoTests.ruleSetWarnings")
        let seed = SeededGenerator.hex(random.seed)
        let rules = try compile(["a.yaml": vocabulary, "b.yaml": "rules:\n  - { id: r, when: { persona: ouder }, recommend: [ { content: c1 } ], why: w }\n"])
        let now = date("2026-11-22T10:00:00+01:00")
        let channel = try #require(rules.contextKeyIndex["channel"])
        let channelHints = try #require(rules.closedValueHints[channel])
        // More distinct unknown ids than the memo holds, drawn again and again.
        let pool = (0..<150).map { index in
            index % 10 == 0 ? "onbekend-\(index)-caf\u{E9}" : index % 10 == 1 ? "onbekend-\(index)-cafe\u{301}" : "ou\(index)der"
        } + ["ouders", "studen", "besluit", "webb", "proces", "\u{212A}"]
        for round in 0..<3_000 {
            let id = pool[random.below(pool.count)]
            var request = EvaluationRequest(journey: "bz", now: now)
            let expected: String
            switch random.below(4) {
            case 0:
                request.persona = id
                expected = rules.unknown("persona", id, in: rules.personaHints)
            case 1:
                request.stage = id
                expected = rules.unknown("stage", id, in: rules.journeys[0].stageHints, of: (" in journey '", "bz"))
            case 2:
                request.context = [id: .scalar(.string("x"))]
                expected = rules.unknown("context key", id, in: rules.contextKeyHints)
            default:
                request.context = ["channel": .scalar(.string(id))]
                expected = rules.unknown("value", id, in: channelHints, of: (" for context key '", "channel"))
            }
            let answer = try rules.evaluate(request)
            #expect(answer.warnings == [expected], "seed \(seed) round \(round): \(id.debugDescription)")
        }
    }
}
