/// A nudge the walk found for a request, before caps: what would be served, and the cap that may
/// still refuse it (nil when nothing can: no cap, or a request without a visitor).
public struct NudgeCandidate: Sendable, Hashable {
    public var nudge: ServedNudge
    public var cap: Cap?

    public init(nudge: ServedNudge, cap: Cap?) {
        self.nudge = nudge
        self.cap = cap
    }
}
