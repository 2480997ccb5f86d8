/// The engine's answer to one request, in the shape of api.md.
public struct Answer: Sendable, Encodable {
    public enum StageSource: String, Sendable, Encodable {
        case request
        case signals
        case `default`
    }

    public var ruleset: String
    public var journey: String
    public var stage: String
    public var stageSource: StageSource
    public var recommendations: [Recommendation]
    @Nullable public var nudge: ServedNudge?
    /// Every nudge the walk found before one that no cap can refuse, in rank order; `nudge` is the
    /// first of them until ``admitNudge(for:caps:)`` applies the caps. Never encoded.
    public var nudgeCandidates: [NudgeCandidate]
    public var warnings: [String]
    /// Present only when the request asked for it.
    public var explanation: [ExplanationEntry]?

    public init(ruleset: String, journey: String, stage: String, stageSource: StageSource, recommendations: [Recommendation],
                nudge: ServedNudge?, nudgeCandidates: [NudgeCandidate] = [], warnings: [String], explanation: [ExplanationEntry]?) {
        self.ruleset = ruleset
        self.journey = journey
        self.stage = stage
        self.stageSource = stageSource
        self.recommendations = recommendations
        self.nudge = nudge
        self.nudgeCandidates = nudgeCandidates
        self.warnings = warnings
        self.explanation = explanation
    }

    enum CodingKeys: String, CodingKey {
        case ruleset, journey, stage, stageSource = "stage_source", recommendations, nudge, warnings, explanation
    }
}

public struct Recommendation: Sendable, Encodable, Hashable {
    public enum FallbackLevel: String, Sendable, Encodable {
        case stage
        case journey
    }

    public var content: String
    public var type: String
    public var title: String
    public var url: String
    /// The rule that recommended it; nil for a fallback.
    @Nullable public var rule: String?
    @Nullable public var variant: String?
    /// The plain-language answer to "Waarom zie ik dit?".
    @Nullable public var why: String?
    /// Which fallback filled it in, when no rule did.
    public var fallback: FallbackLevel?

    enum CodingKeys: String, CodingKey { case content, type, title, url, rule, variant, why, fallback }
}

public struct ServedNudge: Sendable, Encodable, Hashable {
    public var id: String
    public var message: String
    @Nullable public var cta: CallToAction?
    @Nullable public var alternative: String?
    public var rule: String
    @Nullable public var variant: String?
    @Nullable public var why: String?

    enum CodingKeys: String, CodingKey { case id, message, cta, alternative, rule, variant, why }
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
