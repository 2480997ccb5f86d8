import Foundation

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
    /// ``CapStore/admitFirstWithoutWaiting(visitor:now:count:offer:id:)``): true when done. False when
    /// one would have to wait; then nothing was counted and the answer is unchanged, and the caller runs
    /// ``admitNudge(for:caps:)`` (which asks again from the first candidate).
    ///
    /// One call of the caps for all candidates (one a candidate, with its dismissal check, before:
    /// each found the visitor again), handing over only trivially copyable ``NudgeOffer``s.
    ///
    /// `hint`: what ``CapStore/prefetch(visitor:)`` of `caps` returned for the request's visitor.
    public mutating func admitNudgeWithoutWaiting(for request: EvaluationRequest, caps: some CapStore,
                                                  hint: VisitorHint = .none) -> Bool {
        guard let visitor = request.visitor else { return true }
        guard let rank = firstAdmitted(visitor: visitor, hint: hint, now: request.now, caps: caps) else { return false }
        serve(rank)
        return true
    }

    /// The caps' answer for all candidates. Not `mutating`, nor inside a `mutating` method: there the
    /// closures captured the answer `inout`, and it was copied twice a candidate (~410 instructions an
    /// evaluation, branch admit11).
    private func firstAdmitted(visitor: String, hint: VisitorHint, now: Date, caps: some CapStore) -> Int? {
        caps.admitFirstWithoutWaiting(visitor: visitor, hint: hint, now: now, count: candidates.count,
                                      offer: { rank in offer(at: rank) },
                                      id: { rank in admissionNudge(at: rank) { nudge, _ in nudge.id } ?? "" })
    }

    /// The offer of the candidate at `rank`, read from the journey's offers (one line:
    /// `MatchTable+Offers.swift`), or from the rule and nudge objects where those cannot say.
    @inline(__always)
    func offer(at rank: Int) -> NudgeOffer? {
        let pick = rank < CandidatePicks.inlineCount ? candidates[rank] : candidate(at: rank)
        if let offer = set.journeys[Int(journeyPosition)].offer(rule: Int(pick.rule), variant: Int(pick.variant), capped: pick.capped) {
            return offer
        }
        return objectOffer(at: rank)
    }

    /// The offer of the candidate at `rank` as the rule and nudge objects give it: what
    /// ``offer(at:)`` reads when the journey's offers cannot say, and the tests' reference. Out of
    /// line: the walk never records a candidate the offers cannot say.
    @inline(never)
    func objectOffer(at rank: Int) -> NudgeOffer? {
        admissionNudge(at: rank) { NudgeOffer(idHash: $0.idHash, serial: $0.serial, cap: $1 ? $0.cap : nil) }
    }

    /// `body` on the nudge of the candidate at `rank` (nil: none, which the walk never records) and
    /// whether its cap applies, read where the rule set holds it. ``found(_:)`` returns the rule and
    /// the nudge retained, released again after: with ``candidate(at:)`` not inlined, ~190
    /// instructions each time the caps asked for a candidate (twice a candidate they count).
    @inline(__always)
    private func admissionNudge<R>(at rank: Int, _ body: (CompiledNudge, _ capped: Bool) -> R) -> R? {
        let pick = rank < CandidatePicks.inlineCount ? candidates[rank] : candidate(at: rank)
        let rule = set.journeys[Int(journeyPosition)].rules[Int(pick.rule)]
        let variant = pick.variant
        if variant >= 0, let replaced = rule.variants[Int(variant)].nudge {
            guard let replaced else { return nil }
            return body(replaced, pick.capped)
        }
        guard let nudge = rule.nudge else { return nil }
        return body(nudge, pick.capped)
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
