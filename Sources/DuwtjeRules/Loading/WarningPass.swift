import Dispatch
import Foundation
import Synchronization

extension RuleDefinition {
    /// The spec's total order: priority descending, then specificity descending, then declaration order.
    public func ranks(before other: RuleDefinition) -> Bool {
        RuleRank(self, position: 0).ranks(before: RuleRank(other, position: 0))
    }

    /// The nudges this rule can serve: its own and its variants'.
    var allNudges: [NudgeDefinition] {
        var result = nudge.map { [$0] } ?? []
        for variant in variants {
            if case .replace(let replacement) = variant.nudge { result.append(replacement) }
        }
        return result
    }

    var allRecommendItems: [RecommendItem] {
        recommend + variants.flatMap { $0.recommend ?? [] }
    }
}

/// What a rule is ranked by (``RuleDefinition/ranks(before:)``), read once, and where it stands in
/// the set: ranking positions by these keys neither copies the rules nor counts a specificity at
/// every comparison.
struct RuleRank {
    let priority: Int
    let specificity: Int
    let order: Int
    let position: Int

    init(_ rule: borrowing RuleDefinition, position: Int) {
        priority = rule.priority
        specificity = rule.when.specificity
        order = rule.order
        self.position = position
    }

    func ranks(before other: RuleRank) -> Bool {
        if priority != other.priority { return priority > other.priority }
        if specificity != other.specificity { return specificity > other.specificity }
        return order < other.order
    }

    /// `positions` of `rules`, in the spec's total order.
    static func ranked(_ positions: [Int], of rules: [RuleDefinition]) -> [Int] {
        rules.withUnsafeBufferPointer { buffer in
            positions.map { RuleRank(buffer[$0], position: $0) }
        }.sorted { $0.ranks(before: $1) }.map(\.position)
    }
}

extension RuleSetDefinition {

    /// Positions of each journey's rules. Grouping positions instead of the rules themselves saves
    /// a copy of every rule (about 40 MB at 100,000 rules) wherever rules are taken per journey.
    var ruleIndicesByJourney: [String: [Int]] { Dictionary(grouping: rules.indices, by: { rules[$0].journey }) }

    /// One journey's rules, in declaration order.
    func rules(of journey: String, in byJourney: [String: [Int]]) -> [RuleDefinition] {
        (byJourney[journey] ?? []).map { rules[$0] }
    }
}

/// The questions a loaded rule set raises (rules.md section 7): they never refuse the set.
struct WarningPass {
    let definition: RuleSetDefinition
    let timeZone: TimeZone
    /// How long the store keeps what it keeps, in seconds (the ethics check on cap windows).
    var retention: Int64 = RuleSetLoader.defaultRetention
    var diagnostics: [Diagnostic] = []

    mutating func warn(_ message: String, at location: SourceLocation, fix: String? = nil, check: String? = nil) {
        diagnostics.append(Diagnostic(.warning, message, at: location, fix: fix, check: check))
    }

    /// Calls `body` with each rule where it stands: a `for rule in rules` loop copies every rule
    /// (a retain of each of its fields and a release after), which was a quarter of this pass.
    static func each(_ rules: [RuleDefinition], _ body: (borrowing RuleDefinition) -> Void) {
        rules.withUnsafeBufferPointer { buffer in
            for index in buffer.indices { body(buffer[index]) }
        }
    }

    /// The checks only read the definition, so they run as two groups on two threads; the warnings
    /// are put together in the order one thread would have made them (ethics, rules, shadowing,
    /// content, mentions, fallbacks), so the result is the same.
    mutating func run() {
        let base = self
        let groups = Mutex<[[Diagnostic]]>([[], []])
        DispatchQueue.concurrentPerform(iterations: 2) { group in
            var pass = base
            pass.diagnostics = []
            if group == 0 { pass.runRuleChecks() } else { pass.runSetChecks() }
            let found = pass.diagnostics
            groups.withLock { $0[group] = found }
        }
        diagnostics += groups.withLock { $0[0] + $0[1] }
    }

    /// The ethics checks, each rule's own warnings and shadowing: the two groups take about as
    /// long at 10,000 rules (shadowing was in the other group, which then took twice as long).
    mutating func runRuleChecks() {
        runEthicsChecks()
        let rules = definition.rules
        for position in rules.indices {
            if !Self.givesSomething(rules, position) {
                warn("rule '\(rules[position].id)' recommends nothing and has no nudge", at: rules[position].location)
            } else if rules[position].why == nil {
                warn("rule '\(rules[position].id)' has no 'why': its answers cannot tell citizens why they see them",
                     at: rules[position].location, fix: "add `why: U ziet dit omdat …`")
            }
        }
        warnShadowedRules()
    }

    /// Whether the rule at `position` recommends anything or has a nudge, itself or in a variant
    /// (``RuleDefinition/allRecommendItems`` or ``RuleDefinition/allNudges`` not empty), read where
    /// it stands instead of in arrays made for the question.
    static func givesSomething(_ rules: [RuleDefinition], _ position: Int) -> Bool {
        if !rules[position].recommend.isEmpty || rules[position].nudge != nil { return true }
        for variant in rules[position].variants.indices {
            if let items = rules[position].variants[variant].recommend, !items.isEmpty { return true }
            if case .replace = rules[position].variants[variant].nudge { return true }
        }
        return false
    }

    /// The warnings that compare the rules with the vocabulary.
    mutating func runSetChecks() {
        warnUnreachableContent()
        warnUnmentioned()
        warnExpiringFallbacks()
    }

    /// A journey with fallbacks never answers an empty list (rules.md 6.6): the language filter
    /// gives way as a last resort, but an item outside its active window is never served. So a
    /// journey whose fallback items all have a window can still answer nothing.
    mutating func warnExpiringFallbacks() {
        let windowed = Set(definition.content.filter { $0.active != nil }.map(\.id))
        for journey in definition.journeys where !journey.fallback.isEmpty {
            guard journey.fallback.allSatisfy({ windowed.contains($0.value) }) else { continue }
            warn("every fallback item of journey '\(journey.id)' has an active window: outside them the journey can answer an empty list",
                 at: journey.fallback[0].location, fix: "add an item without 'active' to its fallback")
        }
    }

    mutating func warnShadowedRules() {
        let byJourney = definition.ruleIndicesByJourney
        let rules = definition.rules
        // Rules read where they stand: taken as values, both rules of every pair compared were copied.
        rules.withUnsafeBufferPointer { rules in
            for journey in definition.journeys {
                // Positions are ranked, not the rules: sorting copies of the rules moved each one.
                let ranked = RuleRank.ranked(byJourney[journey.id] ?? [], of: definition.rules)
                for (index, exclusivePosition) in ranked.enumerated() where rules[exclusivePosition].exclusive {
                    for position in ranked[(index + 1)...] where Shadowing.covers(rules[exclusivePosition], rules[position], timeZone: timeZone) {
                        warn("rule '\(rules[position].id)' can never be consulted: exclusive rule '\(rules[exclusivePosition].id)' (\(rules[exclusivePosition].location)) ranks above it and matches everything it matches",
                             at: rules[position].location, fix: "give it a higher priority, or narrow '\(rules[exclusivePosition].id)'")
                    }
                }
            }
        }
    }

    /// Reachability is marked by catalogue position, not collected as a set of ids: a `String`
    /// hashed for every item a `type` query matched was most of this check. The rules' fields are
    /// read where they stand (``each`` still copied every rule here).
    mutating func warnUnreachableContent() {
        let content = definition.content
        // Each item's first position under its id: what marking by id marks (ids are unique in a
        // loaded set, so this is the item itself).
        // Items and recommend items are read where they stand (`enumerated()` and `for item in`
        // copied each one, a retain and a release of each of its fields), and an id is hashed once
        // while the table is built (issue 15, `load11`).
        var firstByID: [String: Int] = [:]
        firstByID.reserveCapacity(content.count)
        for index in content.indices {
            if let earlier = firstByID.updateValue(index, forKey: content[index].id) { firstByID[content[index].id] = earlier }
        }
        let first = content.indices.map { firstByID[content[$0].id] ?? 0 }
        var reachable = [Bool](repeating: false, count: content.count)
        func mark(_ id: String) {
            if let index = firstByID[id] { reachable[index] = true }
        }
        let contentIndex = ContentIndex(content)
        func mark(_ items: [RecommendItem]) {
            for position in items.indices {
                switch items[position] {
                case .content(let id):
                    mark(id.value)
                case .query(let type, let tags, _, _):
                    for index in contentIndex.matches(type: type.value, tags: tags) { reachable[first[index]] = true }
                }
            }
        }
        for journey in definition.journeys {
            for id in journey.fallback { mark(id.value) }
            for stage in journey.stages { for id in stage.fallback { mark(id.value) } }
        }
        let rules = definition.rules
        for position in rules.indices {
            mark(rules[position].recommend)
            for variant in rules[position].variants.indices {
                if let items = rules[position].variants[variant].recommend { mark(items) }
            }
        }
        for index in content.indices where !reachable[first[index]] {
            warn("content item '\(content[index].id)' cannot be recommended: no rule or fallback names it or its type and tags",
                 at: content[index].location)
        }
    }

    mutating func warnUnmentioned() {
        var personas = Set<String>()
        // Stage ids by journey: a key made of both was a `String` built for every stage a rule named.
        var stages: [String: Set<String>] = [:]
        // A loaded set's rules name only declared personas and stages, so once every one is
        // mentioned nothing can be added: the rest are not hashed again (most rules name some).
        let personaCount = Set(definition.personas.lazy.map(\.id)).count
        var stageCounts: [String: Int] = [:]
        for journey in definition.journeys { stageCounts[journey.id] = Set(journey.stages.lazy.map(\.id)).count }
        var complete: String?
        let rules = definition.rules
        for position in rules.indices {
            if personas.count < personaCount, let ids = rules[position].when.personas {
                for id in ids { personas.insert(id.value) }
            }
            if let ids = rules[position].when.stages, rules[position].journey != complete {
                let journey = rules[position].journey
                stages[journey, default: []].formUnion(ids.lazy.map(\.value))
                if let count = stageCounts[journey], stages[journey]?.count == count { complete = journey }
            }
        }
        for persona in definition.personas where !personas.contains(persona.id) {
            warn("persona '\(persona.id)' is not mentioned by any rule", at: persona.location)
        }
        for journey in definition.journeys {
            let mentioned = stages[journey.id] ?? []
            for stage in journey.stages where !mentioned.contains(stage.id) {
                warn("stage '\(stage.id)' of journey '\(journey.id)' is not mentioned by any rule", at: stage.location)
            }
        }
    }
}

/// Whether one rule's `when` and `active` window hold whenever another's do. Conservative: it
/// answers true only when that is certain, so a shadowing warning is never wrong.
enum Shadowing {
    static func covers(_ outer: borrowing RuleDefinition, _ inner: borrowing RuleDefinition, timeZone: TimeZone) -> Bool {
        guard outer.journey == inner.journey else { return false }
        if let window = outer.active {
            guard let innerWindow = inner.active else { return false }
            if let from = window.from {
                guard let innerFrom = innerWindow.from, innerFrom.resolved(in: timeZone) >= from.resolved(in: timeZone) else { return false }
            }
            if let until = window.until {
                guard let innerUntil = innerWindow.until, innerUntil.resolved(in: timeZone) <= until.resolved(in: timeZone) else { return false }
            }
        }
        guard covers(ids: outer.when.stages, inner.when.stages), covers(ids: outer.when.personas, inner.when.personas) else { return false }
        for condition in outer.when.context {
            guard let innerCondition = inner.when.context.first(where: { $0.key == condition.key }) else { return false }
            for test in condition.tests where !implies(innerCondition.tests, test) { return false }
        }
        return true
    }

    static func covers(ids outer: [Located<String>]?, _ inner: [Located<String>]?) -> Bool {
        guard let outer else { return true }
        guard let inner else { return false }
        // A few ids are compared (a `Set` of them was made for every pair of rules); many are hashed.
        guard outer.count > 8 else { return inner.allSatisfy { id in outer.contains { $0.value == id.value } } }
        let allowed = Set(outer.map(\.value))
        return inner.allSatisfy { allowed.contains($0.value) }
    }

    /// Whether `tests` (all holding) guarantee that `test` holds.
    static func implies(_ tests: [ValueTest], _ test: ValueTest) -> Bool {
        tests.contains { given in
            switch (given, test) {
            case (.exists(let a), .exists(let b)):
                return a == b
            case (.equals, .exists(true)), (.prefix, .exists(true)), (.range, .exists(true)):
                return true
            case (.equals(let values), .equals(let allowed)):
                return values.allSatisfy(allowed.contains)
            case (.not(let excluded), .not(let required)):
                return required.allSatisfy(excluded.contains)
            case (.exists(false), .not):
                return true
            case (.prefix(let inner), .prefix(let outer)):
                return inner.hasPrefix(outer)
            case (.equals(let values), .prefix(let outer)):
                return values.allSatisfy { if case .string(let text) = $0 { return text.hasPrefix(outer) } else { return false } }
            case (.range(let inner), .range(let outer)):
                return outer.covers(inner)
            case (.equals(let values), .range(let outer)):
                return values.allSatisfy { if case .number(let number) = $0 { return outer.contains(number) } else { return false } }
            default:
                return false
            }
        }
    }
}
