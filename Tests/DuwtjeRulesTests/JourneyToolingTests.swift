import DuwtjeRules
import DuwtjeTestSupport
import Foundation
import Testing

@Suite("Journey tooling: the GAP matrix and the diff of two rule sets")
struct JourneyToolingTests {
    let now = date("2026-11-22T10:00:00+01:00")

    /// Two stages × (no persona, ouder, student). Known on purpose:
    /// - `bewust` × no persona and × student: only the journey fallback (gaps, fallback only);
    /// - `actie` × student: only the fallback too, as the exclusive `student-actie` cuts the walk
    ///   and recommends only content whose window has ended;
    /// - `overschaduwd` is shadowed by the exclusive `alles-ouder` above it;
    /// - `onmogelijk` requires 5 or more visits and fewer than 2;
    /// - `verlopen` ended before now;
    /// - `wees` is recommended by no rule that can be consulted, `oud` ended, `alleen-schaduw` is
    ///   recommended only by the shadowed rule;
    /// - nudge `zonder-alles` has neither cap nor alternative.
    static let files = [
        "vocabulary.yaml": """
        journeys:
          reis:
            label: Reis <één>
            stages:
              - id: bewust
              - id: actie
            fallback: [terugval]
        personas:
          ouder: { label: Ouder }
          student: { label: Student }
        content_types:
          info: { label: Informatief }
          actie: { label: Actie }
        context:
          channel: { values: [web, app] }
          visits: { type: number }
        content:
          - { id: terugval, type: info, title: Terugval, url: /t }
          - { id: ouder-info, type: info, title: "Ouders & <kinderen>", url: /o }
          - { id: alleen-schaduw, type: info, title: Schaduw, url: /s }
          - { id: wees, type: info, title: Wees, url: /w }
          - { id: oud, type: actie, title: Oud, url: /oud, active: { until: 2026-01-01 } }
          - { id: formulier, type: actie, title: Formulier, url: /f }
        """,
        "rules.yaml": """
        rules:
          - id: alles-ouder
            journey: reis
            when: { persona: ouder }
            recommend: [ { content: ouder-info } ]
            nudge: { id: zonder-alles, message: Doe het }
            why: Voor ouders
            exclusive: true
            priority: 10
          - id: overschaduwd
            journey: reis
            when: { persona: ouder, stage: bewust }
            recommend: [ { content: alleen-schaduw } ]
            why: Nooit
          - id: onmogelijk
            journey: reis
            when: { context: { visits: { gte: 5, lt: 2 } } }
            recommend: [ { content: wees } ]
            why: Nooit
          - id: verlopen
            journey: reis
            active: { until: 2026-06-01 }
            recommend: [ { content: wees } ]
            why: Voorbij
          - id: actie-iedereen
            journey: reis
            when: { stage: actie }
            recommend: [ { content: formulier } ]
            why: Actie
          - id: student-actie
            journey: reis
            when: { stage: actie, persona: student }
            recommend: [ { content: oud } ]
            why: Verlopen content
            exclusive: true
            priority: 5
        """,
    ]

    func matrix(_ files: [String: String] = Self.files, context: [String: ContextValue] = [:]) throws -> JourneyMatrix {
        try JourneyMatrix(ruleSet: try compile(files), context: context, now: now)
    }

    @Test("the matrix reports exactly the known gaps, dead rules, unreachable content and nudge problems")
    func knownFindings() throws {
        let matrix = try matrix()
        let journey = try #require(matrix.journeys.first)
        #expect(journey.stages == ["bewust", "actie"])
        #expect(journey.personas == [nil, "ouder", "student"])
        var gaps: [String: JourneyMatrix.Cell.Gap] = [:]
        for cell in journey.rows.joined() { if let gap = cell.gap { gaps["\(cell.persona ?? "-")/\(cell.stage)"] = gap } }
        #expect(gaps == ["-/bewust": .fallbackOnly, "student/bewust": .fallbackOnly, "student/actie": .fallbackOnly])
        #expect(journey.rows[0][1].items.map(\.content) == ["formulier", "terugval"])
        #expect(journey.rows[2][1].rules == ["student-actie"])
        let ouderBewust = journey.rows[1][0]
        #expect(ouderBewust.items.map(\.content) == ["ouder-info", "terugval"])
        #expect(ouderBewust.items.map(\.rule) == ["alles-ouder", nil])
        #expect(ouderBewust.nudge == "zonder-alles")
        #expect(ouderBewust.rules == ["alles-ouder"])
        #expect(Set(matrix.deadRules.map(\.id)) == ["overschaduwd", "onmogelijk", "verlopen"])
        #expect(matrix.deadRules.first { $0.id == "overschaduwd" }?.reason
            == "exclusive rule 'alles-ouder' ranks above it and matches everything it matches")
        #expect(matrix.deadRules.first { $0.id == "onmogelijk" }?.location == "rules.yaml:15:9")
        #expect(Set(matrix.unreachableContent.map(\.id)) == ["alleen-schaduw", "wees", "oud"])
        #expect(matrix.nudgeProblems.map(\.id) == ["zonder-alles"])
        #expect(matrix.nudgeProblems.first?.reason == "of rule 'alles-ouder' has no cap and no alternative")
        #expect(matrix.gapCount == 3)
    }

    @Test("a cell with nothing at all is an empty gap, not a fallback-only one")
    func emptyGap() throws {
        var files = Self.files
        files["vocabulary.yaml"] = files["vocabulary.yaml"]?.replacingOccurrences(of: "    fallback: [terugval]\n", with: "")
        let journey = try #require(try matrix(files).journeys.first)
        #expect(journey.rows[2][1].gap == .empty)
        #expect(journey.rows[2][1].items.isEmpty)
        #expect(journey.rows[0][0].gap == .empty)
        #expect(journey.rows[0][1].gap == nil)
    }

    @Test("context given to the matrix reaches every request")
    func context() throws {
        let matrix = try matrix(context: ["channel": .scalar(.string("web"))])
        #expect(matrix.context == ["channel": "web"])
        #expect(matrix.journeys.first?.rows.first?.first?.rules == [])
    }

    @Test("the text form stays within 120 columns and marks gaps in words, also on the shipped Rules/")
    func textWidth() throws {
        let text = try matrix().text(width: 120, directory: "Rules")
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 120 })
        #expect(text.contains("GAP: fallback only"))
        #expect(text.contains("Rules/rules.yaml:15:9: onmogelijk: its conditions cannot all hold"))
        let directory = repositoryRoot + "/Rules"
        let definition = try #require(RuleSetLoader().load(files: try RuleDirectory.read(directory)).definition)
        let shipped = try JourneyMatrix(ruleSet: RuleSet(definition, timeZone: amsterdam), now: now)
        let lines = shipped.text(width: 120).split(separator: "\n")
        #expect(lines.count > 100)
        #expect(lines.filter { $0.count > 120 }.isEmpty)
    }

    @Test("the matrix compiled a journey at a time (duwtje matrix) is the matrix of the whole compiled set")
    func journeyByJourney() throws {
        let directory = repositoryRoot + "/Rules"
        let shipped = try #require(RuleSetLoader().load(files: try RuleDirectory.read(directory)).definition)
        let handMade = try compile(Self.files).definition
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for definition in [shipped, handMade] {
            #expect(definition.journeys.count >= 1)
            let whole = RuleSet(definition, timeZone: amsterdam)
            let context: [String: ContextValue] = definition.contextKeys.contains { $0.id == "channel" } ? ["channel": .scalar(.string("web"))] : [:]
            for journey in [nil] + definition.journeys.map(\.id) {
                for (limit, context) in [(3, [String: ContextValue]()), (1, context)] {
                    let expected = try JourneyMatrix(ruleSet: whole, journey: journey, context: context, limit: limit, now: now)
                    let parted = try JourneyMatrix(definition: definition, timeZone: amsterdam, journey: journey, context: context,
                                                   limit: limit, now: now)
                    #expect(parted.text(width: 120) == expected.text(width: 120), "journey \(journey ?? "all")")
                    #expect(parted.html() == expected.html(), "journey \(journey ?? "all")")
                    #expect(try encoder.encode(parted) == encoder.encode(expected), "journey \(journey ?? "all")")
                }
            }
        }
        #expect(shipped.journeys.count > 1)
    }

    @Test("the HTML form is one page: real tables with headers, escaped text, gaps marked in words")
    func html() throws {
        let page = try matrix().html()
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.components(separatedBy: "<table>").count == 2)
        #expect(page.contains("<th scope=\"col\">bewust</th>"))
        #expect(page.contains("<th scope=\"row\">Geen persona</th>"))
        #expect(page.contains("<th scope=\"row\">Ouder<br><code>ouder</code></th>"))
        #expect(page.contains("Klantreis Reis &lt;één&gt;"))
        #expect(page.contains("Ouders &amp; &lt;kinderen&gt;"))
        #expect(!page.contains("<kinderen>"))
        // Three gap cells, each with its marker in words.
        #expect(page.components(separatedBy: "<td class=\"gap fallback\"><span class=\"marker fallback\">⚠ Gat: alleen terugval</span>").count == 4)
        // Self-contained: nothing to fetch.
        for fetch in ["src=", "href=", "@import", "url("] { #expect(!page.contains(fetch)) }
        #expect(page.contains("@media print"))
    }

    @Test("diff: raising one rule's priority flips the order of exactly the answers it shares with another")
    func priorityFlip() throws {
        let vocabulary = """
        journeys:
          reis: { stages: [ { id: bewust }, { id: actie } ] }
        personas:
          ouder: { label: Ouder }
        content_types:
          info: { label: Info }
        context:
          channel: { values: [web, app] }
        content:
          - { id: a, type: info, title: A, url: /a }
          - { id: b, type: info, title: B, url: /b }
        """
        func rules(priority: Int) -> String {
            """
            rules:
              - { id: eerst, journey: reis, when: { stage: bewust }, recommend: [ { content: a } ], why: w }
              - { id: tweede, journey: reis, when: { context: { channel: web } }, recommend: [ { content: b } ], why: w, priority: \(priority) }
            """
        }
        let before = try compile(["v.yaml": vocabulary, "r.yaml": rules(priority: 0)])
        let after = try compile(["v.yaml": vocabulary, "r.yaml": rules(priority: 5)])
        let (requests, total) = RuleSetDiff.combinations(before, after, now: now)
        // 2 stages × (none, ouder) × channel (absent, web, app).
        #expect(total == 12)
        #expect(requests.count == 12)
        let diff = RuleSetDiff(before: before, after: after, requests: requests, source: "combinations", combinations: total)
        // Only stage bewust with channel web has both rules: 2 personas.
        #expect(diff.changed == 2)
        #expect(diff.changes == ["order": 2])
        #expect(diff.groups.count == 1)
        #expect(diff.groups.first?.rules == ["eerst", "tweede"])
        let example = try #require(diff.groups.first?.examples.first)
        #expect(example.before.content == ["a", "b"])
        #expect(example.after.content == ["b", "a"])
        #expect(example.request.contains("\"channel\":\"web\""))
        #expect(diff.text().contains("Changed answers: 2 of 12 (16.7%) — order 2."))
        // The same set against itself changes nothing.
        #expect(RuleSetDiff(before: before, after: before, requests: requests, source: "combinations").changed == 0)
    }

    @Test("diff: a sample of a large grid still meets every value of every key (no aliasing)")
    func sampleCoversValues() throws {
        let vocabulary = """
        journeys:
          reis: { stages: [ { id: bewust }, { id: actie }, { id: nazorg } ] }
        content_types:
          info: { label: Info }
        context:
          process: { values: [p1, p2, p3, p4, p5, p6, p7, p8] }
          channel: { values: [web, app] }
        content:
          - { id: a, type: info, title: A, url: /a }
        rules:
          - { id: r, journey: reis, when: { context: { process: p1, channel: web } }, recommend: [ { content: a } ], why: w }
        """
        let rules = try compile(["v.yaml": vocabulary])
        // 3 stages × 1 persona row × 9 × 3 = 81 combinations; asking for 27 would be every third,
        // which would see only a third of the process values.
        let (requests, total) = RuleSetDiff.combinations(rules, rules, now: now, limit: 27)
        #expect(total == 81)
        #expect(requests.count <= 27)
        let processes = Set(requests.compactMap { request -> String? in
            if case .scalar(.string(let value)) = request.context["process"] { return value }
            return nil
        })
        #expect(processes == ["p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8"])
    }

    @Test("diff: a sample of requests; a nudge that disappears is counted as a nudge change")
    func nudgeChange() throws {
        let base = """
        journeys:
          reis: { stages: [ { id: bewust } ] }
        content_types:
          info: { label: Info }
        content:
          - { id: a, type: info, title: A, url: /a }
        """
        let withNudge = "rules:\n  - { id: r, journey: reis, recommend: [ { content: a } ], why: w, "
            + "nudge: { id: n, message: m, alternative: x, cap: { max: 1, per: 1d } } }\n"
        let without = "rules:\n  - { id: r, journey: reis, recommend: [ { content: a } ], why: w }\n"
        let before = try compile(["v.yaml": base, "r.yaml": withNudge])
        let after = try compile(["v.yaml": base, "r.yaml": without])
        let diff = RuleSetDiff(before: before, after: after, requests: [EvaluationRequest(journey: "reis", now: now)], source: "sample")
        #expect(diff.changed == 1)
        #expect(diff.changes == ["nudge": 1])
        #expect(diff.groups.first?.rules == ["r"])
        #expect(diff.text().contains("nudge: n → none"))
    }
}
