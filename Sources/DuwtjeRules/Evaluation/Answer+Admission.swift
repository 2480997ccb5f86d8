extension Answer {
    /// Applies dismissals and nudge caps to an evaluated answer: the one place where a showing is
    /// checked and counted. A nudge the visitor dismissed is passed over like a capped one.
    /// Candidates are offered in rank order; the first one admitted (or one without a cap) is
    /// served, and no later candidate is counted. Without a visitor nothing is counted.
    public mutating func admitNudge(for request: EvaluationRequest, caps: any CapStore) async {
        guard let visitor = request.visitor else { return }
        for (rank, candidate) in nudgeCandidates.enumerated() {
            if await caps.isDismissed(visitor: visitor, nudge: candidate.id, now: request.now) { continue }
            if let cap = candidate.cap, !(await caps.admit(visitor: visitor, nudge: candidate.id, cap: cap, now: request.now)) {
                continue
            }
            serve(rank)
            return
        }
        nudge = nil
    }

    /// ``admitNudge(for:caps:)`` for as long as every answer of the caps comes without waiting (see
    /// ``CapStore/admitWithoutWaiting(visitor:nudge:cap:now:)``): true when done. False when one would
    /// have to wait; then nothing was counted and the answer is unchanged, and the caller runs
    /// ``admitNudge(for:caps:)`` (which asks again from the first candidate).
    public mutating func admitNudgeWithoutWaiting(for request: EvaluationRequest, caps: some CapStore) -> Bool {
        guard let visitor = request.visitor else { return true }
        // Each candidate's fields read where it stands: `enumerated()` copied every candidate (its
        // rule, nudge and variant retained and released) on the path of nearly every request.
        for rank in nudgeCandidates.indices {
            let id = nudgeCandidates[rank].id
            guard let dismissed = caps.isDismissedWithoutWaiting(visitor: visitor, nudge: id, now: request.now) else {
                return false
            }
            if dismissed { continue }
            if let cap = nudgeCandidates[rank].cap {
                guard let admitted = caps.admitWithoutWaiting(visitor: visitor, nudge: id, cap: cap, now: request.now) else {
                    return false
                }
                if !admitted { continue }
            }
            serve(rank)
            return true
        }
        nudge = nil
        return true
    }

    /// Serves the candidate at `rank`. The first is already the answer's nudge (evaluation serves it
    /// as if no cap applied): it is not built a second time.
    private mutating func serve(_ rank: Int) {
        if rank > 0 || nudge == nil { nudge = nudgeCandidates[rank].nudge }
    }

    /// Whether ``admitNudge(for:caps:)`` would ask the caps anything: a visitor and at least one
    /// candidate. Without, the answer is final as evaluated (its nudge is the first candidate, or
    /// none), so a server can write it without waiting for the caps.
    public func needsAdmission(for request: EvaluationRequest) -> Bool {
        request.visitor != nil && !nudgeCandidates.isEmpty
    }
}
