@testable import DuwtjeRules
import DuwtjeTestSupport
import Foundation
import Testing

/// The stage signals as the walk reads them from the program (``CompiledJourney/signalWords``),
/// checked against the stages' compiled conditions read the plain way (``CompiledJourney/stageWhens``
/// and ``MatchTable/View/failedCondition(_:_:_:)``), on random requests.
@Suite("Stage signals read from the program")
struct StageSignalTests {
    static let now = date("2026-11-22T10:00:00+01:00")

    /// Signals of every kind a stage may have: none, one condition, several, with a persona, lists
    /// of values, `not`, `exists`, ranges and prefixes.
    static let journey = """
    journeys:
      sig:
        stages:
          - id: s0
          - id: s1
            when: { context: { page: { prefix: /paspoort } } }
          - id: s2
            when: { persona: ouder, context: { visits: { gte: 3 } } }
          - id: s3
            when: { context: { process: [paspoort, rijbewijs], channel: { not: balie } } }
          - id: s4
            when: { persona: student, context: { ingelogd: true } }
          - id: s5
          - id: s6
            when: { context: { language: { exists: true }, visits: { lt: 2 } } }
    """

    /// The last stage whose signals hold, read as before the program kept them.
    static func reference(_ journey: CompiledJourney, _ match: MatchTable.View, _ facts: Facts) -> Int? {
        var index = journey.stageWhens.count
        while index > 0 {
            index -= 1
            guard let when = journey.stageWhens[index], when.stages == nil, when.allows(persona: facts.persona) else { continue }
            if match.failedCondition(when.conditions.lowerBound, when.conditions.upperBound, facts) == nil { return index }
        }
        return nil
    }

    static func request(journey: String, _ generator: inout SeededGenerator) -> EvaluationRequest {
        func pick(_ values: [String?]) -> String? { values[generator.below(values.count)] }
        var context = RequestContext()
        if generator.chance(0.6) {
            context["process"] = generator.chance(0.8) ? .scalar(.string(pick(["paspoort", "rijbewijs", "verhuizing", "x"]) ?? ""))
                : .list([.string("verhuizing"), .string(pick(["paspoort", "rijbewijs"]) ?? "")])
        }
        if generator.chance(0.6) { context["channel"] = .scalar(.string(pick(["web", "balie", "app"]) ?? "")) }
        if generator.chance(0.6) { context["page"] = .scalar(.string(pick(["/paspoort/x", "/paspoort", "/x", "/pas"]) ?? "")) }
        if generator.chance(0.6) { context["visits"] = .scalar(.number(Double(generator.below(6)))) }
        if generator.chance(0.4) { context["language"] = .scalar(.string(pick(["nl", "en"]) ?? "")) }
        if generator.chance(0.4) { context["ingelogd"] = .scalar(.bool(generator.chance(0.5))) }
        return EvaluationRequest(journey: journey, persona: pick([nil, "ouder", "student", "onbekend"]), context: context, now: now)
    }

    @Test("the signalled stage is the one the stages' conditions give, for every journey and random requests")
    func agreesWithStageConditions() throws {
        let rules = try compile(["a.yaml": vocabulary, "b.yaml": Self.journey])
        var generator = SeededGenerator.forTest("StageSignalTests.agreesWithStageConditions")
        for id in ["bz", "sig"] {
            let position = try rules.journeyPosition(of: EvaluationRequest(journey: id, now: Self.now))
            let journey = rules.journeys[position]
            #expect(journey.signalWords.count == journey.stageCount * CompiledJourney.signalWordsPerStage)
            var signalled = Set<Int?>()
            for step in 0..<3_000 {
                let request = Self.request(journey: id, &generator)
                let (found, expected) = rules.withFacts(of: request, journey: position) { _, facts, _ in
                    journey.withMatch { match in (journey.signalledStage(match, facts), Self.reference(journey, match, facts)) }
                }
                #expect(found == expected, "journey \(id) step \(step)")
                signalled.insert(expected)
            }
            // Every stage with signals is signalled by some request, and some requests by none.
            let expected: Set<Int?> = id == "bz" ? [nil, 1, 2] : [nil, 1, 2, 3, 4, 6]
            #expect(signalled == expected, "journey \(id)")
        }
    }
}
