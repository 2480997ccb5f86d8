@testable import DuwtjeRules
import DuwtjeTestSupport
import Foundation
import Testing

/// A content item's language as a value number in its filter (``CompiledContent/Filter/language``),
/// checked against the plain reference: the request's language strings compared with the item's
/// ``CompiledContent/language`` as `String`s, as the walk did before.
@Suite("Content languages by value number")
struct ContentLanguageTests {
    static let now = date("2026-11-22T10:00:00+01:00")

    /// Languages of content items: ASCII, canonically equal texts with different bytes (`é` composed
    /// and decomposed), one a condition compares with and ones none does.
    static let languages = ["nl", "en", "fr", "\u{E9}", "e\u{301}", "de"]
    /// What requests send: the items' languages, others, and near misses.
    static let sent = languages + ["NL", "n", "nl ", "es", "e", ""]

    /// A set whose `language` key is `kind` (`{ type: string }` or closed), with one item per
    /// language (and one without), all recommended by one rule; a condition on `language` when
    /// `compared`.
    static func rules(kind: String, compared: Bool) -> String {
        var text = """
        journeys:
          reis: { stages: [ { id: s } ] }
        content_types:
          info: { label: Info }
        context:
          language: \(kind)
          kanaal: { values: [web, app] }
        content:
          - { id: geen, type: info, title: Geen, url: /geen }

        """
        for (index, language) in languages.enumerated() {
            text += "  - { id: i\(index), type: info, title: I\(index), url: /i\(index), language: \"\(language)\" }\n"
        }
        let items = (0..<languages.count).map { "{ content: i\($0) }" }.joined(separator: ", ")
        text += """
        rules:
          - { id: alles, journey: reis, recommend: [ { content: geen }, \(items) ], why: w }

        """
        if compared {
            text += "  - { id: nl, journey: reis, when: { context: { language: [nl, en] } }, recommend: [ { content: i2 } ], why: w, priority: 5 }\n"
        }
        return text
    }

    static func request(_ generator: inout SeededGenerator) -> EvaluationRequest {
        var context = RequestContext()
        switch generator.below(4) {
        case 0: break
        case 1: context["language"] = .scalar(.string(sent[generator.below(sent.count)]))
        case 2:
            context["language"] = .list([.string(sent[generator.below(sent.count)]), .string(sent[generator.below(sent.count)])])
        default:
            context["language"] = .list([.number(1), .string(sent[generator.below(sent.count)])])
        }
        if generator.chance(0.5) { context["kanaal"] = .scalar(.string("web")) }
        return EvaluationRequest(journey: "reis", context: context, limit: 20, now: now)
    }

    /// Whether the reference serves `item` to a request with `facts`.
    static func reference(_ item: CompiledContent, _ facts: Facts) -> Bool {
        guard let language = item.language, facts.languageEntry >= 0 else { return true }
        return facts.entries[facts.languageEntry].value.contains { if case .string(let text) = $0 { text == language } else { false } }
    }

    @Test("an item's language number accepts exactly the requests whose language strings equal its language",
          arguments: [("{ type: string }", false), ("{ type: string }", true), ("{ values: [nl, en, fr, de, \"\u{E9}\"] }", true)])
    func agreesWithStrings(kind: String, compared: Bool) throws {
        let rules = try compile(Self.rules(kind: kind, compared: compared))
        var generator = SeededGenerator.forTest("ContentLanguageTests.agreesWithStrings")
        // Every item with a language has a number, the canonically equal ones the same.
        let numbers = rules.contentFilters.map(\.language)
        #expect(numbers[0] == -1)
        #expect(numbers.dropFirst().allSatisfy { $0 >= 0 })
        #expect(numbers[4] == numbers[5])
        #expect(Set(numbers.dropFirst()).count == Self.languages.count - 1)
        var outcomes = Set<Bool>()
        for step in 0..<2_000 {
            let request = Self.request(&generator)
            let position = try rules.journeyPosition(of: request)
            let (found, expected) = rules.withFacts(of: request, journey: position) { _, facts, _ in
                (rules.contentFilters.map { $0.language < 0 || facts.accepts(language: $0.language) },
                 rules.content.map { Self.reference($0, facts) })
            }
            #expect(found == expected, "step \(step): \(request.context)")
            outcomes.formUnion(found)
            // The answer serves the items the reference accepts, in the rule's order.
            let served = try rules.evaluate(request).recommendations.map(\.content)
            let accepted = rules.content.indices.filter { expected[$0] }.map { rules.content[$0].id }
            if compared, let first = served.first, first == "i2" {
                #expect(Array(served.dropFirst()) == accepted.filter { $0 != "i2" }, "step \(step)")
            } else {
                #expect(served == accepted, "step \(step): \(request.context)")
            }
        }
        #expect(outcomes == [true, false])
    }

    @Test("without a language key, every item is served whatever the request's language")
    func noLanguageKey() throws {
        let text = Self.rules(kind: "{ type: string }", compared: false).replacingOccurrences(of: "  language: { type: string }\n", with: "")
        let rules = try compile(text)
        #expect(rules.languageKey == nil)
        #expect(rules.contentFilters.allSatisfy { $0.language == -1 })
        var context = RequestContext()
        context["language"] = .scalar(.string("nl"))
        let answer = try rules.evaluate(EvaluationRequest(journey: "reis", context: context, limit: 20, now: Self.now))
        #expect(answer.recommendations.map(\.content) == rules.content.map(\.id))
    }
}
