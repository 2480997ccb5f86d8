extension Answer {
    /// Applies dismissals and nudge caps to an evaluated answer: the one place where a showing is
    /// checked and counted. A nudge the visitor dismissed is passed over like a capped one. Candidates are offered in rank order; the first one admitted (or one without a cap)
    /// is served, and no later candidate is counted. Without a visitor nothing is counted.
    public mutating func admitNudge(for request: EvaluationRequest, caps: any CapStore) async {
        guard let visitor = request.visitor else { return }
        nudge = nil
        for candidate in nudgeCandidates {
            if await caps.isDismissed(visitor: visitor, nudge: candidate.id, now: request.now) { continue }
            if let cap = candidate.cap, !(await caps.admit(visitor: visitor, nudge: candidate.id, cap: cap, now: request.now)) {
                continue
            }
            nudge = candidate.nudge
            return
        }
    }

    /// Whether ``admitNudge(for:caps:)`` would ask the caps anything: a visitor and at least one
    /// candidate. Without, the answer is final as evaluated (its nudge is the first candidate, or
    /// none), so a server can write it without waiting for the caps.
    public func needsAdmission(for request: EvaluationRequest) -> Bool {
        request.visitor != nil && !nudgeCandidates.isEmpty
    }
}
