import DuwtjeRules
import Foundation
import Testing
import DuwtjeStore
import DuwtjeTestSupport

@Suite("Evaluating a request (rules.md section 6)")
struct EngineTests {
    let now = date("2026-11-22T10:00:00+01:00")

    func ruleSet(_ rules: String) throws -> RuleSet {
        try compile(["a.yaml": vocabulary, "b.yaml": rules])
    }

    func ask(_ ruleSet: RuleSet, stage: String? = nil, persona: String? = nil, context: RequestContext = [:],
             visitor: String? = nil, limit: Int = 3, at time: Date? = nil) throws -> Answer {
        try ruleSet.evaluate(EvaluationRequest(journey: "bz", stage: stage, persona: persona, context: context, visitor: visitor,
                                               limit: limit, now: time ?? now))
    }

    /// Asks as a visitor (or nobody) and admits the answer's nudge against `caps`, as the daemon does.
    func ask(_ ruleSet: RuleSet, visitor: String? = nil, at time: Date? = nil, caps: any CapStore) async throws -> Answer {
        let request = EvaluationRequest(journey: "bz", visitor: visitor, now: time ?? now)
        var answer = try ruleSet.evaluate(request)
        await answer.admitNudge(for: request, caps: caps)
        return answer
    }

    static func text(_ value: String) -> ContextValue { .scalar(.string(value)) }
    static func number(_ value: Double) -> ContextValue { .scalar(.number(value)) }

    @Test("journey: as given, omitted only with one journey, unknown is an error")
    func journey() throws {
        let rules = try ruleSet("")
        #expect(try rules.evaluate(EvaluationRequest(now: now)).journey == "bz")
        #expect(throws: EvaluationError.unknownJourney("bx", suggestion: "did you mean 'bz'?")) {
            try rules.evaluate(EvaluationRequest(journey: "bx", now: now))
        }
        let two = try compile(["a.yaml": vocabulary, "b.yaml": "journeys: { ander: { stages: [ { id: s } ] } }"])
        #expect(throws: EvaluationError.journeyRequired(known: ["bz", "ander"])) { try two.evaluate(EvaluationRequest(now: now)) }
    }

    @Test("stage: from the request, else the last stage whose signals hold, else the first")
    func stage() throws {
        let rules = try ruleSet("")
        let given = try ask(rules, stage: "actie")
        #expect((given.stage, given.stageSource) == ("actie", .request))
        let page = try ask(rules, context: ["page": Self.text("/paspoort/aanvragen")])
        #expect((page.stage, page.stageSource) == ("interesse", .signals))
        let both = try ask(rules, context: ["page": Self.text("/paspoort"), "visits": Self.number(3)])
        #expect((both.stage, both.stageSource) == ("besluitvorming", .signals))
        let none = try ask(rules, context: ["page": Self.text("/rijbewijs")])
        #expect((none.stage, none.stageSource) == ("bewustwording", .default))
    }

    @Test("conditions: equal, any-of, not, prefix, ranges, exists, lists and wrong types")
    func conditions() throws {
        let rules = try ruleSet("""
        rules:
          - { id: eq, when: { context: { process: paspoort } }, recommend: [ { content: c1 } ], why: w }
          - { id: anyof, when: { context: { channel: [web, app] } }, recommend: [ { content: c1 } ], why: w }
          - { id: not, when: { context: { channel: { not: balie } } }, recommend: [ { content: c1 } ], why: w }
          - { id: prefix, when: { context: { page: { prefix: /pas } } }, recommend: [ { content: c1 } ], why: w }
          - { id: range, when: { context: { visits: { gt: 2, lte: 5 } } }, recommend: [ { content: c1 } ], why: w }
          - { id: exists, when: { context: { page: { exists: true } } }, recommend: [ { content: c1 } ], why: w }
          - { id: absent, when: { context: { page: { exists: false } } }, recommend: [ { content: c1 } ], why: w }
          - { id: flag, when: { context: { ingelogd: true } }, recommend: [ { content: c1 } ], why: w }
        """)
        func matched(_ context: RequestContext) throws -> [String] {
            let answer = try rules.evaluate(EvaluationRequest(journey: "bz", stage: "actie", context: context, now: now, explain: true))
            return answer.explanation!.filter(\.matched).map(\.rule)
        }
        #expect(try matched([:]) == ["not", "absent"])
        #expect(try matched(["process": Self.text("paspoort"), "channel": Self.text("app")]) == ["eq", "anyof", "not", "absent"])
        #expect(try matched(["channel": Self.text("balie")]) == ["absent"])
        #expect(try matched(["page": Self.text("/paspoort")]) == ["not", "prefix", "exists"])
        #expect(try matched(["visits": Self.number(2)]) == ["not", "absent"])
        #expect(try matched(["visits": Self.number(2.5)]) == ["not", "range", "absent"])
        #expect(try matched(["visits": Self.number(5)]) == ["not", "range", "absent"])
        // A list value: any element satisfies a positive test; `not` needs no element excluded.
        #expect(try matched(["channel": .list([.string("balie"), .string("web")])]) == ["anyof", "absent"])
        #expect(try matched(["visits": .list([.number(1), .number(4)])]) == ["not", "range", "absent"])
        // Wrong types make a condition false, never an error.
        #expect(try matched(["visits": Self.text("4"), "process": Self.number(1), "ingelogd": Self.text("true")]) == ["not", "absent"])
        #expect(try matched(["ingelogd": .scalar(.bool(true))]) == ["not", "absent", "flag"])
        // `not` with text excludes an element of another type; text no rule names matches no `equals`.
        #expect(try matched(["channel": .scalar(.number(1))]) == ["absent"])
        #expect(try matched(["channel": .list([.string("nergens"), .string("app")]), "process": Self.text("nergens")])
            == ["anyof", "not", "absent"])
    }

    /// The match table compares an ASCII prefix with a text's bytes in place, a list's texts one by
    /// one, and leaves what the bytes do not decide to `hasPrefix` (``MatchTable``'s `hasPrefix`):
    /// every rule's verdict must be `String.hasPrefix`'s on any element.
    @Test("prefix tests agree with String.hasPrefix on random texts, scalar and list, ASCII or not")
    func prefixesAgreeWithHasPrefix() throws {
        var generator = SeededGenerator.forTest("EngineTests.prefixesAgreeWithHasPrefix")
        // Short and long (eight bytes and more: compared a word at a time), one ending in a carriage
        // return, one that is not ASCII (checked as written).
        let prefixes = ["/", "/pas", "/paspoort/", "/paspoort/aanvragen", "/zorg/wmo-aanvraag-lang", "K", "caf", "a\r", "caf\u{E9}",
                        "/paspoort/a\r", "/paspoort/\u{E9}"]
        var rules = "rules:\n"
        for (index, prefix) in prefixes.enumerated() {
            // YAML's double-quoted escape for the carriage return; the é as it is.
            let quoted = prefix.replacingOccurrences(of: "\r", with: "\\r")
            rules += "  - { id: r\(index), when: { context: { page: { prefix: \"\(quoted)\" } } }, recommend: [ { content: c1 } ], why: w }\n"
        }
        let ruleSet = try ruleSet(rules)
        let texts = StringPrefixTests.texts + [
            "/", "/pas", "/paspoort", "/paspoort/", "/paspoort/aanvragen", "/paspoort/aanvragen/spoed", "/paspoort/aanvragen\u{301}",
            "/paspoort\u{301}/", "/zorg/wmo-aanvraag-lang", "/zorg/wmo-aanvraag-lan", "/zorg/wmo-aanvraag-lang/x", "/zorg/wmo-aanvraag-lanG",
            "/nieuws/12", "\u{212A}/x", "caf\u{E9}", "cafe\u{301}s", "a\r\n", "a\rb", "/paspoort/a\r", "/paspoort/a\r\n", "/paspoort/a\rb",
            "/paspoort/a\r\u{301}", "/paspoort/\u{E9}", "/paspoort/e\u{301}", "/paspoort/\u{E9}x", "/\u{212A}aspoort/", "/paspoort/aanvragen/x",
            "/paspoort/aanvragenx", "/paspoort/aanvrage\u{E9}", "/paspoorT/aanvragen/x", "/paspoort/aanvragen\r\n",
        ]
        for step in 0..<1_500 {
            var context = RequestContext()
            var elements: [ContextScalar] = []
            switch generator.below(6) {
            case 0: break
            case 1: context["page"] = .scalar(.number(1))
            case 2, 3:
                elements = [.string(texts[generator.below(texts.count)])]
                context["page"] = .scalar(elements[0])
            default:
                elements = (0..<(1 + generator.below(3))).map { _ in
                    generator.chance(0.2) ? .bool(true) : .string(texts[generator.below(texts.count)])
                }
                context["page"] = .list(elements)
            }
            let answer = try ruleSet.evaluate(EvaluationRequest(journey: "bz", stage: "actie", context: context, now: now, explain: true))
            let matched = try #require(answer.explanation).filter(\.matched).map(\.rule)
            let expected = prefixes.indices.filter { index in
                elements.contains { if case .string(let text) = $0 { text.hasPrefix(prefixes[index]) } else { false } }
            }.map { "r\($0)" }
            #expect(matched.sorted() == expected.sorted(), "step \(step): \(context)")
        }
    }

    @Test("ranges and exists, kept in the match table's words, agree with the bounds as written on random values, scalar and list")
    func rangesAgreeWithBounds() throws {
        var generator = SeededGenerator.forTest("EngineTests.rangesAgreeWithBounds")
        // Each rule: one or two bounds on `visits` (halves from 0 to 6), or `exists` on `page`.
        typealias Bound = (name: String, value: Double)
        var bounds: [[Bound]] = []
        var rules = "rules:\n"
        for index in 0..<40 {
            var rule: [Bound] = []
            if generator.chance(0.8) { rule.append((["gt", "gte"][generator.below(2)], Double(generator.below(13)) / 2)) }
            if rule.isEmpty || generator.chance(0.6) { rule.append((["lt", "lte"][generator.below(2)], Double(generator.below(13)) / 2)) }
            bounds.append(rule)
            let written = rule.map { "\($0.name): \($0.value)" }.joined(separator: ", ")
            rules += "  - { id: r\(index), when: { context: { visits: { \(written) } } }, recommend: [ { content: c1 } ], why: w }\n"
        }
        rules += "  - { id: with-page, when: { context: { page: { exists: true } } }, recommend: [ { content: c1 } ], why: w }\n"
        rules += "  - { id: without-page, when: { context: { page: { exists: false } } }, recommend: [ { content: c1 } ], why: w }\n"
        let ruleSet = try ruleSet(rules)
        func holds(_ rule: [Bound], _ value: Double) -> Bool {
            rule.allSatisfy { bound in
                switch bound.name {
                case "gt": value > bound.value
                case "gte": value >= bound.value
                case "lt": value < bound.value
                default: value <= bound.value
                }
            }
        }
        for step in 0..<1_500 {
            func number() -> Double { Double(generator.below(18)) / 2 - 1 }
            var context = RequestContext()
            var numbers: [Double] = []
            switch generator.below(5) {
            case 0: break
            case 1: context["visits"] = Self.text("3")
            case 2:
                let elements: [ContextScalar] = (0..<(1 + generator.below(3))).map { _ in
                    generator.chance(0.2) ? .string("x") : .number(number())
                }
                for case .number(let value) in elements { numbers.append(value) }
                context["visits"] = .list(elements)
            default:
                numbers = [number()]
                context["visits"] = Self.number(numbers[0])
            }
            let hasPage = generator.chance(0.5)
            if hasPage { context["page"] = generator.chance(0.5) ? Self.text("/x") : .scalar(.bool(true)) }
            let answer = try ruleSet.evaluate(EvaluationRequest(journey: "bz", stage: "actie", context: context, now: now, explain: true))
            let matched = try #require(answer.explanation).filter(\.matched).map(\.rule)
            var expected = bounds.indices.filter { index in numbers.contains { holds(bounds[index], $0) } }.map { "r\($0)" }
            expected.append(hasPage ? "with-page" : "without-page")
            #expect(matched.sorted() == expected.sorted(), "step \(step): \(context)")
        }
    }

    @Test("the explanation names, for a miss, the first condition that failed")
    func explanation() throws {
        let rules = try ruleSet("""
        rules:
          - { id: r1, when: { stage: interesse, persona: ouder, context: { process: paspoort } }, recommend: [ { content: c1 } ], why: w }
          - { id: r2, when: { persona: ouder, context: { process: paspoort, channel: web } }, recommend: [ { content: c2 } ], why: w }
          - { id: r3, active: { from: 2027-01-01 }, recommend: [ { content: c3 } ], why: w }
        """)
        let answer = try rules.evaluate(EvaluationRequest(journey: "bz", stage: "actie", persona: "ouder",
                                                          context: ["process": Self.text("paspoort")], now: now, explain: true))
        #expect(answer.explanation == [
            ExplanationEntry(rule: "r1", matched: false, failed: "stage"),
            ExplanationEntry(rule: "r2", matched: false, failed: "context.channel"),
            ExplanationEntry(rule: "r3", matched: false, failed: "active"),
        ])
    }

    @Test("rank: priority, then specificity, then declaration order across files")
    func ranking() throws {
        let rules = try compile(["a.yaml": vocabulary, "b.yaml": """
        rules:
          - { id: plain-first, recommend: [ { content: c1 } ], why: w }
          - { id: specific, when: { stage: actie, persona: ouder }, recommend: [ { content: c2 } ], why: w }
          - { id: urgent, priority: 5, recommend: [ { content: c3 } ], why: w }
        """, "c.yaml": """
        rules:
          - { id: plain-later, recommend: [ { content: c4 } ], why: w }
          - { id: one-point, when: { persona: ouder }, recommend: [ { content: f-stage } ], why: w }
        """])
        let answer = try ask(rules, stage: "actie", persona: "ouder", limit: 5)
        #expect(answer.recommendations.map(\.rule) == ["urgent", "specific", "one-point", "plain-first", "plain-later"])
        #expect(answer.recommendations.map(\.content) == ["c3", "c2", "f-stage", "c1", "c4"])
    }

    @Test("recommendations skip inactive, already listed and other-language content; a type item's limit counts what it adds")
    func recommendations() throws {
        let rules = try ruleSet("""
        rules:
          - id: r
            recommend:
              - { content: c-later }
              - { content: c1 }
              - { type: informatief, tags: [paspoort], limit: 2 }
            why: Omdat u een paspoort zoekt.
        """)
        let dutch = try ask(rules, context: ["language": Self.text("nl")], limit: 5)
        #expect(dutch.recommendations.map(\.content) == ["c1", "c3", "c-nl", "f-journey", "f-stage"])
        #expect(dutch.recommendations.first?.why == "Omdat u een paspoort zoekt.")
        let english = try ask(rules, context: ["language": Self.text("en")], limit: 3)
        #expect(english.recommendations.map(\.content) == ["c1", "c3", "c-en"])
        let later = try ask(rules, limit: 1, at: date("2026-12-01T00:00:00+01:00"))
        #expect(later.recommendations.map(\.content) == ["c-later"])
    }

    @Test("rules with the same type item each apply their own limit to it, counting only what they add")
    func sharedTypeItem() throws {
        // The compiled journey keeps the query's items once for both rules.
        let rules = try ruleSet("""
        rules:
          - { id: eerste, priority: 1, recommend: [ { type: informatief, tags: [paspoort], limit: 1 } ], why: w }
          - { id: tweede, recommend: [ { content: c4 }, { type: informatief, tags: [paspoort], limit: 2 } ], why: w }
        """)
        let answer = try ask(rules, limit: 6)
        #expect(answer.recommendations.map(\.content) == ["c1", "c4", "c3", "c-en", "f-journey", "f-stage"])
        #expect(answer.recommendations.map(\.rule) == ["eerste", "tweede", "tweede", "tweede", nil, nil])
        // With no room for content, a rule that may nudge is still found.
        let nudging = try ruleSet("""
        rules:
          - { id: inhoud, priority: 1, recommend: [ { content: c1 } ], why: w }
          - { id: duwtje, recommend: [ { content: c3 } ], nudge: { id: n, message: m, alternative: a }, why: w }
        """)
        let none = try ask(nudging, limit: 0)
        #expect(none.recommendations.isEmpty)
        #expect(none.nudge?.id == "n" && none.nudge?.rule == "duwtje")
    }

    @Test("prefix compares whole characters: a combining mark after the prefix makes it another character")
    func prefixCharacters() throws {
        let rules = try ruleSet("""
        rules:
          - { id: p, when: { context: { page: { prefix: /pas } } }, recommend: [ { content: c1 } ], why: w }
        """)
        func matches(_ page: String) throws -> Bool {
            try ask(rules, context: ["page": Self.text(page)], limit: 1).recommendations.first?.rule == "p"
        }
        #expect(try matches("/pas"))
        #expect(try matches("/paspoort"))
        #expect(try matches("/pas/überblick"))
        #expect(try !matches("/pa"))
        #expect(try !matches("/PAS"))
        #expect(try !matches("/pas\u{301}poort"))
        #expect(try matches("/pas\u{301}poort".precomposedStringWithCanonicalMapping) == false)
    }

    @Test("a journey with fallbacks never answers an empty list: the language filter gives way as a last resort (issue 18, item 10)")
    func fallbackInAnyLanguage() throws {
        let rules = try compile("""
        journeys: { j: { stages: [ { id: s, fallback: [later] } ], fallback: [alleen-nl] } }
        content_types: { info: {} }
        context: { language: { values: [nl, en] } }
        content:
          - { id: alleen-nl, type: info, title: NL, url: /nl, language: nl }
          - { id: later, type: info, title: Later, url: /later, language: nl, active: { from: 2027-01-01 } }
          - { id: en, type: info, title: EN, url: /en, language: en }
        """)
        let english = try rules.evaluate(EvaluationRequest(context: ["language": Self.text("en")], now: now))
        #expect(english.recommendations.map(\.content) == ["alleen-nl"])
        #expect(english.recommendations.map(\.fallback) == [.journey])
        #expect(english.warnings == ["no content in language 'en'; the fallback is served in its own language"])
        // Only when nothing is left: a Dutch request, or a request whose list is not empty, is unchanged.
        let dutch = try rules.evaluate(EvaluationRequest(context: ["language": Self.text("nl")], now: now))
        #expect(dutch.recommendations.map(\.content) == ["alleen-nl"])
        #expect(dutch.warnings.isEmpty)
        // Inactive items stay out even then; in January the stage's fallback comes first.
        let january = try rules.evaluate(EvaluationRequest(context: ["language": Self.text("en")], now: date("2027-01-02T10:00:00+01:00")))
        #expect(january.recommendations.map(\.content) == ["later", "alleen-nl"])
        #expect(january.recommendations.map(\.fallback) == [.stage, .journey])
    }

    @Test("check warns when every fallback item of a journey has an active window (issue 18, item 10)")
    func expiringFallbacksWarn() {
        let output = load("""
        journeys: { j: { stages: [ { id: s } ], fallback: [tijdelijk] } }
        content_types: { info: {} }
        content:
          - { id: tijdelijk, type: info, title: T, url: /t, active: { until: 2027-01-01 } }
        """)
        #expect(finding(output, "every fallback item") ==
            "1:52 every fallback item of journey 'j' has an active window: outside them the journey can answer an empty list")
    }

    @Test("active windows: dates are midnight in the configured zone, until is exclusive")
    func activeWindows() throws {
        let rules = try ruleSet("""
        rules:
          - { id: december, active: { from: 2026-12-01, until: 2027-01-01 }, recommend: [ { content: c1 } ], why: w }
        """)
        func active(_ time: String) throws -> Bool { try ask(rules, at: date(time)).recommendations.first?.rule == "december" }
        #expect(try !active("2026-11-30T23:59:59+01:00"))
        #expect(try active("2026-12-01T00:00:00+01:00"))
        #expect(try active("2026-11-30T23:30:00Z"))  // already 2026-12-01 00:30 in Amsterdam
        #expect(try !active("2026-11-30T22:59:59Z"))
        #expect(try active("2026-12-31T23:59:59+01:00"))
        #expect(try !active("2027-01-01T00:00:00+01:00"))
    }

    @Test("an exclusive rule stops the walk for content and nudges; fallbacks still fill after it")
    func exclusive() throws {
        let rules = try ruleSet("""
        rules:
          - { id: top, priority: 10, exclusive: true, when: { context: { process: paspoort } }, recommend: [ { content: c1 } ], why: w }
          - id: below
            recommend: [ { content: c2 } ]
            nudge: { id: n, message: m, alternative: a, cap: { max: 3, per: 7d } }
            why: w
        """)
        let cut = try ask(rules, stage: "besluitvorming", context: ["process": Self.text("paspoort")])
        #expect(cut.recommendations.map(\.content) == ["c1", "f-stage", "f-journey"])
        #expect(cut.recommendations.map(\.fallback) == [nil, .stage, .journey])
        #expect(cut.recommendations.map(\.rule) == ["top", nil, nil])
        #expect(cut.nudge == nil)
        let free = try ask(rules, stage: "besluitvorming")
        #expect(free.recommendations.map(\.content) == ["c2", "f-stage", "f-journey"])
        #expect(free.nudge?.id == "n")
    }

    @Test("with no rule matching, the stage's fallback comes before the journey's")
    func fallbacks() throws {
        let rules = try ruleSet("")
        #expect(try ask(rules, stage: "besluitvorming").recommendations.map(\.content) == ["f-stage", "f-journey"])
        #expect(try ask(rules, stage: "actie").recommendations.map(\.content) == ["f-journey", "f-stage"])
        #expect(try ask(rules, stage: "actie").recommendations.map(\.fallback) == [.journey, .journey])
    }

    @Test("variants: FNV-1a 64 as specified, and a split over 10,000 visitors within 2% of the weights")
    func variants() throws {
        #expect(VariantAssignment.fnv1a64([UInt8]()) == 0xcbf2_9ce4_8422_2325)
        #expect(VariantAssignment.fnv1a64(Array("a".utf8)) == 0xaf63_dc4c_8601_ec8c)
        #expect(VariantAssignment.fnv1a64(Array("foobar".utf8)) == 0x8594_4171_f739_67e8)
        #expect(VariantAssignment.hash(rule: "r", visitor: "v") == VariantAssignment.fnv1a64(Array("r\u{0}v".utf8)))
        let rules = try ruleSet("""
        rules:
          - id: exp
            recommend: [ { content: c1 } ]
            nudge: { id: n-a, message: A, alternative: alt, cap: { max: 3, per: 7d } }
            why: w
            variants:
              controle: { weight: 10, nudge: null }
              a: { weight: 45 }
              b:
                weight: 45
                recommend: [ { content: c2 } ]
                nudge: { id: n-b, message: B, alternative: alt, cap: { max: 3, per: 7d } }
        """)
        var counts: [String: Int] = [:]
        for index in 0..<10_000 {
            let answer = try ask(rules, visitor: "bezoeker-\(index)")
            let variant = try #require(answer.recommendations.first?.variant)
            counts[variant, default: 0] += 1
            switch variant {
            case "controle": #expect(answer.nudge == nil && answer.recommendations.first?.content == "c1")
            case "a": #expect(answer.nudge?.id == "n-a" && answer.recommendations.first?.content == "c1")
            default: #expect(answer.nudge?.id == "n-b" && answer.recommendations.first?.content == "c2")
            }
        }
        #expect(abs(Double(counts["controle", default: 0]) / 10_000 - 0.10) <= 0.02)
        #expect(abs(Double(counts["a", default: 0]) / 10_000 - 0.45) <= 0.02)
        #expect(abs(Double(counts["b", default: 0]) / 10_000 - 0.45) <= 0.02)
        // The same visitor gets the same variant in another compilation (as after a reload).
        let first = try ask(rules, visitor: "bezoeker-42").recommendations.first?.variant
        let recompiled = RuleSet(rules.definition, timeZone: amsterdam)
        #expect(try ask(recompiled, visitor: "bezoeker-42").recommendations.first?.variant == first)
        // Without a visitor the rule applies as written.
        let anonymous = try ask(rules)
        #expect(anonymous.recommendations.first?.variant == nil)
        #expect(anonymous.nudge?.id == "n-a")
    }

    @Test("caps: the 4th nudge of max 3 is refused, the next rule's nudge is offered, and the window frees it")
    func caps() async throws {
        let rules = try ruleSet("""
        rules:
          - id: first
            priority: 1
            recommend: [ { content: c1 } ]
            nudge: { id: capped, message: m, alternative: a, cap: { max: 3, per: 7d } }
            why: w
          - id: second
            recommend: [ { content: c2 } ]
            nudge: { id: backup, message: m, alternative: a, cap: { max: 1, per: 1d } }
            why: w
        """)
        let caps = MemoryCapStore(maxVisitors: 10)
        var served: [String?] = []
        for hour in 0..<5 {
            served.append(try await ask(rules, visitor: "v", at: now.addingTimeInterval(Double(hour) * 3_600), caps: caps).nudge?.id)
        }
        #expect(served == ["capped", "capped", "capped", "backup", nil])
        // Another visitor has their own count; no visitor means no caps.
        #expect(try await ask(rules, visitor: "w", caps: caps).nudge?.id == "capped")
        #expect(try await ask(rules, caps: caps).nudge?.id == "capped")
        // Seven days after the first showing, one showing is free again.
        let week = now.addingTimeInterval(7 * 86_400 + 1)
        #expect(try await ask(rules, visitor: "v", at: week, caps: caps).nudge?.id == "capped")
        #expect(try await ask(rules, visitor: "v", at: week, caps: caps).nudge?.id == "backup")
    }

    @Test("unknown persona, stage, context key and closed value are warnings, and conditions on them are false")
    func unknownIDs() throws {
        let rules = try ruleSet("""
        rules:
          - { id: r, when: { persona: ouder }, recommend: [ { content: c1 } ], why: w }
        """)
        let answer = try ask(rules, stage: "besluit", persona: "ouders", context: ["proces": Self.text("x"), "channel": Self.text("webb")])
        #expect(Set(answer.warnings) == [
            "unknown persona 'ouders' (did you mean 'ouder'?)",
            "unknown stage 'besluit' in journey 'bz' (did you mean 'besluitvorming'?)",
            "unknown context key 'proces' (did you mean 'process'?)",
            "unknown value 'webb' for context key 'channel' (did you mean 'web'?)",
        ])
        #expect(answer.stage == "besluit")
        #expect(answer.recommendations.map(\.content) == ["f-journey", "f-stage"])
    }

    @Test("a hint is searched only in vocabularies of at most 256 ids; a larger one still warns, without a hint")
    func hintBound() throws {
        let values = (0..<300).map { "proces-\($0)" }.joined(separator: ", ")
        let large = try compile(["a.yaml": """
            journeys:
              j: { stages: [ { id: s } ], fallback: [ c ] }
            content_types:
              pagina: { label: Pagina }
            context:
              process: { values: [ \(values) ] }
              channel: { values: [ web, app ] }
            content:
              - { id: c, type: pagina, title: C, url: /c }
            """])
        let answer = try large.evaluate(EvaluationRequest(journey: "j", context: ["process": Self.text("proces-1x"),
                                                                                   "channel": Self.text("wep")], now: now))
        #expect(Set(answer.warnings) == [
            "unknown value 'proces-1x' for context key 'process'",
            "unknown value 'wep' for context key 'channel' (did you mean 'web'?)",
        ])
    }

    @Test("nudge listing for campaign tools: every fitting nudge with rank and variant, no caps")
    func nudgeListing() throws {
        let rules = try ruleSet("""
        rules:
          - id: exp
            why: w
            active: { from: 2026-11-01 }
            recommend: [ { content: c1 } ]
            nudge: { id: n-a, message: A, alternative: alt, cap: { max: 3, per: 7d } }
            variants:
              controle: { weight: 10, nudge: null }
              a: { weight: 45 }
              b: { weight: 45, nudge: { id: n-b, message: B, alternative: alt, cap: { max: 1, per: 1d } } }
          - { id: other, recommend: [ { content: c2 } ], nudge: { id: n-c, message: C, alternative: alt }, why: w }
        """)
        let listing = try rules.nudges(for: EvaluationRequest(journey: "bz", now: now))
        #expect(listing.nudges.map { "\($0.id) \($0.rule) \($0.rank) \($0.variant ?? "-")" } == ["n-a exp 1 a", "n-b exp 1 b", "n-c other 2 -"])
        #expect(listing.nudges.first?.active?.from == "2026-10-31T23:00:00Z")
        #expect(listing.nudges.first?.cap == .init(max: 3, perSeconds: 604_800))
    }

    @Test("the answer encodes as api.md shows: explicit nulls, snake_case, no explanation unless asked")
    func encoding() throws {
        let rules = try ruleSet("")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(try ask(rules, stage: "actie", limit: 1)), as: UTF8.self)
        #expect(json == #"{"journey":"bz","nudge":null,"recommendations":[{"content":"f-journey","fallback":"journey","rule":null,"#
            + #""title":"FJ","type":"informatief","url":"/fj","variant":null,"why":null}],"ruleset":"\#(rules.version)","#
            + #""stage":"actie","stage_source":"request","warnings":[]}"#)
    }

    @Test("the index never changes an answer: indexed evaluation equals the full walk on random requests, with visitors, variants and caps; admission at once equals admission in a task")
    func indexAgreesWithFullWalk() async throws {
        let rules = try ruleSet("""
        rules:
          - { id: r1, when: { context: { process: paspoort } }, recommend: [ { content: c1 } ], why: w }
          - { id: r2, when: { stage: [interesse, actie], context: { channel: [web, app] } }, recommend: [ { content: c2 } ], why: w, nudge: { id: n2, message: m, alternative: a, cap: { max: 2, per: 1d } } }
          - { id: r3, when: { persona: ouder, context: { process: [rijbewijs, verhuizing], visits: { gte: 2 } } }, recommend: [ { content: c3 } ], why: w }
          - { id: r4, priority: 3, exclusive: true, when: { persona: student, context: { channel: balie } }, recommend: [ { content: c4 } ], why: w }
          - { id: r5, when: { context: { channel: { not: web }, page: { prefix: /p } } }, recommend: [ { type: informatief, tags: [paspoort], limit: 2 } ], why: w }
          - { id: r6, priority: -1, recommend: [ { content: f-stage } ], nudge: { id: n6, message: m, alternative: a }, why: w }
          - { id: r7, when: { stage: besluitvorming, context: { process: verhuizing } }, recommend: [ { content: c-nl } ], why: w }
          - id: r8
            priority: 1
            when: { context: { process: [paspoort, rijbewijs] } }
            recommend: [ { content: c3 } ]
            nudge: { id: n8, message: m, alternative: a, cap: { max: 1, per: 1d } }
            why: w
            variants:
              controle: { weight: 20, nudge: null }
              a: { weight: 40 }
              b: { weight: 40, recommend: [ { content: c4 } ], nudge: { id: n8b, message: m, alternative: a, cap: { max: 2, per: 7d } } }
        """)
        var generator = SeededGenerator.forTest("EngineTests.indexAgreesWithFullWalk")
        let stages: [String?] = [nil, "bewustwording", "interesse", "besluitvorming", "actie", "onbekend"]
        let personas: [String?] = [nil, "ouder", "student", "niemand"]
        let processes = ["paspoort", "rijbewijs", "verhuizing", "anders"]
        let channels = ["web", "balie", "app"]
        // A small pool of visitors, so that caps fill up and later candidates are offered; each side
        // of the comparison counts showings in a store of its own.
        let visitors: [String?] = [nil] + (0..<12).map { "bezoeker-\($0)" }
        let indexedCaps = MemoryCapStore(maxVisitors: 100)
        let fullCaps = MemoryCapStore(maxVisitors: 100)
        var variantsSeen: Set<String> = []
        var refusedByCap = 0
        for step in 0..<2_000 {
            var context = RequestContext()
            if generator.chance(0.7) { context["process"] = Self.text(processes[generator.below(4)]) }
            if generator.chance(0.3) { context["process"] = .list([.string(processes[generator.below(4)]), .string(processes[generator.below(4)])]) }
            if generator.chance(0.7) { context["channel"] = Self.text(channels[generator.below(3)]) }
            if generator.chance(0.5) { context["page"] = Self.text(["/paspoort", "/rijbewijs", "/x"][generator.below(3)]) }
            if generator.chance(0.5) { context["visits"] = Self.number(Double(generator.below(5))) }
            var request = EvaluationRequest(journey: "bz", stage: stages[generator.below(stages.count)],
                                            persona: personas[generator.below(personas.count)], context: context,
                                            visitor: visitors[generator.below(visitors.count)],
                                            limit: generator.below(5), now: now.addingTimeInterval(Double(step) * 60))
            var indexed = try rules.evaluate(request)
            request.explain = true
            var full = try rules.evaluate(request)
            full.explanation = nil
            #expect(indexed.nudgeCandidates == full.nudgeCandidates, "step \(step)")
            let firstCandidate = indexed.nudgeCandidates.first?.nudge.id
            await indexed.admitNudge(for: request, caps: indexedCaps)
            // The two admission paths too: in a task (indexed) and at once from memory (full).
            let answeredAtOnce = full.admitNudgeWithoutWaiting(for: request, caps: fullCaps)
            #expect(answeredAtOnce, "memory never waits")
            #expect(indexed.recommendations == full.recommendations, "step \(step)")
            #expect(indexed.nudge == full.nudge, "step \(step)")
            #expect(indexed.stage == full.stage && indexed.warnings == full.warnings, "step \(step)")
            variantsSeen.formUnion(indexed.recommendations.compactMap(\.variant))
            if request.visitor != nil, firstCandidate != nil, indexed.nudge?.id != firstCandidate { refusedByCap += 1 }
        }
        // The comparison covered what it is for: every variant, and nudges refused by their caps.
        #expect(variantsSeen == ["controle", "a", "b"])
        #expect(refusedByCap > 0)
    }
}
