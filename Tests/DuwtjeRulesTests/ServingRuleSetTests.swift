import DuwtjeRules
import DuwtjeTestSupport
import Foundation
import Testing

@Suite("A rule set for serving (issue 15: memory)")
struct ServingRuleSetTests {
    /// Workers of a loader's own, as a daemon gives each of its loader threads (``LoadWorkers``).
    static let workers = LoadWorkers(count: 2)

    /// The shipped rules, loaded afresh (each rule set gets a definition of its own), on `workers`
    /// when given.
    func shipped(workers: LoadWorkers? = nil) throws -> RuleSetDefinition {
        var loader = RuleSetLoader(timeZone: amsterdam)
        loader.workers = workers
        let output = try loader.load(directory: repositoryRoot + "/Rules")
        guard let definition = output.definition else {
            throw LoadFailure(diagnostics: output.diagnostics.errors.map(\.description))
        }
        return definition
    }

    @Test("answers, explanations included, are byte for byte those of the full rule set on random requests",
          arguments: [false, true])
    func sameAnswers(onWorkers: Bool) throws {
        let full = RuleSet(try shipped(), timeZone: amsterdam)
        let workers = onWorkers ? Self.workers : nil
        let serving = RuleSet(serving: try shipped(workers: workers), timeZone: amsterdam, workers: workers)
        let definition = full.definition
        var generator = SeededGenerator.forTest("ServingRuleSetTests.sameAnswers")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let now = date("2026-11-22T10:00:00+01:00")
        var withRecommendations = 0
        for step in 0..<3_000 {
            let journey = definition.journeys[generator.below(definition.journeys.count)]
            let stages: [String?] = [nil, "onbekend"] + journey.stages.map(\.id)
            let personas: [String?] = [nil, "niemand"] + definition.personas.map(\.id)
            var context = RequestContext()
            for key in definition.contextKeys where generator.chance(0.6) {
                switch key.kind {
                case .closed(let values): context[key.id] = .scalar(.string(values[generator.below(values.count)]))
                case .string: context[key.id] = .scalar(.string(["/", "/paspoort", "/" + journey.id, "anders"][generator.below(4)]))
                case .number: context[key.id] = .scalar(.number(Double(generator.below(6))))
                case .boolean: context[key.id] = .scalar(.bool(generator.chance(0.5)))
                }
            }
            let request = EvaluationRequest(journey: journey.id, stage: stages[generator.below(stages.count)],
                                            persona: personas[generator.below(personas.count)], context: context,
                                            visitor: "bezoeker-\(generator.below(50))", limit: 1 + generator.below(5),
                                            now: now.addingTimeInterval(Double(step) * 3_600), explain: true)
            let expected = try full.evaluate(request)
            let answer = try serving.evaluate(request)
            #expect(try encoder.encode(answer) == encoder.encode(expected), "step \(step)")
            #expect(answer.nudgeCandidates == expected.nudgeCandidates, "step \(step)")
            if expected.recommendations.contains(where: { $0.rule != nil }) { withRecommendations += 1 }
        }
        // The comparison covered what it is for: answers that rules made, not only fallbacks.
        #expect(withRecommendations > 300)
    }

    @Test("the kept definition holds what the daemon reads (ids, journeys, variants, nudges), in order, not the conditions",
          arguments: [false, true])
    func keptDefinition(onWorkers: Bool) throws {
        let full = try shipped()
        let workers = onWorkers ? Self.workers : nil
        let kept = RuleSet(serving: try shipped(workers: workers), timeZone: amsterdam, workers: workers).definition
        #expect(kept.rules.map(\.id) == full.rules.map(\.id))
        #expect(kept.rules.map(\.journey) == full.rules.map(\.journey))
        #expect(kept.rules.map { $0.variants.map(\.id) } == full.rules.map { $0.variants.map(\.id) })
        #expect(kept.rules.map(Self.nudges) == full.rules.map(Self.nudges))
        #expect(kept.content.map(\.id) == full.content.map(\.id))
        #expect(full.rules.contains { !$0.when.context.isEmpty && !$0.recommend.isEmpty })
        #expect(kept.rules.allSatisfy { $0.when.context.isEmpty && $0.when.stages == nil && $0.when.personas == nil })
        #expect(kept.rules.allSatisfy { $0.recommend.isEmpty && $0.description == nil })
    }

    /// A rule's nudges and their caps' windows, its variants' included: what caps and events read.
    static func nudges(of rule: RuleDefinition) -> [String] {
        let replaced = rule.variants.compactMap { variant -> NudgeDefinition? in
            if case .replace(let nudge) = variant.nudge { nudge } else { nil }
        }
        return ([rule.nudge].compactMap { $0 } + replaced).map { "\($0.id) \($0.cap?.per ?? 0)" }
    }
}
