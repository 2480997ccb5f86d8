public import Foundation
import Synchronization

/// What a change of the rules does to answers, before it is loaded: both rule sets answer the same
/// requests, and every answer that differs is counted by kind and grouped by the rules responsible.
///
/// Operations run it before a reload and a rule repository in its CI; it informs, it does not judge.
public struct RuleSetDiff: Sendable, Encodable {
    /// Ways an answer can change; one answer can change in several.
    public enum Change: String, Sendable, Encodable, CaseIterable, Comparable {
        /// Other items are recommended (one added, removed or replaced).
        case content
        /// The same items in another order.
        case order
        /// Another nudge, or a nudge appears or disappears.
        case nudge
        /// The stage (or its source) differs: a stage's signals changed.
        case stage

        public static func < (lhs: Change, rhs: Change) -> Bool {
            allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
        }
    }

    /// One request whose answer changed, shown as it went in and what came out before and after.
    public struct Example: Sendable, Encodable {
        public var request: String
        public var changes: [Change]
        public var before: Summary
        public var after: Summary
    }

    /// The parts of an answer a diff compares.
    public struct Summary: Sendable, Encodable, Equatable {
        public var stage: String
        public var content: [String]
        public var nudge: String?
        /// An answer the request could not get at all (unknown journey in that rule set).
        public var error: String?
    }

    /// Answers that changed because of the same rules.
    public struct Group: Sendable, Encodable {
        /// The rules whose matching, rank or contribution differs, sorted; empty when only
        /// fallbacks or the catalogue changed.
        public var rules: [String]
        public var answers: Int
        public var changes: [String: Int]
        public var examples: [Example]
    }

    public var before: String
    public var after: String
    /// How the requests were chosen: `sample` (a file) or `combinations`.
    public var source: String
    public var requests: Int
    /// All combinations there were, when only some were evaluated (see `RuleSetDiff.maxCombinations`).
    public var combinations: Int?
    public var changed: Int
    public var changes: [String: Int]
    public var groups: [Group]

    /// The most requests the combinations mode evaluates; above it, an evenly spaced sample.
    public static let maxCombinations = 1_000_000
    /// Examples kept per group.
    public static let examplesPerGroup = 3

    /// Requests compared per unit of work: large enough that splitting costs nothing, small
    /// enough that the progress line moves and both cores stay busy to the end.
    static let batchSize = 4_096

    /// Compares `before` and `after` on `requests` (without caps), on every core.
    ///
    /// Each request is first answered by both sets as the daemon answers it (through the index,
    /// stopping early): a few microseconds. Only when the two answers differ is it asked again,
    /// explaining the rules that can match it, to name the rules responsible. (Explaining every
    /// request walked every rule of its journey twice: at 10,000 rules, hours for a million.)
    ///
    /// - Parameter progress: called with the number of requests just compared, from any thread.
    public init<Requests: RandomAccessCollection & Sendable>(
        before: RuleSet, after: RuleSet, requests: Requests, source: String, combinations: Int? = nil,
        progress: (@Sendable (Int) -> Void)? = nil
    ) where Requests.Element == EvaluationRequest, Requests.Index == Int {
        self.init(before: before, after: after, requests: requests, source: source, combinations: combinations,
                  explaining: .candidates, progress: progress)
    }

    /// - Parameter walk: how changed answers are explained; `.everyRule` is the slow reference
    ///   the tests compare with.
    init<Requests: RandomAccessCollection & Sendable>(
        before: RuleSet, after: RuleSet, requests: Requests, source: String, combinations: Int?,
        explaining walk: RuleSet.Walk, progress: (@Sendable (Int) -> Void)?
    ) where Requests.Element == EvaluationRequest, Requests.Index == Int {
        self.before = before.version
        self.after = after.version
        self.source = source
        self.requests = requests.count
        self.combinations = combinations
        let batches = (requests.count + Self.batchSize - 1) / Self.batchSize
        let results = Mutex([Tally?](repeating: nil, count: batches))
        DispatchQueue.concurrentPerform(iterations: batches) { batch in
            let start = requests.startIndex + batch * Self.batchSize
            let end = min(requests.endIndex, start + Self.batchSize)
            var tally = Tally()
            for index in start..<end { tally.compare(requests[index], before, after, explaining: walk) }
            results.withLock { $0[batch] = tally }
            progress?(end - start)
        }
        // Merged in request order, so each group keeps its first examples, as one thread would.
        var total = Tally()
        for tally in results.withLock({ $0 }) { if let tally { total.merge(tally) } }
        self.changed = total.changed
        self.changes = Dictionary(uniqueKeysWithValues: total.totals.map { ($0.key.rawValue, $0.value) })
        self.groups = total.groups.values.sorted {
            $0.answers != $1.answers ? $0.answers > $1.answers : $0.rules.lexicographicallyPrecedes($1.rules)
        }
    }

    /// The changed answers of a run of requests.
    struct Tally: Sendable {
        var changed = 0
        var totals: [Change: Int] = [:]
        var groups: [[String]: Group] = [:]

        mutating func compare(_ request: EvaluationRequest, _ before: RuleSet, _ after: RuleSet, explaining walk: RuleSet.Walk) {
            let old = RuleSetDiff.answer(before, request, walk: .indexed)
            let new = RuleSetDiff.answer(after, request, walk: .indexed)
            let changes = RuleSetDiff.changes(old.summary, new.summary)
            guard !changes.isEmpty else { return }
            let rules = RuleSetDiff.responsible(RuleSetDiff.answer(before, request, walk: walk).answer,
                                                RuleSetDiff.answer(after, request, walk: walk).answer)
            changed += 1
            for change in changes { totals[change, default: 0] += 1 }
            var group = groups[rules] ?? Group(rules: rules, answers: 0, changes: [:], examples: [])
            group.answers += 1
            for change in changes { group.changes[change.rawValue, default: 0] += 1 }
            if group.examples.count < RuleSetDiff.examplesPerGroup {
                group.examples.append(Example(request: RuleSetDiff.describe(request), changes: changes,
                                              before: old.summary, after: new.summary))
            }
            groups[rules] = group
        }

        /// Adds the tally of the requests that come after this one's.
        mutating func merge(_ later: Tally) {
            changed += later.changed
            totals.merge(later.totals, uniquingKeysWith: +)
            for (rules, group) in later.groups {
                guard var existing = groups[rules] else {
                    groups[rules] = group
                    continue
                }
                existing.answers += group.answers
                existing.changes.merge(group.changes, uniquingKeysWith: +)
                existing.examples += group.examples.prefix(max(0, RuleSetDiff.examplesPerGroup - existing.examples.count))
                groups[rules] = existing
            }
        }
    }

    /// The answer of `ruleSet` (nil when it cannot answer at all) and the parts a diff compares.
    static func answer(_ ruleSet: RuleSet, _ request: EvaluationRequest, walk: RuleSet.Walk) -> (answer: Answer?, summary: Summary) {
        do {
            let answer = try ruleSet.evaluate(request, walk: walk)
            return (answer, Summary(stage: "\(answer.stage) (\(answer.stageSource.rawValue))",
                                    content: answer.recommendations.map(\.content), nudge: answer.nudge?.id, error: nil))
        } catch {
            return (nil, Summary(stage: "", content: [], nudge: nil, error: error.description))
        }
    }

    static func changes(_ old: Summary, _ new: Summary) -> [Change] {
        var changes: [Change] = []
        if old.content != new.content {
            changes.append(Set(old.content) == Set(new.content) && old.content.count == new.content.count ? .order : .content)
        }
        if old.nudge != new.nudge { changes.append(.nudge) }
        if old.stage != new.stage || old.error != new.error { changes.append(.stage) }
        return changes.sorted()
    }

    /// The rules that made the difference: of those credited with an item or the nudge in either
    /// answer, the ones whose match, rank, cut, variant or contribution differs between the two.
    static func responsible(_ old: Answer?, _ new: Answer?) -> [String] {
        func credited(_ answer: Answer?) -> [String: [String]] {
            var result: [String: [String]] = [:]
            for item in answer?.recommendations ?? [] { if let rule = item.rule { result[rule, default: []].append(item.content) } }
            if let nudge = answer?.nudge { result[nudge.rule, default: []].append("nudge:" + nudge.id) }
            return result
        }
        func entries(_ answer: Answer?) -> [String: ExplanationEntry] {
            Dictionary((answer?.explanation ?? []).map { ($0.rule, $0) }, uniquingKeysWith: { first, _ in first })
        }
        let oldCredit = credited(old)
        let newCredit = credited(new)
        let oldEntries = entries(old)
        let newEntries = entries(new)
        var rules = Set<String>()
        for rule in Set(oldCredit.keys).union(newCredit.keys) {
            let before = oldEntries[rule]
            let after = newEntries[rule]
            if oldCredit[rule] != newCredit[rule] || before?.matched != after?.matched || before?.rank != after?.rank
                || before?.cutBy != after?.cutBy || before?.variant != after?.variant {
                rules.insert(rule)
            }
        }
        return rules.sorted()
    }

    /// A request as the API's JSON, keys sorted, without `now`, `limit` and `explain` unless they matter.
    static func describe(_ request: EvaluationRequest) -> String {
        var parts: [String] = []
        func quoted(_ text: String) -> String {
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(escaped)\""
        }
        func scalar(_ value: ContextScalar) -> String {
            switch value {
            case .string(let text): return quoted(text)
            case .number, .bool: return value.description
            }
        }
        if !request.context.isEmpty {
            let pairs = request.context.sorted { $0.key < $1.key }.map { key, value -> String in
                switch value {
                case .scalar(let element): return "\(quoted(key)):\(scalar(element))"
                case .list(let elements): return "\(quoted(key)):[\(elements.map(scalar).joined(separator: ","))]"
                }
            }
            parts.append("\"context\":{\(pairs.joined(separator: ","))}")
        }
        if let journey = request.journey { parts.append("\"journey\":\(quoted(journey))") }
        if request.limit != 3 { parts.append("\"limit\":\(request.limit)") }
        if let persona = request.persona { parts.append("\"persona\":\(quoted(persona))") }
        if let stage = request.stage { parts.append("\"stage\":\(quoted(stage))") }
        if let visitor = request.visitor { parts.append("\"visitor\":\(quoted(visitor))") }
        return "{" + parts.joined(separator: ",") + "}"
    }
}

extension RuleSetDiff {
    /// Every journey × stage × persona (and none) × combination of the closed context keys' values
    /// (each key also absent), of the journeys, stages, personas and values in either rule set.
    /// Per journey, only the closed keys its rules or stage signals test (and `language`, which
    /// filters content) are varied: other keys cannot change its answers. Above `maxCombinations`,
    /// an evenly spaced sample, so the diff stays quick; the total is returned with it.
    public static func combinations(_ before: RuleSet, _ after: RuleSet, now: Date,
                                    limit: Int = maxCombinations) -> (requests: Combinations, total: Int) {
        func union(_ a: [String], _ b: [String]) -> [String] {
            var seen = Set<String>()
            return (a + b).filter { seen.insert($0).inserted }
        }
        let definitions = [before.definition, after.definition]
        let personas: [String?] = [nil] + union(definitions[0].personas.map(\.id), definitions[1].personas.map(\.id))
        var closedValues: [String: [String]] = [:]
        var closedOrder: [String] = []
        for definition in definitions {
            for key in definition.contextKeys {
                guard case .closed(let values) = key.kind else { continue }
                if closedValues[key.id] == nil { closedOrder.append(key.id) }
                closedValues[key.id] = union(closedValues[key.id] ?? [], values)
            }
        }
        var blocks: [Block] = []
        for journey in union(definitions[0].journeys.map(\.id), definitions[1].journeys.map(\.id)) {
            var stages: [String] = []
            var tested: Set<String> = ["language"]
            for definition in definitions {
                if let declared = definition.journeys.first(where: { $0.id == journey }) {
                    stages = union(stages, declared.stages.map(\.id))
                    for stage in declared.stages { tested.formUnion(stage.when?.context.map(\.key) ?? []) }
                }
                for rule in definition.rules where rule.journey == journey { tested.formUnion(rule.when.context.map(\.key)) }
            }
            let keys = closedOrder.filter(tested.contains).map { (key: $0, values: closedValues[$0] ?? []) }
            blocks.append(Block(journey: journey, stages: stages, personas: personas, keys: keys))
        }
        var total = 0
        for block in blocks {
            total = block.size == Int.max / 2 ? Int.max / 2 : min(Int.max / 2, total + block.size)
        }
        // A step sharing no factor with any radix of the grid, so that the sample does not alias
        // (a step of 3 over a key with 9 choices would only ever see 3 of them).
        var radices = Set(blocks.flatMap { block in block.keys.map { $0.values.count + 1 } + [block.stages.count] })
        radices.insert(personas.count)
        var step = max(1, (total + max(1, limit) - 1) / max(1, limit))
        if step > 1 {
            while radices.contains(where: { Self.gcd(step, $0) != 1 }) { step += 1 }
        }
        return (Combinations(blocks: blocks, step: step, total: total, now: now), total)
    }

    /// The requests of the grid taken, every `step`-th of all `total` combinations in journey
    /// order, each built only when it is read: a million requests are never held at once.
    public struct Combinations: RandomAccessCollection, Sendable {
        let blocks: [Block]
        /// Where each block starts in the whole grid.
        let offsets: [Int]
        let step: Int
        let now: Date
        public let startIndex = 0
        public let endIndex: Int

        init(blocks: [Block], step: Int, total: Int, now: Date) {
            self.blocks = blocks
            var offsets: [Int] = []
            var offset = 0
            for block in blocks {
                offsets.append(offset)
                offset = Swift.min(Int.max / 2, offset + block.size)
            }
            self.offsets = offsets
            self.step = step
            self.now = now
            endIndex = total == 0 ? 0 : (total - 1) / step + 1
        }

        public subscript(position: Int) -> EvaluationRequest {
            let index = position * step
            // The last block starting at or before `index`.
            var low = 0
            var high = offsets.count - 1
            while low < high {
                let middle = (low + high + 1) / 2
                if offsets[middle] <= index { low = middle } else { high = middle - 1 }
            }
            return blocks[low].request(index - offsets[low], now: now)
        }
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

    struct Block: Sendable {
        var journey: String
        var stages: [String]
        var personas: [String?]
        var keys: [(key: String, values: [String])]

        /// Each key absent or one of its values.
        var contextCount: Int {
            keys.reduce(1) { product, key in
                let (next, overflow) = product.multipliedReportingOverflow(by: key.values.count + 1)
                return overflow ? Int.max / 4 : next
            }
        }

        /// Stages × personas × context combinations.
        var size: Int {
            let (size, overflow) = (stages.count * personas.count).multipliedReportingOverflow(by: contextCount)
            return overflow ? Int.max / 2 : size
        }

        /// The request at `index` of this block: the context varies fastest, then the persona.
        func request(_ index: Int, now: Date) -> EvaluationRequest {
            var rest = index / contextCount
            let persona = personas[rest % personas.count]
            rest /= personas.count
            var combination = index % contextCount
            var context = RequestContext()
            for (key, values) in keys {
                let choice = combination % (values.count + 1)
                combination /= values.count + 1
                if choice > 0 { context[key] = .scalar(.string(values[choice - 1])) }
            }
            return EvaluationRequest(journey: journey, stage: stages[rest], persona: persona, context: context, now: now, explain: true)
        }
    }
}
