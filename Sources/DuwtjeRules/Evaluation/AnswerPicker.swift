/// What the walk reads to put a matched rule's effects into the answer: the request's limit, time
/// and facts (its language), the content items' windows, and the journey's program (the recommend
/// lists, ``MatchTable/addEffects(exclusive:nudge:recommend:variants:seed:notes:checked:)``).
///
/// Both walks use it (``RuleSet/indexedWalk(_:_:match:journey:picker:picks:candidates:)`` and the
/// explained one in `RuleSet+Evaluation.swift`), and the fallbacks. These were functions nested in
/// the one walk, which had grown too large for the optimizer to inline what it calls per consulted
/// rule (the record's check, the runs' merge were calls).
struct AnswerPicker {
    let limit: Int
    /// The request's time, in seconds since the reference date.
    let time: Double
    let facts: Facts
    let filters: UnsafeBufferPointer<CompiledContent.Filter>
    let program: UnsafeBufferPointer<Int32>

    /// Adds the content item at `index` of `set` to `picks`, unless the list is full, it is there
    /// already, it is not active or not in the request's language. The item itself is read only for
    /// its language, and its filter only when `checked` (a list's word says so: ``MatchTable/checkedItem``).
    @inline(__always)
    func add(_ index: Int, checked: Bool = true, pick: Answer.Pick, anyLanguage: Bool = false, to picks: inout Answer.PickList,
             in set: RuleSet) {
        guard picks.count < limit, !picks.contains(content: Int32(truncatingIfNeeded: index)) else { return }
        if checked {
            let filter = filters[index]
            guard filter.isActive(at: time) else { return }
            if !anyLanguage, filter.hasLanguage, let language = set.content[index].language, !facts.accepts(language) { return }
        }
        picks.append(pick)
    }

    /// A list's word for a content item: its index, and whether it must be checked.
    @inline(__always)
    private func item(_ word: Int32) -> (index: Int, checked: Bool) {
        (Int(word & ~MatchTable.checkedItem), word & MatchTable.checkedItem != 0)
    }

    /// Adds the items of the recommend list at `list` in the program (see `MatchTable+Effects.swift`)
    /// for the rule at `position` and its variant.
    ///
    /// A call (1.9 an evaluation): `@_transparent`, it took ``take(effects:position:_:_:picks:candidates:nudgeServed:in:)``
    /// past the 64 blocks under which an `@inline(__always)` function is inlined into a large caller,
    /// and `take` became the call instead (+85 instructions an evaluation).
    func addItems(at list: Int, position: Int, variant: Int, to picks: inout Answer.PickList, in set: RuleSet) {
        var offset = list &+ 1
        let end = offset &+ Int(program[list])
        while offset < end, picks.count < limit {
            let word = program[offset]
            offset &+= 1
            if word >= 0 {
                let (index, checked) = item(word)
                add(index, checked: checked, pick: Answer.Pick(content: index, rule: position, variant: variant), to: &picks, in: set)
                continue
            }
            // A query: its limit, then where its items are (they may follow here).
            let itemLimit = Int(-1 &- word)
            let items = Int(program[offset])
            offset &+= 1
            let count = Int(program[items])
            if items == offset { offset &+= 1 &+ count }
            var added = 0
            var index = items &+ 1
            let itemsEnd = index &+ count
            while index < itemsEnd, added < itemLimit {
                let before = picks.count
                let (content, checked) = item(program[index])
                add(content, checked: checked, pick: Answer.Pick(content: content, rule: position, variant: variant), to: &picks, in: set)
                if picks.count > before { added &+= 1 }
                index &+= 1
            }
        }
    }

    /// Takes the effects of the matched rule at `position`, which start at `effects` in the
    /// program: its recommend list (or the visitor's variant's) while `picks` has room, and its
    /// nudge (or the variant's) as a candidate until one that no cap can refuse is found, which
    /// sets `nudgeServed`. Returns the rule's flags (``MatchTable/Flags``) and the variant's index
    /// (-1: none).
    @inline(__always)
    func take(effects: Int, position: Int, _ request: EvaluationRequest, _ match: MatchTable.View, picks: inout Answer.PickList,
              candidates: inout Answer.CandidateList, nudgeServed: inout Bool, in set: RuleSet) -> (flags: Int32, variant: Int) {
        let flags = match.flags(at: effects)
        var hasNudge = flags & MatchTable.Flags.nudge != 0
        var nudgeCapped = flags & MatchTable.Flags.capped != 0
        // The visitor's variant, by index (-1: none), and the recommend list it serves.
        var variant = -1
        var list = effects &+ 1
        if flags & MatchTable.Flags.variants != 0, let visitor = request.visitor {
            let chosen = match.variant(at: effects, visitor: visitor)
            variant = chosen.index
            list = chosen.recommend
            switch chosen.nudge {
            case .inherit: break
            case .removed: hasNudge = false
            case .own: (hasNudge, nudgeCapped) = (true, false)
            case .ownCapped: (hasNudge, nudgeCapped) = (true, true)
            }
        }
        if picks.count < limit { addItems(at: list, position: position, variant: variant, to: &picks, in: set) }
        if !nudgeServed, hasNudge {
            let capped = nudgeCapped && request.visitor != nil
            candidates.append(Answer.CandidatePick(rule: position, variant: variant, capped: capped))
            if !capped { nudgeServed = true }
        }
        return (flags, variant)
    }
}
