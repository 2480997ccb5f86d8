@testable import DuwtjeRules
import DuwtjeTestSupport
import Foundation
import Testing

/// The compiler lays a journey's rule records out by cache lines (``MatchTable/alignRecord(queries:)``
/// moves a record that would straddle two, with every position that points into it): checked here
/// against the same rules compiled without moving anything, on random rule sets and requests.
@Suite("Rule records laid out by cache lines")
struct RecordLayoutTests {
    static let now = date("2026-11-22T10:00:00+01:00")

    /// A random rule in the shared test vocabulary: conditions of every kind, recommend lists with
    /// items and (shared) queries, nudges, variants with lists of their own, windows and priorities.
    static func rule(_ index: Int, _ generator: inout SeededGenerator) -> String {
        func pick(_ values: [String]) -> String { values[generator.below(values.count)] }
        var when: [String] = []
        if generator.chance(0.4) { when.append("stage: \(pick(["bewustwording", "interesse", "besluitvorming", "actie"]))") }
        if generator.chance(0.3) { when.append("persona: \(pick(["ouder", "student"]))") }
        var context: [String] = []
        if generator.chance(0.7) {
            context.append(generator.chance(0.8) ? "process: \(pick(["paspoort", "rijbewijs", "verhuizing"]))"
                : "process: [paspoort, \(pick(["rijbewijs", "verhuizing"]))]")
        }
        if generator.chance(0.3) { context.append(generator.chance(0.5) ? "channel: [web, app]" : "channel: { not: \(pick(["web", "balie"])) }") }
        if generator.chance(0.3) { context.append("page: { prefix: \(pick(["/p", "/paspoort", "/rijbewijs/aanvragen/lang"])) }") }
        if generator.chance(0.3) { context.append("visits: { gte: \(generator.below(4)), lt: \(4 + generator.below(5)) }") }
        if generator.chance(0.15) { context.append("language: { exists: \(generator.chance(0.5)) }") }
        if generator.chance(0.1) { context.append("ingelogd: true") }
        if !context.isEmpty { when.append("context: { \(context.joined(separator: ", ")) }") }
        var items: [String] = []
        for _ in 0..<(1 + generator.below(3)) {
            if generator.chance(0.3) {
                items.append("{ type: \(pick(["informatief", "persuasief"])), tags: [\(pick(["paspoort", "video"]))], limit: \(1 + generator.below(3)) }")
            } else {
                items.append("{ content: \(pick(["c1", "c2", "c3", "c4", "c-en", "c-nl", "c-later"])) }")
            }
        }
        var out = "  - id: r\(index)\n    recommend: [\(items.joined(separator: ", "))]\n    why: w\n"
        if !when.isEmpty { out += "    when: { \(when.joined(separator: ", ")) }\n" }
        if generator.chance(0.3) { out += "    priority: \(generator.below(4))\n" }
        if generator.chance(0.03) { out += "    exclusive: true\n" }
        if generator.chance(0.15) { out += "    active: { from: 2026-11-\(10 + generator.below(15)) }\n" }
        let nudge = generator.chance(0.3)
        if nudge { out += "    nudge: { id: n\(index), message: m, alternative: a, cap: { max: 2, per: 1d } }\n" }
        if generator.chance(0.15) {
            let own = generator.chance(0.5) ? "[ { type: actie, tags: [paspoort], limit: 2 }, { content: c\(1 + generator.below(4)) } ]" : "[ { content: c2 } ]"
            out += "    variants:\n      a: { weight: 30 }\n      b: { weight: 70, recommend: \(own) }\n"
        }
        return out
    }

    static func request(_ generator: inout SeededGenerator, step: Int) -> EvaluationRequest {
        func pick(_ values: [String?]) -> String? { values[generator.below(values.count)] }
        var context = RequestContext()
        if generator.chance(0.8) { context["process"] = .scalar(.string(pick(["paspoort", "rijbewijs", "verhuizing"]) ?? "")) }
        if generator.chance(0.6) { context["channel"] = .scalar(.string(pick(["web", "balie", "app"]) ?? "")) }
        if generator.chance(0.6) { context["page"] = .scalar(.string(pick(["/paspoort/x", "/rijbewijs/aanvragen/lang/1", "/x"]) ?? "")) }
        if generator.chance(0.6) { context["visits"] = .scalar(.number(Double(generator.below(9)))) }
        if generator.chance(0.4) { context["language"] = .scalar(.string(pick(["nl", "en"]) ?? "")) }
        if generator.chance(0.3) { context["ingelogd"] = .scalar(.bool(generator.chance(0.5))) }
        return EvaluationRequest(journey: "bz", stage: pick([nil, "bewustwording", "interesse", "besluitvorming", "actie"]),
                                 persona: pick([nil, "ouder", "student"]), context: context,
                                 visitor: generator.chance(0.7) ? "bezoeker-\(generator.below(20))" : nil,
                                 limit: generator.below(6), now: now.addingTimeInterval(Double(step) * 3_600))
    }

    @Test("answers and explanations equal those of records laid out one after the other; a record that fits in a line lies in one")
    func sameAnswersAsUnaligned() throws {
        var generator = SeededGenerator.forTest("RecordLayoutTests.sameAnswersAsUnaligned")
        var moved = 0
        for round in 0..<12 {
            let rules = "rules:\n" + (0..<(20 + generator.below(60))).map { Self.rule($0, &generator) }.joined()
            let aligned = try compile(["a.yaml": vocabulary, "b.yaml": rules])
            let definition = aligned.definition
            var plain = SharedTables(definition, timeZone: amsterdam).compiler
            plain.alignsRecords = false
            let tables = SharedTables(definition, timeZone: amsterdam)
            let byJourney = definition.ruleIndicesByJourney
            let reference = RuleSet(definition, tables, journeys: definition.journeys.map { journey in
                plain.journey(journey, rules: definition.rules, positions: byJourney[journey.id] ?? [], personaCount: tables.personaCount)
            })
            // The layout: word 0 starts a line, and a record whose read part fits in a line lies in one.
            for (journey, unaligned) in zip(aligned.journeys, reference.journeys) {
                journey.withMatch { match in
                    #expect(Int(bitPattern: match.program.baseAddress) % 64 == 0, "round \(round)")
                    // The buckets' blocks start lines, one after the other.
                    #expect(journey.bucketBlocks % MatchTable.lineWords == 0 && journey.bucketStride % MatchTable.lineWords == 0,
                            "round \(round)")
                    let lengths = unaligned.match.rules.indices.dropLast().map {
                        Int(unaligned.match.rules[$0 + 1].record - unaligned.match.rules[$0].record)
                    }
                    for (index, length) in lengths.enumerated() {
                        let rule = match.rules[index]
                        let start = Int(rule.record)
                        let read = length <= MatchTable.lineWords ? length : min(length, Int(rule.effectsStart) + 3 - start)
                        if read <= MatchTable.lineWords {
                            #expect(start / MatchTable.lineWords == (start + read - 1) / MatchTable.lineWords, "round \(round) rule \(index)")
                        }
                        if rule.record != unaligned.match.rules[index].record { moved += 1 }
                    }
                }
            }
            for step in 0..<300 {
                var request = Self.request(&generator, step: step)
                for explain in [false, true] {
                    request.explain = explain
                    let answer = try aligned.evaluate(request)
                    let expected = try reference.evaluate(request)
                    #expect(answer.recommendations == expected.recommendations, "round \(round) step \(step)")
                    #expect(answer.nudgeCandidates == expected.nudgeCandidates, "round \(round) step \(step)")
                    #expect(answer.explanation == expected.explanation, "round \(round) step \(step)")
                    #expect(answer.stage == expected.stage && answer.warnings == expected.warnings, "round \(round) step \(step)")
                }
                let listing = try aligned.nudges(for: request)
                let expectedListing = try reference.nudges(for: request)
                #expect(listing.nudges.map(\.id) == expectedListing.nudges.map(\.id), "round \(round) step \(step)")
            }
        }
        // The comparison covered what it is for: records were moved.
        #expect(moved > 0)
    }
}
