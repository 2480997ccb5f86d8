import DuwtjeRules

/// How many rules the engine looks at for a request, derived from the public API only.
///
/// The engine does not expose its candidate count, and this harness must not change it. So this
/// mirrors what `RuleSet` documents about its index — rules filed per (stage, persona) slot, under
/// the values of the `equals` condition with the fewest all-text values, or as "general" — and
/// replays the walk's early stop (limit filled and a nudge served or none further down, or an
/// exclusive rule) from an `explain: true` answer to the same request, which lists every rule of
/// the journey in rank order with whether it matched. It is a model of the engine: if the
/// engine's index changes, these counts say what the documented index would do.
struct CandidateCounter {
    struct Counts {
        /// Rules in the journey.
        var journey = 0
        /// Rules the index hands to the walk (the merged bucket lists).
        var pool = 0
        /// Of those, the ones consulted before the walk stops.
        var consulted = 0
        /// Rules of the journey that match the request (with explain, every one is known).
        var matched = 0
    }

    private struct RuleFacts {
        let stages: Set<String>?
        let personas: Set<String>?
        /// (context key, values) of the discriminating condition, as the compiler picks it.
        let discriminator: (String, Set<String>)?
        let exclusive: Bool
        let mayNudge: Bool
    }

    private let rules: [String: RuleFacts]
    private let stageIDs: [String: [String]]
    private let personas: Set<String>

    init(_ definition: RuleSetDefinition) {
        var rules: [String: RuleFacts] = [:]
        for rule in definition.rules {
            var discriminator: (String, [String])?
            for condition in rule.when.context {
                for test in condition.tests {
                    guard let strings = test.textValues else { continue }
                    if let current = discriminator, current.1.count <= strings.count { continue }
                    discriminator = (condition.key, strings)
                }
            }
            let mayNudge = rule.nudge != nil || rule.variants.contains { if case .replace = $0.nudge { true } else { false } }
            rules[rule.id] = RuleFacts(
                stages: rule.when.stages.map { Set($0.map(\.value)) }, personas: rule.when.personas.map { Set($0.map(\.value)) },
                discriminator: discriminator.map { ($0.0, Set($0.1)) }, exclusive: rule.exclusive, mayNudge: mayNudge)
        }
        self.rules = rules
        stageIDs = Dictionary(uniqueKeysWithValues: definition.journeys.map { ($0.id, $0.stages.map(\.id)) })
        personas = Set(definition.personas.map(\.id))
    }

    /// Counts for one request, given the engine's `explain: true` answer to it.
    func counts(_ request: EvaluationRequest, explained answer: Answer) -> Counts {
        let entries = answer.explanation ?? []
        let stage = (stageIDs[answer.journey] ?? []).contains(answer.stage) ? answer.stage : nil
        let persona = request.persona.flatMap { personas.contains($0) ? $0 : nil }
        var texts: [String: Set<String>] = [:]
        for (key, value) in request.context {
            let elements: [ContextScalar]
            switch value {
            case .scalar(let scalar): elements = [scalar]
            case .list(let list): elements = list
            }
            texts[key] = Set(elements.compactMap { if case .string(let text) = $0 { text } else { nil } })
        }
        let facts = entries.map { rules[$0.rule] }
        var nudgeAtOrAfter = [Bool](repeating: false, count: entries.count + 1)
        for index in stride(from: entries.count - 1, through: 0, by: -1) {
            nudgeAtOrAfter[index] = nudgeAtOrAfter[index + 1] || (facts[index]?.mayNudge ?? false)
        }
        let position = Dictionary(entries.enumerated().map { ($1.rule, $0) }, uniquingKeysWith: { first, _ in first })
        // Where the limit was filled (by a rule, not a fallback) and which rule's nudge was served.
        let filledAt: Int? = answer.recommendations.count >= request.limit
            ? answer.recommendations.last?.rule.flatMap { position[$0] } : nil
        let nudgedAt = answer.nudge.flatMap { position[$0.rule] }

        var counts = Counts(journey: entries.count)
        var stopped = false
        for (index, entry) in entries.enumerated() {
            if entry.matched && entry.cutBy == nil { counts.matched += 1 }
            guard let rule = facts[index] else { continue }
            if let stages = rule.stages, !(stage.map(stages.contains) ?? false) { continue }
            if let allowed = rule.personas, !(persona.map(allowed.contains) ?? false) { continue }
            if let (key, values) = rule.discriminator, (texts[key] ?? []).isDisjoint(with: values) { continue }
            counts.pool += 1
            guard !stopped else { continue }
            counts.consulted += 1
            guard entry.matched, entry.cutBy == nil else { continue }
            if rule.exclusive { stopped = true; continue }
            if let filledAt, index >= filledAt, (nudgedAt.map { $0 <= index } ?? false) || !nudgeAtOrAfter[index + 1] {
                stopped = true
            }
        }
        return counts
    }
}
