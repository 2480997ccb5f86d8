extension Answer {
    /// Applies dismissals and nudge caps to an evaluated answer: the one place where a showing is
    /// checked and counted. A nudge the visitor dismissed is passed over like a capped one.
    /// Candidates are offered in rank order; the first one admitted (or one without a cap) is
    /// served, and no later candidate is counted. Without a visitor nothing is counted.
    public mutating func admitNudge(for request: EvaluationRequest, caps: any CapStore) async {
        guard let visitor = request.visitor else { return }
        for rank in 0..<candidates.count {
            guard let nudge = candidateNudge(at: rank) else { continue }
            if await caps.isDismissed(visitor: visitor, nudge: nudge.id, now: request.now) { continue }
            if candidate(at: rank).capped, let cap = nudge.cap,
               !(await caps.admit(visitor: visitor, nudge: nudge.id, cap: cap, now: request.now)) {
                continue
            }
            serve(rank)
            return
        }
        serve(-1)
    }

    /// ``admitNudge(for:caps:)`` for as long as every answer of the caps comes without waiting (see
    /// ``CapStore/admitWithoutWaiting(visitor:nudge:cap:now:)``): true when done. False when one would
    /// have to wait; then nothing was counted and the answer is unchanged, and the caller runs
    /// ``admitNudge(for:caps:)`` (which asks again from the first candidate).
    public mutating func admitNudgeWithoutWaiting(for request: EvaluationRequest, caps: some CapStore) -> Bool {
        guard let visitor = request.visitor else { return true }
        for rank in 0..<candidates.count {
            guard let nudge = candidateNudge(at: rank) else { continue }
            guard let dismissed = caps.isDismissedWithoutWaiting(visitor: visitor, nudge: nudge.id, now: request.now) else {
                return false
            }
            if dismissed { continue }
            if candidate(at: rank).capped, let cap = nudge.cap {
                guard let admitted = caps.admitWithoutWaiting(visitor: visitor, nudge: nudge.id, cap: cap, now: request.now) else {
                    return false
                }
                if !admitted { continue }
            }
            serve(rank)
            return true
        }
        serve(-1)
        return true
    }

    /// The compiled nudge of the candidate at `rank`: its id is what caps and dismissals count by.
    private func candidateNudge(at rank: Int) -> CompiledNudge? {
        found(candidate(at: rank))?.nudge
    }

    /// Serves the candidate at `rank` (-1: none). Admission decides the nudge: one set on the
    /// answer before is dropped.
    private mutating func serve(_ rank: Int) {
        served = Int32(truncatingIfNeeded: rank)
        if extras?.values.nudge != nil { change { $0.nudge = nil } }
    }

    /// Whether ``admitNudge(for:caps:)`` would ask the caps anything: a visitor and at least one
    /// candidate. Without, the answer is final as evaluated (its nudge is the first candidate, or
    /// none), so a server can write it without waiting for the caps.
    public func needsAdmission(for request: EvaluationRequest) -> Bool {
        request.visitor != nil && candidates.count > 0
    }
}
