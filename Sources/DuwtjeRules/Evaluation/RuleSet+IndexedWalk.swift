extension RuleSet {
    /// The walk of a request that asks for no explanation (``Walk/indexed``, the request path): the
    /// rules the index hands over (``Candidates``), in rank order, until the answer cannot change.
    /// Matched rules' effects go into `picks` and `candidates` (``AnswerPicker``).
    ///
    /// A function of its own, without the explained walk's cases, so that it stays small enough for
    /// the optimizer to inline what it calls for each rule: inside the one walk that also explained,
    /// the record's check (`failure(record:…)`), the runs' merge and building the candidates were calls.
    func indexedWalk(_ request: EvaluationRequest, _ facts: Facts, match: MatchTable.View, journey: CompiledJourney,
                     picker: AnswerPicker, picks: inout Answer.PickList, candidates: inout Answer.CandidateList) {
        // A candidate that no cap can refuse was found: no later rule can change the nudge.
        var nudgeServed = false  // cheaper to test than the candidates
        var positions = Candidates(bucket: journey.bucketBlock(stage: facts.stage, persona: facts.persona), in: match.program,
                                   numbers: facts.numbers, filedKeys: journey.filedKeys, filedValues: journey.filedValues)
        defer { positions.free() }
        // Once the list is full (from the start with a limit of 0), a rule that can neither nudge nor
        // cut the walk changes nothing: the walk need not be handed it at all.
        if picks.count >= picker.limit { positions.keepOnlyEffects(after: -1) }
        while let record = positions.next() {
            // The index checked stage and persona: the record alone decides.
            let (failure, effects) = match.check(record: record, facts, time: picker.time)
            guard failure == nil else { continue }
            let flags = picker.take(effects: effects, position: match.position(ofRecord: record), request, match, picks: &picks,
                                    candidates: &candidates, nudgeServed: &nudgeServed, in: self).flags
            // An exclusive rule cuts the walk.
            if flags & MatchTable.Flags.exclusive != 0 { return }
            if picks.count >= picker.limit {
                if nudgeServed || flags & MatchTable.Flags.nudgeAfter == 0 { return }
                positions.keepOnlyEffects(after: record)
            }
        }
    }
}
