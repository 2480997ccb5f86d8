import Foundation

/// What the engine knows about one request once its ids are resolved against the rule set.
struct Facts {
    let journey: Int
    let stage: Int?
    let stageName: String
    let stageSource: Answer.StageSource
    let persona: Int?
    /// The request's context values by context key index, their texts resolved to value symbols.
    let values: [ResolvedValue?]
    /// The value of the `language` key, which content languages are compared with.
    let language: ResolvedValue?
    let warnings: [String]
}

extension Facts {
    /// The texts of the `language` value, for the answer's warning (non-text elements left out).
    var languages: [String]? {
        guard let value = language?.value else { return nil }
        switch value {
        case .scalar(.string(let text)): return [text]
        case .scalar: return []
        case .list(let elements): return elements.compactMap { if case .string(let text) = $0 { return text } else { return nil } }
        }
    }
}

/// A request's context value with each text element's value symbol, resolved once per request.
struct ResolvedValue {
    /// The symbol of a text that no rule and no closed key names.
    static let unknownText: Int32 = -1
    /// The "symbol" of an element that is not text.
    static let notText: Int32 = -2

    let value: ContextValue
    /// A scalar's symbol; unused for a list.
    let symbol: Int32
    /// A list's symbols, element by element; empty for a scalar.
    let symbols: [Int32]

    init(_ value: ContextValue, values: SymbolTable) {
        self.value = value
        func resolve(_ scalar: ContextScalar) -> Int32 {
            guard case .string(let text) = scalar else { return Self.notText }
            return values[text] ?? Self.unknownText
        }
        switch value {
        case .scalar(let scalar):
            symbol = resolve(scalar)
            symbols = []
        case .list(let scalars):
            symbol = Self.notText
            symbols = scalars.map(resolve)
        }
    }

    /// Whether any element's symbol satisfies `predicate`.
    @inline(__always)
    func containsSymbol(where predicate: (Int32) -> Bool) -> Bool {
        if case .scalar = value { return predicate(symbol) }
        return symbols.contains(where: predicate)
    }
}

/// Why a rule did not match, cheap to produce and only turned into text for an explanation.
enum Failure {
    case stage
    case persona
    /// The context key's index.
    case context(Int)
    case active

    func name(keys: [ContextKeyDefinition]) -> String {
        switch self {
        case .stage: return "stage"
        case .persona: return "persona"
        case .context(let key): return "context." + keys[key].id
        case .active: return "active"
        }
    }
}

extension RuleSet {
    /// Answers one request (rules.md section 6): ranked content and at most one nudge, with why.
    ///
    /// Pure: nothing is counted. The answer carries its nudge candidates in rank order and serves the
    /// first as if no cap applied; ``Answer/admitNudge(for:caps:)`` is the one place where caps are
    /// checked and counted, after evaluation.
    public func evaluate(_ request: EvaluationRequest) throws(EvaluationError) -> Answer {
        try evaluate(request, walk: request.explain ? .everyRule : .indexed)
    }

    /// Which rules the walk looks at, and what it explains.
    enum Walk {
        /// Only the rules the index hands over, stopping as soon as the answer cannot change; no
        /// explanation (the request path).
        case indexed
        /// Every rule of the journey, each explained (`explain: true`).
        case everyRule
        /// Every rule the index hands over, to the end, each explained. A rule that can match is
        /// always handed over, so every matched rule is explained with the rank, variant and cut
        /// it has in the full walk; rules that cannot match are left out. For `duwtje diff` and
        /// `duwtje matrix`.
        case candidates
    }

    func evaluate(_ request: EvaluationRequest, walk: Walk) throws(EvaluationError) -> Answer {
        let facts = try resolve(request)
        let journey = journeys[facts.journey]
        let limit = max(0, request.limit)
        var recommendations: [Recommendation] = []
        recommendations.reserveCapacity(limit)
        var listed = ListedItems()
        var candidates: [NudgeCandidate] = []
        /// A candidate that no cap can refuse was found: no later rule can change the nudge.
        var nudgeServed = false  // cheaper to test than the array
        var explanation: [ExplanationEntry]? = walk == .indexed ? nil : []
        var rank = 0
        var cutBy: String?

        func add(_ item: Int, rule: CompiledRule?, variant: String?, fallback: Recommendation.FallbackLevel?,
                 anyLanguage: Bool = false) {
            guard recommendations.count < limit, !listed.contains(item) else { return }
            let content = self.content[item]  // a class: no copy of its strings
            guard content.isActive(at: request.now) else { return }
            if !anyLanguage, let language = content.language, let accepted = facts.language,
               !accepted.containsSymbol(where: { $0 == language }) {
                return
            }
            listed.insert(item)
            recommendations.append(Recommendation(content: content.id, type: content.type, title: content.title, url: content.url,
                                                  rule: rule?.id, variant: variant, why: rule?.why, fallback: fallback))
        }

        // The index hands over only rules whose stage and persona conditions hold for this request;
        // the full walk must check them.
        let indexed = walk != .everyRule

        func consider(_ position: Int) -> Bool {
            // Once the list is full, a rule that can neither nudge nor cut the walk changes nothing
            // (but an explanation lists it).
            if explanation == nil, recommendations.count >= limit, !journey.effectOnceFull[position] { return true }
            let rule = journey.rules[position]
            let failure = self.failure(of: rule, facts, now: request.now, checkingStageAndPersona: !indexed)
            if let cut = cutBy {
                explanation?.append(ExplanationEntry(rule: rule.id, matched: failure == nil, failed: failure?.name(keys: contextKeys), cutBy: cut))
                return true
            }
            guard failure == nil else {
                explanation?.append(ExplanationEntry(rule: rule.id, matched: false, failed: failure?.name(keys: contextKeys)))
                return true
            }
            rank += 1
            var variant: CompiledVariant?
            if !rule.variants.isEmpty, let visitor = request.visitor {
                let index = VariantAssignment.pick(weights: rule.weights, total: rule.totalWeight,
                                                   hash: VariantAssignment.hash(rule: rule.id, visitor: visitor))
                variant = rule.variants[index]
            }
            if recommendations.count < limit {
                for item in variant?.recommend ?? rule.recommend {
                    switch item {
                    case .content(let index):
                        add(index, rule: rule, variant: variant?.id, fallback: nil)
                    case .query(let indices, let itemLimit):
                        var added = 0
                        for index in indices where added < itemLimit {
                            let before = recommendations.count
                            add(index, rule: rule, variant: variant?.id, fallback: nil)
                            if recommendations.count > before { added += 1 }
                        }
                    }
                }
            }
            if !nudgeServed, let candidate = variant?.nudge ?? rule.nudge {
                let cap = request.visitor == nil ? nil : candidate.cap
                candidates.append(NudgeCandidate(
                    nudge: ServedNudge(id: candidate.id, message: candidate.message, cta: candidate.cta,
                                       alternative: candidate.alternative, rule: rule.id, variant: variant?.id, why: rule.why),
                    cap: cap))
                if cap == nil { nudgeServed = true }
            }
            explanation?.append(ExplanationEntry(rule: rule.id, matched: true, rank: rank, variant: variant?.id))
            if rule.exclusive {
                cutBy = rule.id
                return explanation != nil
            }
            if explanation == nil, recommendations.count >= limit, nudgeServed || !journey.nudgeAtOrAfter[position + 1] {
                return false
            }
            return true
        }

        if walk == .everyRule {
            for position in journey.rules.indices where !consider(position) { break }
        } else {
            var positions = Candidates(journey.index, bucket: journey.bucket(stage: facts.stage, persona: facts.persona), facts: facts)
            while let position = positions.next(), consider(position) {}
        }
        func fillFromFallbacks(anyLanguage: Bool) {
            guard recommendations.count < limit else { return }
            if let stage = facts.stage {
                for item in journey.stageFallbacks[stage] { add(item, rule: nil, variant: nil, fallback: .stage, anyLanguage: anyLanguage) }
            }
            for item in journey.fallback { add(item, rule: nil, variant: nil, fallback: .journey, anyLanguage: anyLanguage) }
        }
        fillFromFallbacks(anyLanguage: false)
        var warnings = facts.warnings
        if recommendations.isEmpty, let languages = facts.languages {
            // Last resort (rules.md 6.6, a journey with fallbacks never answers an empty list): when
            // the language filter left nothing, the fallbacks are walked again in any language.
            fillFromFallbacks(anyLanguage: true)
            if !recommendations.isEmpty {
                warnings.append("no content in language \(languages.map { "'\($0)'" }.joined(separator: " or ")); "
                    + "the fallback is served in its own language")
            }
        }
        return Answer(ruleset: version, journey: journey.id, stage: facts.stageName, stageSource: facts.stageSource,
                      recommendations: recommendations, nudge: candidates.first?.nudge, nudgeCandidates: candidates,
                      warnings: warnings, explanation: explanation)
    }

    /// Every nudge that fits a request, for campaign tools: ranking and each variant's declared
    /// nudge, no caps and no visitor.
    public func nudges(for request: EvaluationRequest) throws(EvaluationError) -> NudgeAnswer {
        let facts = try resolve(request)
        let journey = journeys[facts.journey]
        var listings: [NudgeListing] = []
        var rank = 0
        for rule in journey.rules where failure(of: rule, facts, now: request.now) == nil {
            rank += 1
            var offered: [(CompiledNudge, String?)] = []
            if rule.variants.isEmpty {
                if let nudge = rule.nudge { offered.append((nudge, nil)) }
            } else {
                for variant in rule.variants {
                    let resolved: CompiledNudge? = if let override = variant.nudge { override } else { rule.nudge }
                    if let resolved { offered.append((resolved, variant.id)) }
                }
            }
            for (nudge, variant) in offered {
                listings.append(NudgeListing(
                    id: nudge.id, message: nudge.message, cta: nudge.cta, alternative: nudge.alternative,
                    cap: nudge.cap.map { .init(max: $0.max, perSeconds: $0.per) }, rule: rule.id, rank: rank, variant: variant,
                    why: rule.why, active: rule.from == nil && rule.until == nil ? nil
                        : .init(from: rule.from.map(Self.rfc3339), until: rule.until.map(Self.rfc3339))))
            }
            if rule.exclusive { break }
        }
        return NudgeAnswer(ruleset: version, journey: journey.id, stage: facts.stageName, stageSource: facts.stageSource,
                           nudges: listings, warnings: facts.warnings)
    }

    static func rfc3339(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let remainder = seconds - days * 86_400
        let (year, month, day) = TimeParsing.civil(fromDays: days)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(remainder / 3_600)):\(two(remainder / 60 % 60)):\(two(remainder % 60))Z"
    }

    // MARK: - Resolving a request

    func resolve(_ request: EvaluationRequest) throws(EvaluationError) -> Facts {
        let journeyPosition: Int
        if let id = request.journey {
            guard let index = journeyTable[id] else {
                throw .unknownJourney(id, suggestion: Suggestions.hint(for: id, in: journeyTable.strings))
            }
            journeyPosition = Int(index)
        } else if journeys.count == 1 {
            journeyPosition = 0
        } else {
            throw .journeyRequired(known: journeys.map(\.id))
        }
        let journey = journeys[journeyPosition]
        var warnings: [String] = []
        var persona: Int?
        if let id = request.persona {
            persona = personaTable[id].map(Int.init)
            if persona == nil { warnings.append(unknown("persona", id, in: personaTable.strings)) }
        }
        var values = [ResolvedValue?](repeating: nil, count: contextKeys.count)
        // A dictionary's order follows the process's hash seed: context warnings are put in the
        // order of their keys, so that every process answers the same bytes (api.md, Warnings).
        var contextWarnings: [(key: String, text: String)] = []
        for (key, value) in request.context {
            guard let symbol = contextKeyTable[key] else {
                contextWarnings.append((key, unknown("context key", key, in: contextKeyTable.strings)))
                continue
            }
            let index = Int(symbol)
            let resolved = ResolvedValue(value, values: valueTable)
            values[index] = resolved
            if let allowed = closedValues[index],
               resolved.containsSymbol(where: { $0 == ResolvedValue.unknownText || ($0 >= 0 && !allowed[Int($0)]) }) {
                value.forEach { element in
                    guard case .string(let text) = element, valueTable[text].map({ allowed[Int($0)] }) != true else { return }
                    if case .closed(let declared) = contextKeys[index].kind {
                        contextWarnings.append((key, unknown("value", text, in: declared, of: " for context key '\(key)'")))
                    }
                }
            }
        }
        if contextWarnings.count > 1 {
            // Stable for one key's list values, which keep the order they were sent in.
            contextWarnings = contextWarnings.enumerated()
                .sorted { ($0.element.key, $0.offset) < ($1.element.key, $1.offset) }.map(\.element)
        }
        warnings.append(contentsOf: contextWarnings.lazy.map(\.text))
        let language = languageKey.flatMap { values[$0] }
        let stage: Int?
        let stageName: String
        let source: Answer.StageSource
        if let id = request.stage {
            stage = journey.stageTable[id].map(Int.init)
            stageName = id
            source = .request
            if stage == nil { warnings.append(unknown("stage", id, in: journey.stageIDs, of: " in journey '\(journey.id)'")) }
        } else {
            let partial = Facts(journey: journeyPosition, stage: nil, stageName: "", stageSource: .default, persona: persona,
                                values: values, language: language, warnings: [])
            let signalled = journey.stageWhens.indices.last { index in
                journey.stageWhens[index].map { failure(of: $0, partial) == nil } ?? false
            }
            stage = signalled ?? 0
            stageName = journey.stageIDs[stage ?? 0]
            source = signalled == nil ? .default : .signals
        }
        return Facts(journey: journeyPosition, stage: stage, stageName: stageName, stageSource: source, persona: persona,
                     values: values, language: language, warnings: warnings)
    }

    /// A warning for an id the rule set does not know. The "did you mean" hint is computed only
    /// against vocabularies of at most `Suggestions.requestPathLimit` ids: on the request path a
    /// hint must not cost more than the answer (a 5,000-value vocabulary cost ~30 µs per unknown
    /// value); `duwtje check` has no such bound.
    func unknown(_ kind: String, _ id: String, in known: some Collection<String>, of context: String = "") -> String {
        let hint = known.count <= Suggestions.requestPathLimit ? Suggestions.hint(for: id, in: known) : nil
        return "unknown \(kind) '\(id)'\(context)" + (hint.map { " (\($0))" } ?? "")
    }

    // MARK: - Matching

    func failure(of rule: CompiledRule, _ facts: Facts, now: Date, checkingStageAndPersona: Bool = true) -> Failure? {
        if let failure = failure(of: rule.when, facts, checkingStageAndPersona: checkingStageAndPersona) { return failure }
        if let from = rule.from, now < from { return .active }
        if let until = rule.until, now >= until { return .active }
        return nil
    }

    func failure(of when: CompiledWhen, _ facts: Facts, checkingStageAndPersona: Bool = true) -> Failure? {
        if checkingStageAndPersona {
            if let stages = when.stages {
                guard let stage = facts.stage, stages[stage] else { return .stage }
            }
            if let personas = when.personas {
                guard let persona = facts.persona, personas[persona] else { return .persona }
            }
        }
        for condition in when.context where !Self.holds(condition.tests, facts.values[condition.key]) {
            return .context(condition.key)
        }
        return nil
    }

    /// Every test must hold. A missing key satisfies only `exists: false` and `not`; a list value
    /// satisfies a positive test when any element does, and `not` when no element is excluded.
    /// An element of the wrong type never satisfies a test.
    static func holds(_ tests: [CompiledTest], _ resolved: ResolvedValue?) -> Bool {
        for test in tests {
            switch test {
            case .exists(let expected):
                if (resolved != nil) != expected { return false }
            case .equalsSymbols(let allowed):
                guard let resolved, resolved.containsSymbol(where: allowed.contains) else { return false }
            case .notSymbols(let excluded):
                // An element that is not text is of another type than the excluded texts: a violation.
                guard let resolved else { continue }
                if resolved.containsSymbol(where: { $0 == ResolvedValue.notText || excluded.contains($0) }) { return false }
            case .not(let excluded):
                guard let value = resolved?.value else { continue }
                let violated = value.contains { element in
                    if excluded.contains(element) { return true }
                    if let first = excluded.first, !sameType(first, element) { return true }
                    return false
                }
                if violated { return false }
            case .equals(let allowed):
                guard let value = resolved?.value, value.contains(where: allowed.contains) else { return false }
            case .prefix(let prefix):
                guard let value = resolved?.value, value.contains(where: {
                    if case .string(let text) = $0 { return text.hasPrefix(prefix) } else { return false }
                }) else { return false }
            case .range(let range):
                guard let value = resolved?.value, value.contains(where: {
                    if case .number(let number) = $0 { return range.contains(number) } else { return false }
                }) else { return false }
            }
        }
        return true
    }

    static func sameType(_ a: ContextScalar, _ b: ContextScalar) -> Bool {
        switch (a, b) {
        case (.string, .string), (.number, .number), (.bool, .bool): return true
        default: return false
        }
    }
}

/// The answer of `POST /v1/nudges`.
public struct NudgeAnswer: Sendable, Encodable {
    public var ruleset: String
    public var journey: String
    public var stage: String
    public var stageSource: Answer.StageSource
    public var nudges: [NudgeListing]
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case ruleset, journey, stage, stageSource = "stage_source", nudges, warnings
    }
}

/// The rank positions a request must look at, in rank order: the bucket's general rules merged
/// with the rules filed under each context value the request carries.
///
/// Lists are bounds into the journey's flat `positions`; up to four value lists are kept inline
/// (a request meets one or two), so that a walk allocates nothing.
struct Candidates {
    let positions: [Int32]
    /// Read position and end of the general list.
    var general: SIMD2<Int32>
    /// Up to four value lists: heads and ends.
    var heads = SIMD4<Int32>(repeating: 0)
    var ends = SIMD4<Int32>(repeating: 0)
    var count = 0
    /// Value lists beyond four, rarely needed.
    var more: [SIMD2<Int32>] = []

    init(_ index: PositionIndex, bucket: Int, facts: Facts) {
        positions = index.positions
        general = index.general(bucket)
        guard index.hasValueLists else { return }
        for (key, value) in facts.values.enumerated() {
            guard let value else { continue }
            if case .scalar = value.value {
                if value.symbol >= 0, let list = index.list(bucket: bucket, key: key, symbol: value.symbol) { append(list) }
            } else {
                for symbol in value.symbols where symbol >= 0 {
                    if let list = index.list(bucket: bucket, key: key, symbol: symbol) { append(list) }
                }
            }
        }
    }

    private mutating func append(_ list: SIMD2<Int32>) {
        if count < 4 {
            heads[count] = list[0]
            ends[count] = list[1]
            count += 1
        } else {
            more.append(list)
        }
    }

    mutating func next() -> Int? {
        if count == 0 {
            guard general[0] < general[1] else { return nil }
            defer { general[0] += 1 }
            return Int(positions[Int(general[0])])
        }
        var best: Int32 = general[0] < general[1] ? positions[Int(general[0])] : .max
        for index in 0..<count where heads[index] < ends[index] {
            best = min(best, positions[Int(heads[index])])
        }
        for list in more where list[0] < list[1] {
            best = min(best, positions[Int(list[0])])
        }
        guard best != .max else { return nil }
        if general[0] < general[1], positions[Int(general[0])] == best { general[0] += 1 }
        for index in 0..<count where heads[index] < ends[index] && positions[Int(heads[index])] == best {
            heads[index] += 1
        }
        for index in more.indices where more[index][0] < more[index][1] && positions[Int(more[index][0])] == best {
            more[index][0] += 1
        }
        return Int(best)
    }
}

/// The catalogue items an answer lists already, to list none twice: inline for the first eight
/// (an answer's limit is 3 by default), so that the check allocates nothing.
struct ListedItems {
    private var inline = SIMD8<Int32>(repeating: -1)
    private var count = 0
    private var more: [Int] = []

    func contains(_ item: Int) -> Bool {
        let value = Int32(truncatingIfNeeded: item)
        for index in 0..<min(count, 8) where inline[index] == value { return true }
        return count > 8 && more.contains(item)
    }

    mutating func insert(_ item: Int) {
        if count < 8 { inline[count] = Int32(truncatingIfNeeded: item) } else { more.append(item) }
        count += 1
    }
}
