/// What admission offers the caps for a nudge candidate (``NudgeOffer``: the nudge's id hash, serial
/// and cap), in the journey's ``MatchTable/program`` by rule position, so that admission reads one
/// line a candidate, whose address is known from the rule's position alone. (Asking for that line
/// when the walk records the candidate did not separate from not asking, by the wall clock: branch
/// offer17's README section.)
///
/// Why (issue 15, branch offer17): read from the objects, each candidate was `journey.rules[rule]`
/// (the array's line) → the ``CompiledRule`` → its ``CompiledNudge`` (or a variant's: the variants'
/// array and the nudge), three or more lines each found only once the one before had come in, ~2.2 L2
/// misses an evaluation at 100,000 rules (`Answer.firstAdmitted`). Prefetching the objects before
/// the offers only moved those misses (branch admit16).
///
/// The offers start at ``MatchTable/offerStart``, a line's start, after everything else in the
/// program: one entry of ``offerWords`` words (32 bytes: two to a line, never across two) for each
/// rule in rank order, then one for each variant of each rule with variants (the rules' variants one
/// after the other, in rank order). An entry:
///
/// - words 0–1: the nudge's ``CompiledNudge/idHash``; 2–3: its ``CompiledNudge/serial``; 4–5: its
///   cap's `per` (all as ``MatchTable/wide(in:at:)`` reads them);
/// - word 6: its cap's `max`, or ``offerWithoutCap`` (a nudge without a cap), or ``offerUnknown``
///   (no nudge, or a `max` that does not fit in a word: admission reads the objects then);
/// - word 7: for a rule with variants, the index of its first variant's entry; -1 otherwise.
///
/// A variant's entry holds the nudge its candidates are: its own, the rule's (it inherits) or none.
/// The nudge's id is not here: a store asks for it only to compare or keep it, and admission reads
/// it from the objects then.
extension MatchTable {
    static let offerWords = 8
    /// Word 6 of an entry whose nudge has no cap.
    static let offerWithoutCap: Int32 = -2
    /// Word 6 of an entry admission cannot answer from: no nudge, or a cap's `max` past a word.
    static let offerUnknown: Int32 = -1

    /// Appends the offers of `rules` (the journey's, in rank order) at the next line's start and
    /// notes where they start (``offerStart``). Call once, after everything else the program holds
    /// and before ``trim(aligning:)``.
    mutating func addOffers(_ rules: [CompiledRule]) {
        padToLine()
        offerStart = Int32(program.count)
        var nextVariant = rules.count
        for rule in rules {
            appendOffer(rule.nudge, firstVariant: rule.variants.isEmpty ? -1 : nextVariant)
            nextVariant += rule.variants.count
        }
        for rule in rules {
            // nil: the rule's nudge; `.some(nil)`: none (as ``Answer/nudge(of:variant:)`` reads it).
            for variant in rule.variants { appendOffer(variant.nudge ?? rule.nudge, firstVariant: -1) }
        }
    }

    private mutating func appendOffer(_ nudge: CompiledNudge?, firstVariant: Int) {
        let max: Int32
        if let nudge {
            if let cap = nudge.cap { max = cap.max >= 0 && cap.max <= Int(Int32.max) ? Int32(cap.max) : Self.offerUnknown }
            else { max = Self.offerWithoutCap }
        } else {
            max = Self.offerUnknown
        }
        for wide in [nudge?.idHash ?? 0, nudge?.serial ?? 0, UInt64(bitPattern: nudge?.cap?.per ?? 0)] {
            program.append(Int32(truncatingIfNeeded: wide))
            program.append(Int32(truncatingIfNeeded: wide >> 32))
        }
        program.append(max)
        program.append(Int32(firstVariant))
    }

    /// The offer of the nudge of the rule at `rule` (rank position), or of its variant at `variant`
    /// (-1: none), with its cap when `capped`; nil when the objects must be read (see ``offerUnknown``,
    /// or a cap asked for that the nudge does not have, which the walk never records).
    ///
    /// Reads the program's words in place (the journey's own storage, borrowed: ``CompiledJourney/offer(rule:variant:capped:)``).
    @inline(__always)
    func offer(rule: Int, variant: Int, capped: Bool) -> NudgeOffer? {
        guard offerStart >= 0 else { return nil }
        return withProgram { words -> NudgeOffer? in
            let start = Int(offerStart)
            var entry = start &+ rule &* Self.offerWords
            if variant >= 0 {
                let first = Int(words[entry &+ 7])
                guard first >= 0 else { return nil }
                entry = start &+ (first &+ variant) &* Self.offerWords
            }
            let max = words[entry &+ 6]
            let cap: Cap?
            if max >= 0 {
                cap = capped ? Cap(max: Int(max), per: Int64(bitPattern: Self.wide(in: words, at: entry &+ 4))) : nil
            } else if max == Self.offerWithoutCap, !capped {
                cap = nil
            } else {
                return nil
            }
            return NudgeOffer(idHash: Self.wide(in: words, at: entry), serial: Self.wide(in: words, at: entry &+ 2), cap: cap)
        }
    }
}
