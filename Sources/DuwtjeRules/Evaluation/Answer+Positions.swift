extension Answer {
    /// A recommendation by position: the content item's in ``RuleSet/content``, and the rule's in
    /// its journey with the visitor's variant of it, or the fallback level that filled it in.
    struct Pick: Sendable, BitwiseCopyable {
        let content: Int32
        /// The rule's rank position, or ``stageFallback`` / ``journeyFallback``.
        let origin: Int32
        /// The variant's index in the rule's variants, or -1.
        let variant: Int32

        static let stageFallback: Int32 = -1
        static let journeyFallback: Int32 = -2

        init(content: Int, rule: Int, variant: Int) {
            self.content = Int32(truncatingIfNeeded: content)
            self.origin = Int32(truncatingIfNeeded: rule)
            self.variant = Int32(truncatingIfNeeded: variant)
        }

        init(content: Int, fallback: Recommendation.FallbackLevel) {
            self.content = Int32(truncatingIfNeeded: content)
            self.origin = fallback == .stage ? Self.stageFallback : Self.journeyFallback
            self.variant = -1
        }

        var fallback: Recommendation.FallbackLevel? {
            switch origin {
            case Self.stageFallback: .stage
            case Self.journeyFallback: .journey
            default: nil
            }
        }
    }

    /// An answer's picks in place: the first ``inlineCount`` (the default limit is 3), and how many
    /// there are in all (any more are in ``Extras``). In plain fields, as ``Runs`` keeps its runs:
    /// an `InlineArray` is copied whole on every access.
    struct Picks: Sendable, BitwiseCopyable {
        static let inlineCount = 3
        private var first = Pick(content: 0, rule: 0, variant: 0)
        private var second = Pick(content: 0, rule: 0, variant: 0)
        private var third = Pick(content: 0, rule: 0, variant: 0)
        /// All picks, those in place and the rest. An `Int32`, as the other fields: the answer is
        /// moved whole several times on its way out (see ``Answer``), and its size decides what that costs.
        private var total: Int32 = 0

        var count: Int { Int(total) }

        /// The pick at `index`, below ``inlineCount``.
        subscript(index: Int) -> Pick {
            switch index {
            case 0: first
            case 1: second
            default: third
            }
        }

        /// Counts `pick`, and keeps it when it is among the first ``inlineCount``.
        fileprivate mutating func append(_ pick: Pick) {
            switch total {
            case 0: first = pick
            case 1: second = pick
            case 2: third = pick
            default: break
            }
            total &+= 1
        }
    }

    /// The picks while the walk makes them: those in place, and any more (in a ``SpillBuffer``,
    /// so that the list is plain data: its array was released after every walk); the walk calls
    /// ``free()`` once the answer has what it keeps.
    struct PickList: BitwiseCopyable {
        private(set) var inline = Picks()
        private(set) var more = SpillBuffer<Pick>()

        var count: Int { inline.count }

        mutating func append(_ pick: Pick) {
            if inline.count >= Picks.inlineCount { more.append(pick) }
            inline.append(pick)
        }

        /// Whether content item `content` is picked already.
        func contains(content: Int32) -> Bool {
            let count = inline.count
            if count > 0, inline[0].content == content { return true }
            if count > 1, inline[1].content == content { return true }
            if count > 2, inline[2].content == content { return true }
            return count > Picks.inlineCount && more.contains { $0.content == content }
        }

        /// Gives back the storage of the picks past those in place.
        mutating func free() {
            more.free()
        }
    }

    /// A nudge candidate by position: the rule's in its journey, the visitor's variant of it (whose
    /// nudge, when it declares one, is the candidate's), and whether its cap applies. Two words
    /// (the cap's flag in the variant's): at three, only two fitted in place in the answer.
    struct CandidatePick: Sendable, BitwiseCopyable {
        let rule: Int32
        /// The variant's index (-1: none) times two, plus one when the cap applies.
        private let variantAndCap: Int32

        init(rule: Int, variant: Int, capped: Bool) {
            self.rule = Int32(truncatingIfNeeded: rule)
            self.variantAndCap = Int32(truncatingIfNeeded: variant) &<< 1 | (capped ? 1 : 0)
        }

        /// The variant's index in the rule's variants, or -1.
        var variant: Int32 { variantAndCap &>> 1 }
        /// The nudge's cap applies: it has one, and the request a visitor.
        var capped: Bool { variantAndCap & 1 != 0 }
    }

    /// An answer's nudge candidates in place: the first four, and how many there are in all (any
    /// more are in ``Extras``). With a visitor every nudge of the generated sets has a cap, so the
    /// walk collects each matching nudge rule: with two in place, 18 % of the benchmark's answers
    /// had more and made ``Extras`` (an object and an array, allocated and freed: ~190 instructions
    /// an evaluation on average).
    struct CandidatePicks: Sendable, BitwiseCopyable {
        static let inlineCount = 4
        private var first = CandidatePick(rule: 0, variant: 0, capped: false)
        private var second = CandidatePick(rule: 0, variant: 0, capped: false)
        private var third = CandidatePick(rule: 0, variant: 0, capped: false)
        private var fourth = CandidatePick(rule: 0, variant: 0, capped: false)
        /// All candidates, those in place and the rest (an `Int32`, as in ``Picks``).
        private var total: Int32 = 0

        var count: Int { Int(total) }

        /// The candidate at `index`, below ``inlineCount``.
        subscript(index: Int) -> CandidatePick {
            switch index {
            case 0: first
            case 1: second
            case 2: third
            default: fourth
            }
        }

        /// Counts `pick`, and keeps it when it is among the first ``inlineCount``.
        fileprivate mutating func append(_ pick: CandidatePick) {
            switch total {
            case 0: first = pick
            case 1: second = pick
            case 2: third = pick
            case 3: fourth = pick
            default: break
            }
            total &+= 1
        }
    }

    /// The candidates while the walk finds them: those in place, and any more (as ``PickList``).
    struct CandidateList: BitwiseCopyable {
        private(set) var inline = CandidatePicks()
        private(set) var more = SpillBuffer<CandidatePick>()

        mutating func append(_ pick: CandidatePick) {
            if inline.count >= CandidatePicks.inlineCount { more.append(pick) }
            inline.append(pick)
        }

        /// Gives back the storage of the candidates past those in place.
        mutating func free() {
            more.free()
        }
    }

    /// What most answers do not have, nil for them (see ``Answer``). A class of constants, so that
    /// an answer holds one reference (nil for most); a change replaces it with a changed copy.
    final class Extras: Sendable {
        struct Values: Sendable {
            /// The request's stage when the journey does not have it.
            var unknownStage: String?
            var warnings: [String] = []
            var morePicks: ContiguousArray<Pick> = []
            var moreCandidates: ContiguousArray<CandidatePick> = []
            var explanation: [ExplanationEntry]?
            // Fields set since evaluation, shown instead of what the positions say.
            var ruleset: String?
            var journey: String?
            var stage: String?
            var recommendations: [Recommendation]?
            /// `.some(nil)`: set to no nudge.
            var nudge: ServedNudge??
        }

        let values: Values

        init(_ values: Values) {
            self.values = values
        }
    }

    mutating func change(_ body: (inout Extras.Values) -> Void) {
        var values = extras?.values ?? Extras.Values()
        body(&values)
        extras = Extras(values)
    }

    func pick(at index: Int) -> Pick {
        if index < Picks.inlineCount { return picks[index] }
        return (extras?.values.morePicks ?? [])[index &- Picks.inlineCount]
    }

    func candidate(at index: Int) -> CandidatePick {
        if index < CandidatePicks.inlineCount { return candidates[index] }
        return (extras?.values.moreCandidates ?? [])[index &- CandidatePicks.inlineCount]
    }

    /// The recommendation at `pick`, built.
    func recommendation(_ pick: Pick) -> Recommendation {
        let item = set.content[Int(pick.content)]
        guard pick.origin >= 0 else { return Recommendation(item: item, source: nil, variant: nil, fallback: pick.fallback) }
        let rule = set.journeys[Int(journeyPosition)].rules[Int(pick.origin)]
        return Recommendation(item: item, source: .rule(rule), variant: pick.variant < 0 ? nil : rule.variants[Int(pick.variant)].id,
                              fallback: nil)
    }

    /// The candidate at `pick`, built (nil only if its rule had no nudge, which the walk never records).
    func candidate(_ pick: CandidatePick) -> NudgeCandidate? {
        guard let (rule, nudge) = found(pick) else { return nil }
        return NudgeCandidate(rule: rule, nudge: nudge, variant: pick.variant < 0 ? nil : rule.variants[Int(pick.variant)].id,
                              cap: pick.capped ? nudge.cap : nil)
    }

    /// The rule of candidate `pick` and the nudge the walk found there (nil only if the rule had
    /// none, which the walk never records): every reader of a candidate resolves it here.
    func found(_ pick: CandidatePick) -> (rule: CompiledRule, nudge: CompiledNudge)? {
        let rule = set.journeys[Int(journeyPosition)].rules[Int(pick.rule)]
        return Self.nudge(of: rule, variant: pick.variant).map { (rule, $0) }
    }

    /// The nudge of `rule` or of its variant at `variant` (-1: none), which the walk found there.
    static func nudge(of rule: CompiledRule, variant: Int32) -> CompiledNudge? {
        variant < 0 ? rule.nudge : rule.variants[Int(variant)].nudge ?? rule.nudge
    }

    /// Calls `body` with each recommendation's texts, in order, borrowed where the rule set (or an
    /// edit) holds them: what the answer writer writes, without building a `Recommendation`.
    public func forEachRecommendation(
        _ body: (_ content: String, _ type: String, _ title: String, _ url: String, _ rule: String?, _ why: String?,
                 _ variant: String?, _ fallback: Recommendation.FallbackLevel?) -> Void
    ) {
        if let edited = extras?.values.recommendations {
            for recommendation in edited {
                recommendation.withTexts { body($0, $1, $2, $3, $4, $5, recommendation.variant, recommendation.fallback) }
            }
            return
        }
        let rules = set.journeys[Int(journeyPosition)].rules
        // Those past the ones in place read from one copy of the array, not through `extras` each time.
        let more = extras?.values.morePicks ?? []
        for index in 0..<picks.count {
            let pick = index < Picks.inlineCount ? picks[index] : more[index &- Picks.inlineCount]
            let item = set.content[Int(pick.content)]
            if pick.origin < 0 {
                body(item.id, item.type, item.title, item.url, nil, nil, nil, pick.fallback)
            } else {
                let rule = rules[Int(pick.origin)]
                body(item.id, item.type, item.title, item.url, rule.id, rule.why,
                     pick.variant < 0 ? nil : rule.variants[Int(pick.variant)].id, nil)
            }
        }
    }

    /// Calls `body` with the nudge's texts, borrowed (see ``forEachRecommendation(_:)``); nil
    /// without a nudge.
    public func withNudgeTexts<Result>(
        _ body: (_ id: String, _ message: String, _ cta: CallToAction?, _ alternative: String?, _ rule: String, _ variant: String?,
                 _ why: String?) -> Result
    ) -> Result? {
        if let edited = extras?.values.nudge { return edited?.withTexts(body) }
        guard served >= 0 else { return nil }
        let pick = candidate(at: Int(served))
        guard let (rule, nudge) = found(pick) else { return nil }
        return body(nudge.id, nudge.message, nudge.cta, nudge.alternative, rule.id,
                    pick.variant < 0 ? nil : rule.variants[Int(pick.variant)].id, rule.why)
    }

    /// The nudge's id, or nil without one: what the daemon counts served nudges by.
    public var nudgeID: String? {
        if let edited = extras?.values.nudge { return edited?.id }
        guard served >= 0 else { return nil }
        return found(candidate(at: Int(served)))?.nudge.id
    }
}
