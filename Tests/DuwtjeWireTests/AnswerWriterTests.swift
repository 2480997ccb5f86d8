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

    func ruleSet() throws -> RuleSet {
        let fixture = try Fixture()
        try fixture.write("rules/rules.yaml", Self.rules)
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
        if var nudge = answer.nudge {
            nudge.message = nasty
            nudge.variant = "b"
            nudge.why = nil
            nudge.alternative = nil
            answer.nudge = nudge
        }
        try expectSame(answer)
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

@Suite("The fast request-body parser agrees with JSONDecoder or leaves the body to it")
struct JSONScannerTests {
    func scan(_ text: String) -> JSONValue? {
        Array(text.utf8).withUnsafeBufferPointer { JSONScanner.parse($0) }
    }

    func decoded(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    @Test("valid bodies parse to what JSONDecoder makes of them", arguments: [
        #"{"journey":"bz","stage":null,"limit":3,"explain":true,"context":{"visits":3,"page":["/a","/b"],"x":false}}"#,
        #"  {"a" : [ 1 , -2.5 , 1e3 , 0 , -0 , 12345678901234567890 , 0.1 , 2E-3 ] }  "#,
        #"{"s":"tab\t nl\n quote\" slash\/ back\\ \u00e9 \ud83d\ude00 \u0000 é😀"}"#,
        #"[]"#, #"{}"#, #""text""#, #"1"#, #"true"#, #"null"#, #"[[[{"a":[{}]}]]]"#,
    ])
    func agrees(_ text: String) throws {
        let scanned = try #require(scan(text))
        let expected = try #require(decoded(text))
        #expect(describe(scanned) == describe(expected))
    }

    @Test("bodies it leaves to JSONDecoder", arguments: [
        "", " ", "{", #"{"a":}"#, #"{"a":1,}"#, "[1,]", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul", #"{"a" 1}"#,
        #"{"a":1}x"#, #"{'a':1}"#, #"{"a":1,"a":2}"#, #""\ud800""#, #""\udc00""#, #""\x""#, "\"a\u{01}b\"", "1e400",
        "\"\u{FF}\"", String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
    ])
    func declines(_ text: String) {
        // Invalid UTF-8 cannot be written as a Swift string literal; "\u{FF}" above is valid, so
        // test a raw 0xFF byte separately below.
        if text == "\"\u{FF}\"" {
            #expect(scan(text) != nil)
            #expect([UInt8]([0x22, 0xFF, 0x22]).withUnsafeBufferPointer { JSONScanner.parse($0) } == nil)
        } else {
            #expect(scan(text) == nil)
        }
    }

    func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return "\(flag)"
        case .number(let number): return "n\(number.bitPattern)"
        case .string(let text): return "s" + text.unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: ".")
        case .array(let items): return "[" + items.map(describe).joined(separator: ",") + "]"
        case .object(let fields): return "{" + fields.sorted { $0.key < $1.key }.map { "\($0.key):\(describe($0.value))" }
            .joined(separator: ",") + "}"
        }
    }
}
