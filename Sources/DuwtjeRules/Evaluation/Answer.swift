/// The engine's answer to one request, in the shape of api.md.
///
/// Held by position, not by value: which content item, rule, variant and fallback level each
/// recommendation is, and which rule (and variant) each nudge candidate comes from, as small
/// integers in place (``Picks``, ``CandidatePicks``), and the rule set they are positions in. The
/// answer writer reads the texts through them. An answer of `Recommendation`s and
/// `NudgeCandidate`s held two heap arrays and two references a recommendation and candidate,
/// retained when the answer was built and copied and released when it was dropped: ~2,000
/// instructions a request, a fifth of evaluating it.
///
/// What most answers do not have (an unknown stage, warnings, more picks or candidates than fit
/// in place, an explanation, fields set since evaluation) is in ``Extras``, nil for most: each reference it
/// holds costs a retain when it is built and a release after. Keep it under 128 bytes: a
/// larger answer was moved with a `memcpy` call at each of its ~8 moves on the way out.
///
/// The public fields are views: reading `recommendations` or `nudge` builds them; setting one keeps
/// the value set, which the answer then shows and writes instead.
public struct Answer: Sendable, Encodable {
    public enum StageSource: String, Sendable, Encodable {
        case request
        case signals
        case `default`
    }

    /// The rule set every position below is in.
    let set: RuleSet
    /// The journey's position in `set`.
    let journeyPosition: Int32
    /// The stage's position in the journey, or -1 when the request named a stage it does not have
    /// (kept in ``Extras``).
    let stagePosition: Int32
    public var stageSource: StageSource
    /// The picks in place; those past ``Picks/inlineCount`` are in ``Extras``.
    var picks: Picks
    /// The candidates in place; those past ``CandidatePicks/inlineCount`` are in ``Extras``.
    var candidates: CandidatePicks
    /// Which candidate is the nudge, or -1 for none.
    var served: Int32
    var extras: Extras?

    // No initializer in this body: the evaluation builds the answer with the memberwise one, which
    // makes the value from its fields in one step. An `init` that set the fields one by one built
    // `self` in a stack variable and returned a copy of it, then destroyed the variable (every
    // reference retained and released once more, the copy through the value witness: ~190
    // instructions an evaluation); the optimizer did not turn that copy into a move, inlined or not.
    // Declaring one here would also take the memberwise initializer away.

    /// What an answer with these lists and warnings (`warnings`, then `added` when there is one)
    /// keeps beside its fields (see ``Extras``): nil for most.
    static func extras(stage: Int?, unknownStage: String?, warnings: [String], adding added: String?, picks: borrowing PickList,
                       candidates: borrowing CandidateList, explanation: [ExplanationEntry]?) -> Extras? {
        if stage != nil, warnings.isEmpty, added == nil, picks.more.isEmpty, candidates.more.isEmpty, explanation == nil { return nil }
        var all = warnings
        if let added { all.append(added) }
        return Extras(Extras.Values(unknownStage: unknownStage, warnings: all, morePicks: picks.more.array,
                                    moreCandidates: candidates.more.array, explanation: explanation))
    }

    /// What the engine noticed about the request (ids the rule set lacks, the language fallback).
    /// Kept in ``Extras``, nil for most answers: as a field of its own, the array (empty for ~92 %
    /// of the benchmark's requests) was retained when the answer was built and released when it
    /// was dropped.
    public var warnings: [String] {
        get { extras?.values.warnings ?? [] }
        set { change { $0.warnings = newValue } }
    }

    public var ruleset: String {
        get { extras?.values.ruleset ?? set.version }
        set { change { $0.ruleset = newValue } }
    }

    public var journey: String {
        get { extras?.values.journey ?? set.journeys[Int(journeyPosition)].id }
        set { change { $0.journey = newValue } }
    }

    public var stage: String {
        get {
            if let extras, let stage = extras.values.stage ?? extras.values.unknownStage { return stage }
            return set.journeys[Int(journeyPosition)].stageIDs[Int(stagePosition)]
        }
        set { change { $0.stage = newValue } }
    }

    /// Present only when the request asked for it.
    public var explanation: [ExplanationEntry]? {
        get { extras?.values.explanation }
        set { change { $0.explanation = newValue } }
    }

    public var recommendations: [Recommendation] {
        get {
            if let edited = extras?.values.recommendations { return edited }
            return (0..<picks.count).map { recommendation(pick(at: $0)) }
        }
        set { change { $0.recommendations = newValue } }
    }

    /// How many recommendations the answer has, without building them.
    public var recommendationCount: Int {
        extras?.values.recommendations?.count ?? picks.count
    }

    public var nudge: ServedNudge? {
        get {
            if let edited = extras?.values.nudge { return edited }
            return served < 0 ? nil : candidate(candidate(at: Int(served)))?.nudge
        }
        set { change { $0.nudge = .some(newValue) } }
    }

    /// Every nudge the walk found before one that no cap can refuse, in rank order; `nudge` is the
    /// first of them until ``admitNudge(for:caps:)`` applies the caps. Never encoded.
    public var nudgeCandidates: [NudgeCandidate] {
        (0..<candidates.count).compactMap { candidate(candidate(at: $0)) }
    }

    enum CodingKeys: String, CodingKey {
        case ruleset, journey, stage, stageSource = "stage_source", recommendations, nudge, warnings, explanation
    }

    /// What the synthesized encoding of the stored fields wrote: `nudge` null when absent,
    /// `explanation` left out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ruleset, forKey: .ruleset)
        try container.encode(journey, forKey: .journey)
        try container.encode(stage, forKey: .stage)
        try container.encode(stageSource, forKey: .stageSource)
        try container.encode(recommendations, forKey: .recommendations)
        try container.encode(Nullable(wrappedValue: nudge), forKey: .nudge)
        try container.encode(warnings, forKey: .warnings)
        try container.encodeIfPresent(explanation, forKey: .explanation)
    }
}

public struct Recommendation: Sendable, Encodable, Hashable {
    public enum FallbackLevel: String, Sendable, Encodable {
        case stage
        case journey
    }

    /// The compiled item its content, type, title and url are read from, and the rule's id and why
    /// (nil for a fallback): two references where seven strings were each retained when the answer
    /// was built and released when it was dropped, which cost more than matching the rules. Setting
    /// one of these fields replaces the reference with a copy that differs in it.
    var item: CompiledContent
    var source: RuleSource?
    @Nullable public var variant: String?
    /// Which fallback filled it in, when no rule did.
    public var fallback: FallbackLevel?

    init(item: CompiledContent, source: RuleSource?, variant: String?, fallback: FallbackLevel?) {
        self.item = item
        self.source = source
        self.variant = variant
        self.fallback = fallback
    }

    public var content: String { get { item.id } set { item = CompiledContent(item, id: newValue) } }
    public var type: String { get { item.type } set { item = CompiledContent(item, type: newValue) } }
    public var title: String { get { item.title } set { item = CompiledContent(item, title: newValue) } }
    public var url: String { get { item.url } set { item = CompiledContent(item, url: newValue) } }
    /// The rule that recommended it; nil for a fallback.
    public var rule: String? { get { source?.id } set { source = .edited(RuleText(id: newValue, why: why)) } }
    /// The plain-language answer to "Waarom zie ik dit?".
    public var why: String? { get { source?.why } set { source = .edited(RuleText(id: rule, why: newValue)) } }

    /// The six texts the answer writer copies out, handed to `body` borrowed: read through the
    /// public properties from another module, each string was retained and released again (700
    /// instructions an answer, callgrind on `DuwtjeBenchmarks wire`).
    public func withTexts<Result>(
        _ body: (_ content: String, _ type: String, _ title: String, _ url: String, _ rule: String?, _ why: String?) -> Result
    ) -> Result {
        switch source {
        case .rule(let rule): body(item.id, item.type, item.title, item.url, rule.id, rule.why)
        case .edited(let text): body(item.id, item.type, item.title, item.url, text.id, text.why)
        case nil: body(item.id, item.type, item.title, item.url, nil, nil)
        }
    }

    enum CodingKeys: String, CodingKey { case content, type, title, url, rule, variant, why, fallback }

    /// What the synthesized encoding of the eight fields wrote: `rule`, `variant` and `why` as
    /// null when absent, `fallback` left out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(content, forKey: .content)
        try container.encode(type, forKey: .type)
        try container.encode(title, forKey: .title)
        try container.encode(url, forKey: .url)
        try container.encode(Nullable(wrappedValue: rule), forKey: .rule)
        try container.encode(_variant, forKey: .variant)
        try container.encode(Nullable(wrappedValue: why), forKey: .why)
        try container.encodeIfPresent(fallback, forKey: .fallback)
    }

    /// Equal when every field a user sees is.
    public static func == (lhs: Recommendation, rhs: Recommendation) -> Bool {
        lhs.content == rhs.content && lhs.type == rhs.type && lhs.title == rhs.title && lhs.url == rhs.url
            && lhs.rule == rhs.rule && lhs.variant == rhs.variant && lhs.why == rhs.why && lhs.fallback == rhs.fallback
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(content)
        hasher.combine(type)
        hasher.combine(title)
        hasher.combine(url)
        hasher.combine(rule)
        hasher.combine(variant)
        hasher.combine(why)
        hasher.combine(fallback)
    }
}

public struct ServedNudge: Sendable, Encodable, Hashable {
    /// The compiled nudge its id, message, call to action and alternative are read from, and the
    /// rule's id and why: two references instead of seven strings (see ``Recommendation``).
    var source: CompiledNudge
    var origin: RuleSource
    @Nullable public var variant: String?

    init(source: CompiledNudge, origin: RuleSource, variant: String?) {
        self.source = source
        self.origin = origin
        self.variant = variant
    }

    public var id: String {
        get { source.id }
        set { source = CompiledNudge(source, id: newValue) }
    }

    public var message: String {
        get { source.message }
        set { source = CompiledNudge(source, message: newValue) }
    }

    public var cta: CallToAction? {
        get { source.cta }
        set { source = CompiledNudge(source, cta: .some(newValue)) }
    }

    public var alternative: String? {
        get { source.alternative }
        set { source = CompiledNudge(source, alternative: .some(newValue)) }
    }

    public var rule: String {
        get { origin.id ?? "" }
        set { origin = .edited(RuleText(id: newValue, why: why)) }
    }

    public var why: String? {
        get { origin.why }
        set { origin = .edited(RuleText(id: rule, why: newValue)) }
    }

    /// The seven texts the answer writer copies out, handed to `body` borrowed (see ``Recommendation/withTexts(_:)``).
    public func withTexts<Result>(
        _ body: (_ id: String, _ message: String, _ cta: CallToAction?, _ alternative: String?, _ rule: String, _ variant: String?,
                 _ why: String?) -> Result
    ) -> Result {
        switch origin {
        case .rule(let rule): body(source.id, source.message, source.cta, source.alternative, rule.id, variant, rule.why)
        case .edited(let text): body(source.id, source.message, source.cta, source.alternative, text.id ?? "", variant, text.why)
        }
    }

    enum CodingKeys: String, CodingKey { case id, message, cta, alternative, rule, variant, why }

    /// What the synthesized encoding wrote: `cta`, `alternative`, `variant` and `why` as null when absent.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(message, forKey: .message)
        try container.encode(Nullable(wrappedValue: cta), forKey: .cta)
        try container.encode(Nullable(wrappedValue: alternative), forKey: .alternative)
        try container.encode(rule, forKey: .rule)
        try container.encode(_variant, forKey: .variant)
        try container.encode(Nullable(wrappedValue: why), forKey: .why)
    }

    /// Equal when every field a user sees is.
    public static func == (lhs: ServedNudge, rhs: ServedNudge) -> Bool {
        lhs.id == rhs.id && lhs.message == rhs.message && lhs.cta == rhs.cta && lhs.alternative == rhs.alternative
            && lhs.rule == rhs.rule && lhs.variant == rhs.variant && lhs.why == rhs.why
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(message)
        hasher.combine(cta)
        hasher.combine(alternative)
        hasher.combine(rule)
        hasher.combine(variant)
        hasher.combine(why)
    }
}

/// How one rule of the journey fared: matched (with its rank) or not (with the first failed condition).
public struct ExplanationEntry: Sendable, Encodable, Hashable {
    public var rule: String
    public var matched: Bool
    /// 1-based position among the matched rules that were consulted.
    public var rank: Int?
    public var variant: String?
    /// The first condition that failed: `stage`, `persona`, `context.<key>` or `active`.
    public var failed: String?
    /// The exclusive rule above this one that stopped the walk, when it did.
    public var cutBy: String?

    public init(rule: String, matched: Bool, rank: Int? = nil, variant: String? = nil, failed: String? = nil, cutBy: String? = nil) {
        self.rule = rule
        self.matched = matched
        self.rank = rank
        self.variant = variant
        self.failed = failed
        self.cutBy = cutBy
    }

    enum CodingKeys: String, CodingKey { case rule, matched, rank, variant, failed, cutBy = "cut_by" }
}

/// One nudge that fits a request, for campaign tools (`POST /v1/nudges`): no caps applied.
public struct NudgeListing: Sendable, Encodable, Hashable {
    public var id: String
    public var message: String
    public var cta: CallToAction?
    public var alternative: String?
    public var cap: CapDescription?
    public var rule: String
    public var rank: Int
    public var variant: String?
    public var why: String?
    /// The rule's active window as RFC 3339 times, when it has one.
    public var active: WindowDescription?

    public struct CapDescription: Sendable, Encodable, Hashable {
        public var max: Int
        public var perSeconds: Int64

        public init(max: Int, perSeconds: Int64) {
            self.max = max
            self.perSeconds = perSeconds
        }

        enum CodingKeys: String, CodingKey { case max, perSeconds = "per_seconds" }
    }

    public struct WindowDescription: Sendable, Encodable, Hashable {
        public var from: String?
        public var until: String?
    }
}
