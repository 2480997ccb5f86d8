/// A nudge the walk found for a request, before caps: what would be served, and the cap that may
/// still refuse it (nil when nothing can: no cap, or a request without a visitor).
///
/// Holds the compiled rule and nudge (two references) instead of a ``ServedNudge``: with caps in
/// force the walk collects every capped candidate up to one no cap can refuse, and building each
/// one's seven strings cost more than the walk itself; only the candidate admitted is written out.
public struct NudgeCandidate: Sendable, Equatable {
    let rule: CompiledRule
    let source: CompiledNudge
    /// The visitor's variant of `rule`, when the nudge is that variant's.
    let variant: String?
    public let cap: Cap?

    init(rule: CompiledRule, nudge: CompiledNudge, variant: String?, cap: Cap?) {
        self.rule = rule
        self.source = nudge
        self.variant = variant
        self.cap = cap
    }

    /// The nudge's id: what caps and dismissals are counted by.
    public var id: String { source.id }

    /// The nudge as it is served.
    public var nudge: ServedNudge {
        ServedNudge(source: source, origin: .rule(rule), variant: variant)
    }

    /// Equal when they would serve the same nudge under the same cap.
    public static func == (lhs: NudgeCandidate, rhs: NudgeCandidate) -> Bool {
        lhs.nudge == rhs.nudge && lhs.cap == rhs.cap
    }
}
