public import Foundation

/// The GAP matrix of the inbound method: for each journey, what every stage × persona gets, so that
/// marketing staff can see where their rules leave citizens with only fallbacks or nothing.
///
/// Built by asking the engine itself (no visitor, so no caps and variants as written): a cell
/// shows exactly what a request with that stage, persona and context would be answered.
public struct JourneyMatrix: Sendable, Encodable {
    public struct Item: Sendable, Encodable, Hashable {
        public var content: String
        public var type: String
        public var title: String
        /// The rule that recommended it, or nil for a fallback.
        public var rule: String?
        /// `stage` or `journey` when a fallback filled it in.
        public var fallback: String?
    }

    public struct Cell: Sendable, Encodable, Hashable {
        public enum Gap: String, Sendable, Encodable {
            /// No rule gave content: only the stage's or journey's fallback did.
            case fallbackOnly = "fallback-only"
            /// Nothing at all.
            case empty
        }

        public var stage: String
        public var persona: String?
        public var items: [Item]
        public var nudge: String?
        public var nudgeRule: String?
        /// The rules that matched and were consulted, in rank order.
        public var rules: [String]
        public var gap: Gap?

        enum CodingKeys: String, CodingKey { case stage, persona, items, nudge, nudgeRule = "nudge_rule", rules, gap }
    }

    public struct Journey: Sendable, Encodable {
        public var id: String
        public var label: String?
        public var stages: [String]
        public var stageLabels: [String?]
        /// Persona ids in declaration order after "no persona" (`nil`).
        public var personas: [String?]
        public var personaLabels: [String?]
        /// Row by row (personas), column by column (stages).
        public var rows: [[Cell]]

        enum CodingKeys: String, CodingKey {
            case id, label, stages, stageLabels = "stage_labels", personas, personaLabels = "persona_labels", rows
        }

        public var gaps: [Cell] { rows.joined().filter { $0.gap != nil } }
    }

    /// A rule, content item or nudge the analysis flags, with where it is written.
    public struct Finding: Sendable, Encodable, Hashable {
        public var id: String
        /// `path:line:col`, the path relative to the rule set's directory.
        public var location: String
        public var reason: String
    }

    public var ruleset: String
    /// The moment the matrix was evaluated at (rules and content outside their window do not count).
    public var now: String
    /// The context every request of the matrix carried.
    public var context: [String: String]
    /// Content types' labels by id, to name columns of items in words.
    public var contentTypes: [String: String]
    public var journeys: [Journey]
    /// Rules that can never be consulted: shadowed by an exclusive rule, with conditions that cannot
    /// all hold, or whose active window has ended.
    public var deadRules: [Finding]
    /// Content no request can reach.
    public var unreachableContent: [Finding]
    /// Nudges without cap or alternative.
    public var nudgeProblems: [Finding]

    enum CodingKeys: String, CodingKey {
        case ruleset, now, context, contentTypes = "content_types", journeys, deadRules = "dead_rules",
             unreachableContent = "unreachable_content", nudgeProblems = "nudge_problems"
    }

    /// The matrix of `ruleSet` for every journey (or only `journey`), with `context` in every request.
    ///
    /// Each cell is the engine's own answer to a request with that stage and persona (no visitor:
    /// no caps, and rules with variants answer as written), so the matrix never disagrees with what
    /// the website is served.
    public init(ruleSet: RuleSet, journey: String? = nil, context: [String: ContextValue] = [:], limit: Int = 3,
                now: Date) throws(EvaluationError) {
        try self.init(definition: ruleSet.definition, timeZone: ruleSet.timeZone, journey: journey, context: context,
                      limit: limit, now: now) { _ in ruleSet }
    }

    /// The same matrix from a checked definition, its rules compiled one journey at a time: the
    /// whole compiled set (≈ 90 MB at 100,000 rules) is never held, which keeps `duwtje matrix` on a
    /// large set within its memory budget.
    public init(definition: RuleSetDefinition, timeZone: TimeZone, journey: String? = nil,
                context: [String: ContextValue] = [:], limit: Int = 3, now: Date) throws(EvaluationError) {
        let compiled = JourneyByJourney(definition, timeZone: timeZone)
        try self.init(definition: definition, timeZone: timeZone, journey: journey, context: context, limit: limit,
                      now: now, ruleSet: compiled.ruleSet(forJourneyAt:))
    }

    /// `ruleSet(i)`: a rule set that answers requests for the journey at index `i` as the whole set would.
    init(definition: RuleSetDefinition, timeZone: TimeZone, journey: String?, context: [String: ContextValue],
         limit: Int, now: Date, ruleSet: (Int) -> RuleSet) throws(EvaluationError) {
        if let journey, !definition.journeys.contains(where: { $0.id == journey }) {
            throw .unknownJourney(journey, suggestion: Suggestions.hint(for: journey, in: definition.journeys.map(\.id)))
        }
        let requestContext = RequestContext(context)
        let personas: [String?] = [nil] + definition.personas.map(\.id)
        let personaLabels: [String?] = [nil] + definition.personas.map(\.label)
        var journeys: [Journey] = []
        for (index, journeyDefinition) in definition.journeys.enumerated() where journey == nil || journeyDefinition.id == journey {
            let ruleSet = ruleSet(index)
            var rows: [[Cell]] = []
            for persona in personas {
                var row: [Cell] = []
                for stage in journeyDefinition.stages {
                    let request = EvaluationRequest(journey: journeyDefinition.id, stage: stage.id, persona: persona,
                                                    context: requestContext, limit: limit, now: now, explain: true)
                    // The rules a cell lists are those that matched and were not cut: the candidates'
                    // explanation has exactly those, without explaining every rule of the journey.
                    row.append(Self.cell(try ruleSet.evaluate(request, walk: .candidates), stage: stage.id, persona: persona))
                }
                rows.append(row)
            }
            journeys.append(Journey(id: journeyDefinition.id, label: journeyDefinition.label,
                                    stages: journeyDefinition.stages.map(\.id), stageLabels: journeyDefinition.stages.map(\.label),
                                    personas: personas, personaLabels: personaLabels, rows: rows))
        }
        let analysis = RuleSetAnalysis(definition, timeZone: timeZone, now: now)
        let selected = Set(journeys.map(\.id))
        self.ruleset = definition.version
        self.now = RuleSet.rfc3339(now)
        self.context = context.mapValues { value in value.elements.map(\.description).joined(separator: ", ") }
        self.contentTypes = Dictionary(definition.contentTypes.map { ($0.id, $0.label ?? $0.id) }, uniquingKeysWith: { first, _ in first })
        self.journeys = journeys
        self.deadRules = analysis.deadRules.filter { selected.contains($0.journey) }.map(\.finding)
        self.unreachableContent = analysis.unreachableContent
        self.nudgeProblems = analysis.nudgeProblems.filter { selected.contains($0.journey) }.map(\.finding)
    }

    static func cell(_ answer: Answer, stage: String, persona: String?) -> Cell {
        let items = answer.recommendations.map {
            Item(content: $0.content, type: $0.type, title: $0.title, rule: $0.rule, fallback: $0.fallback?.rawValue)
        }
        let gap: Cell.Gap? = items.isEmpty ? .empty : (items.allSatisfy { $0.rule == nil } ? .fallbackOnly : nil)
        return Cell(stage: stage, persona: persona, items: items, nudge: answer.nudge?.id, nudgeRule: answer.nudge?.rule,
                    rules: answer.explanation?.filter { $0.matched && $0.cutBy == nil }.map(\.rule) ?? [], gap: gap)
    }

    /// How many cells are gaps, over all journeys shown.
    public var gapCount: Int { journeys.reduce(0) { $0 + $1.gaps.count } }
}

/// Static questions about a rule set that do not depend on one request.
struct RuleSetAnalysis {
    struct JourneyFinding {
        var journey: String
        var finding: JourneyMatrix.Finding
    }

    var deadRules: [JourneyFinding] = []
    var unreachableContent: [JourneyMatrix.Finding] = []
    var nudgeProblems: [JourneyFinding] = []

    init(_ definition: RuleSetDefinition, timeZone: TimeZone, now: Date) {
        var dead = Set<String>()
        let byJourney = definition.ruleIndicesByJourney
        for journey in definition.journeys {
            let ranked = definition.rules(of: journey.id, in: byJourney).sorted { $0.ranks(before: $1) }
            for (index, rule) in ranked.enumerated() {
                if let contradiction = Contradiction.find(in: rule) {
                    dead.insert(rule.id)
                    deadRules.append(JourneyFinding(journey: journey.id, finding: .init(
                        id: rule.id, location: rule.location.description, reason: "its conditions cannot all hold: \(contradiction)")))
                    continue
                }
                if let until = rule.active?.until, until.resolved(in: timeZone) <= now {
                    dead.insert(rule.id)
                    deadRules.append(JourneyFinding(journey: journey.id, finding: .init(
                        id: rule.id, location: rule.location.description,
                        reason: "its active window ended (until \(Self.describe(until)))")))
                    continue
                }
                if let shadow = ranked[..<index].first(where: { $0.exclusive && !dead.contains($0.id) && Shadowing.covers($0, rule, timeZone: timeZone) }) {
                    dead.insert(rule.id)
                    deadRules.append(JourneyFinding(journey: journey.id, finding: .init(
                        id: rule.id, location: rule.location.description,
                        reason: "exclusive rule '\(shadow.id)' ranks above it and matches everything it matches")))
                }
            }
        }
        let catalogue = ContentIndex(definition.content)
        var reachable = Set<String>()
        for journey in definition.journeys {
            reachable.formUnion(journey.fallback.map(\.value))
            for stage in journey.stages { reachable.formUnion(stage.fallback.map(\.value)) }
        }
        for rule in definition.rules where !dead.contains(rule.id) {
            for item in rule.allRecommendItems {
                switch item {
                case .content(let id): reachable.insert(id.value)
                case .query(let type, let tags, _, _):
                    for index in catalogue.matches(type: type.value, tags: tags) { reachable.insert(definition.content[index].id) }
                }
            }
        }
        for item in definition.content {
            if let until = item.active?.until, until.resolved(in: timeZone) <= now {
                unreachableContent.append(.init(id: item.id, location: item.location.description,
                                                reason: "its active window ended (until \(Self.describe(until)))"))
            } else if !reachable.contains(item.id) {
                unreachableContent.append(.init(id: item.id, location: item.location.description,
                                                reason: "no rule that can be consulted and no fallback recommends it"))
            }
        }
        for rule in definition.rules {
            for nudge in rule.allNudges {
                var missing: [String] = []
                if nudge.cap == nil { missing.append("cap") }
                if nudge.alternative == nil { missing.append("alternative") }
                guard !missing.isEmpty else { continue }
                nudgeProblems.append(JourneyFinding(journey: rule.journey, finding: .init(
                    id: nudge.id, location: nudge.location.description,
                    reason: "of rule '\(rule.id)' has no \(missing.joined(separator: " and no "))")))
            }
        }
    }
}

extension RuleSetAnalysis {
    static func describe(_ point: TimePoint) -> String {
        switch point {
        case .date(let year, let month, let day):
            return "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
        case .instant(let date):
            return RuleSet.rfc3339(date)
        }
    }
}

/// Conditions of one rule that no request can satisfy together.
enum Contradiction {
    static func find(in rule: RuleDefinition) -> String? {
        for condition in rule.when.context {
            if let reason = find(condition) { return "context.\(condition.key) \(reason)" }
        }
        return nil
    }

    static func find(_ condition: ContextCondition) -> String? {
        var requiresPresence = false
        var absent = false
        var allowed: [ContextScalar]?
        var excluded: [ContextScalar] = []
        var prefixes: [String] = []
        var ranges: [NumericRange] = []
        for test in condition.tests {
            switch test {
            case .exists(let flag):
                if flag { requiresPresence = true } else { absent = true }
            case .equals(let values):
                requiresPresence = true
                allowed = values
            case .not(let values):
                excluded += values
            case .prefix(let prefix):
                requiresPresence = true
                prefixes.append(prefix)
            case .range(let range):
                requiresPresence = true
                ranges.append(range)
            }
        }
        if absent && requiresPresence { return "requires the key both absent and present" }
        if let range = ranges.first(where: \.isEmpty) { return "has an empty range (\(describe(range)))" }
        if let allowed {
            // With a scalar value these must hold for the same value; with a list, `not` still excludes it.
            let remaining = allowed.filter { !excluded.contains($0) }
            if remaining.isEmpty { return "excludes every value it allows" }
        }
        return nil
    }

    static func describe(_ range: NumericRange) -> String {
        var parts: [String] = []
        if let lower = range.lower { parts.append((range.lowerInclusive ? "≥ " : "> ") + ContextScalar.number(lower).description) }
        if let upper = range.upper { parts.append((range.upperInclusive ? "≤ " : "< ") + ContextScalar.number(upper).description) }
        return parts.joined(separator: " and ")
    }
}
