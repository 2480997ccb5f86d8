import DuwtjeRules
import Foundation

/// A fixed, seeded mix of requests in a generated set's vocabulary, so every size and every run
/// answers the same kinds of question.
///
/// Like traffic from a municipal site, it is not all well-formed: stages are given or left to the
/// signals, personas are known, unknown or absent, context values are sometimes lists (pages
/// visited), from another journey or not declared at all, and most requests carry a visitor, so
/// variants are assigned and nudge caps are checked.
enum RequestMix {
    /// The benchmark's clock: requests carry their own time, the engine never reads one.
    static let now = Date(timeIntervalSince1970: 1_795_338_000)  // 2026-11-22T09:00:00Z (10:00 in Amsterdam)

    static func make(_ shape: RuleSetShape, count: Int = 1_000, seed: UInt64 = 0x5EED_0001) -> [EvaluationRequest] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in request(shape, &rng) }
    }

    static func request(_ shape: RuleSetShape, _ rng: inout SplitMix64) -> EvaluationRequest {
        let journey = rng.pick(shape.journeys)
        var stage: String?
        let stageRoll = rng.unit()
        if stageRoll < 0.47 { stage = rng.pick(RuleSetShape.stages) } else if stageRoll < 0.50 { stage = "overweging" }
        var persona: String?
        let personaRoll = rng.unit()
        if personaRoll < 0.57 { persona = rng.pick(RuleSetShape.personas) } else if personaRoll < 0.60 { persona = "toerist" }

        var context = RequestContext()
        var process = rng.pick(journey.processes)
        let processRoll = rng.unit()
        if processRoll < 0.70 {
            context["process"] = .scalar(.string(process))
        } else if processRoll < 0.76 {
            process = rng.pick(shape.processes)  // another journey's process: matches little here
            context["process"] = .scalar(.string(process))
        } else if processRoll < 0.80 {
            context["process"] = .list([.string(process), .string(rng.pick(journey.processes))])
        } else if processRoll < 0.83 {
            context["process"] = .scalar(.string("onbekend-proces"))
        }
        if rng.chance(0.90) {
            context["channel"] = rng.chance(0.05)
                ? .list([.string("web"), .string("app")]) : .scalar(.string(rng.pick(RuleSetShape.channels)))
        }
        if rng.chance(0.60) { context["device"] = .scalar(.string(rng.pick(RuleSetShape.devices))) }
        if rng.chance(0.50) {
            context["language"] = .scalar(.string(rng.chance(0.8) ? "nl" : rng.pick(RuleSetShape.languages)))
        }
        let pageRoll = rng.unit()
        if pageRoll < 0.55 {
            context["page"] = .scalar(.string("/\(journey.id)/\(process)/\(rng.pick(RuleSetShape.topics))"))
        } else if pageRoll < 0.65 {
            context["page"] = .list([.string("/\(journey.id)/"), .string("/\(journey.id)/aanvragen/\(process)")])
        } else if pageRoll < 0.70 {
            context["page"] = .scalar(.string("/nieuws/\(rng.below(100))"))
        }
        if rng.chance(0.60) { context["visits"] = .scalar(.number(Double(rng.int(in: 1...12)))) }
        if rng.chance(0.02) { context["utm_source"] = .scalar(.string("nieuwsbrief")) }

        let visitor = rng.chance(0.70) ? "bezoeker-\(rng.below(5_000))" : nil
        return EvaluationRequest(journey: journey.id, stage: stage, persona: persona, context: context, visitor: visitor,
                                 limit: 3, now: now, explain: false)
    }
}
