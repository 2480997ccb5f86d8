import DuwtjeRules
@testable import DuwtjeWire
import Foundation
import NIOCore
import Testing
import DuwtjeTestSupport

@Suite("The hand-written answer JSON is JSONEncoder's, byte for byte")
struct AnswerWriterTests {
    static let rules = """
    rules:
      - id: r1
        journey: bz
        when: { persona: [ouder], context: { process: paspoort } }
        recommend: [ { content: c1 }, { content: c2 } ]
        why: "Omdat u \\"ouder\\" bent\\\\ en /pad\\t\\u0001 é 😀"
        nudge:
          id: n1
          message: Maak online een afspraak.
          cta: { label: "Afspraak \\"nu\\"", url: "https://example.nl/a/b?c=d" }
          alternative: Bel 14 020.
          cap: { max: 2, per: 1d }
      - id: r2
        journey: bz
        when: { context: { process: rijbewijs } }
        recommend: [ { content: c2 } ]

    """

    /// The fixture's rules and `more`, a rule file of its own.
    func ruleSet(more: String? = nil) throws -> RuleSet {
        let fixture = try Fixture()
        try fixture.write("rules/rules.yaml", Self.rules)
        if let more { try fixture.write("rules/more.yaml", more) }
        let loaded = try RuleSetLoader().load(directory: fixture.rulesDirectory)
        let definition = try #require(loaded.definition, "\(loaded.diagnostics)")
        return RuleSet(definition, timeZone: TimeZone(identifier: "Europe/Amsterdam") ?? .gmt)
    }

    func expectSame(_ answer: Answer) throws {
        let written = AnswerWriter.write(answer)
        let expected = try WireJSON.encoder().encode(answer)
        #expect(String(buffer: written) == String(decoding: expected, as: UTF8.self))
    }

    @Test("answers with and without a nudge, with fallbacks, explanations and warnings")
    func shapes() throws {
        let rules = try ruleSet()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let requests = [
            EvaluationRequest(journey: "bz", persona: "ouder", context: ["process": .scalar(.string("paspoort"))], visitor: "v1", now: now),
            EvaluationRequest(journey: "bz", persona: "ouder", context: ["process": .scalar(.string("paspoort"))], now: now,
                              explain: true),
            EvaluationRequest(journey: "bz", context: ["process": .scalar(.string("rijbewijs"))], now: now, explain: true),
            EvaluationRequest(journey: "bz", stage: "onbekend", persona: "toerist", context: ["visits": .scalar(.number(4))], now: now),
            EvaluationRequest(journey: "bz", now: now),
        ]
        for request in requests {
            try expectSame(try rules.evaluate(request))
        }
    }

    @Test("more recommendations than the answer keeps in place are written in rank order, the fallbacks after them")
    func beyondThoseInPlace() throws {
        let rules = try ruleSet(more: """
        content:
          - { id: c3, type: informatief, title: "C3 \\"drie\\"", url: /c3 }
          - { id: c4, type: informatief, title: C4, url: /c4 }
        rules:
          - id: r3
            journey: bz
            priority: -1
            when: { context: { process: paspoort } }
            recommend: [ { content: c3 }, { content: c4 } ]
            why: Omdat u een paspoort zoekt.
        """)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let answer = try rules.evaluate(EvaluationRequest(journey: "bz", persona: "ouder", context: ["process": .scalar(.string("paspoort"))],
                                                          visitor: "v1", limit: 8, now: now))
        #expect(answer.recommendationCount > 3, "the fixture must give more than the three picks kept in place")
        #expect(answer.recommendations.map(\.content) == ["c1", "c2", "c3", "c4", "f1"])
        try expectSame(answer)
    }

    @Test("every control character, quotes, backslashes, slashes and non-ASCII text in every field")
    func escaping() throws {
        let rules = try ruleSet()
        var answer = try rules.evaluate(EvaluationRequest(
            journey: "bz", persona: "ouder", context: ["process": .scalar(.string("paspoort"))],
            now: Date(timeIntervalSince1970: 1_800_000_000), explain: true))
        var nasty = (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }.joined()
        nasty += "\"\\/é😀\u{7F}\u{2028} plain"
        answer.ruleset = nasty
        answer.journey = nasty
        answer.stage = nasty
        answer.warnings = [nasty, "", "a/b"]
        answer.recommendations[0].title = nasty
        answer.recommendations[0].url = "https://example.nl/" + nasty
        answer.recommendations[0].rule = nil
        answer.recommendations[0].variant = nasty
        answer.recommendations[0].fallback = .journey
        answer.recommendations[1].fallback = .stage
        answer.recommendations[1].why = nil
        answer.explanation = [
            ExplanationEntry(rule: nasty, matched: true, rank: 1, variant: "a"),
            ExplanationEntry(rule: "r2", matched: false, failed: "context.process", cutBy: nasty),
            ExplanationEntry(rule: "r3", matched: false, rank: 12_345),
        ]
        // The request matches r1, whose nudge must be there: without it the nudge's fields go untested.
        var nudge = try #require(answer.nudge)
        nudge.message = nasty
        nudge.variant = "b"
        nudge.why = nil
        nudge.alternative = nil
        answer.nudge = nudge
        try expectSame(answer)
        #expect(String(buffer: AnswerWriter.write(answer)).contains(#""variant":"b""#))
        answer.nudge?.cta = nil
        answer.explanation = []
        try expectSame(answer)
        answer.nudge = nil
        answer.recommendations = []
        answer.explanation = nil
        answer.warnings = []
        try expectSame(answer)
    }
}
