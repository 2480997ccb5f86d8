/// What a matching rule does to the answer, in the journey's ``MatchTable/program`` right after the
/// rule's conditions: the walk reads it by position, without the rule's ``CompiledRule``, its
/// recommend list, its items' payloads or its nudge (each a heap object, retained and released on
/// the way, and each a cache line of its own where the rules are not in the caches).
///
/// A rule's effects start right after its conditions and window in its record (``MatchTable/program``):
///
/// - one word of ``Flags``;
/// - its recommend list (``Items``);
/// - with ``Flags/variants``: the variant count, the FNV-1a state after the rule's id and its NUL
///   (``VariantAssignment/seed(rule:)``) and the total weight as two words each, then per variant
///   its weight (two words), its nudge (``VariantNudge``) and where its own recommend list is
///   (-1: the rule's), then those lists.
///
/// A recommend list is a word count and that many words: a content item's index, or a query as
/// `-1 - limit` followed by where its items are: a count and the items' indices. A query's items are
/// written once per journey (queries with the same items share them) and referred to by position.
/// An item's index carries ``checkedItem`` when the item has an active window or a language: only
/// then does the walk read its entry in ``RuleSet/contentFilters`` (an item that has neither, most
/// of them, costs no cache line beyond the list).
extension MatchTable {
    /// Set in an item's word when the walk must check the item's window or language; the index is
    /// the word without it (a catalogue of 2^30 items would not fit in memory).
    static let checkedItem: Int32 = 1 << 30

    struct Flags {
        static let exclusive: Int32 = 1
        /// The rule declares a nudge.
        static let nudge: Int32 = 2
        /// The rule's nudge has a cap.
        static let capped: Int32 = 4
        /// A rule ranked below this one may serve a nudge (``MatchTable/markNudgeAfter(_:)``).
        static let nudgeAfter: Int32 = 8
        static let variants: Int32 = 16
    }

    /// A variant's nudge: the rule's, none, or its own (with a cap or without).
    enum VariantNudge: Int32 {
        case inherit
        case removed
        case own
        case ownCapped
    }

    /// A variant as the compiler hands it over: its weight, its nudge and its own recommend list, if any.
    struct VariantEffects {
        let weight: UInt64
        let nudge: VariantNudge
        let recommend: [CompiledItem]?
    }

    /// What the compiler keeps while it writes a journey's records: where each query's items are in
    /// ``program``, by the items (what lets rules share them), and what of the current record
    /// ``endRecord(notes:aligning:)`` moves along with it: the words that hold a position perhaps in
    /// the record itself (where a query's items are, where a variant's own list starts) and the
    /// queries whose items it holds. Kept by the compiler, not in the table, which
    /// every journey keeps.
    struct RecordNotes {
        var queries: [[Int]: Int32] = [:]
        var positionWords: [Int] = []
        var recordQueries: [[Int]] = []
    }

    /// Writes the effects of the rule added last (``addRule(record:conditions:from:until:)``). `nudge`: the
    /// rule's nudge, whether it has a cap; `seed`: ``VariantAssignment/seed(rule:)`` of its id; `notes`: the compiler's (``RecordNotes``);
    /// `checked`: by content index, whether an item has an active window or a language.
    mutating func addEffects(exclusive: Bool, nudge: Bool?, recommend: [CompiledItem], variants: [VariantEffects],
                             seed: UInt64, notes: inout RecordNotes, checked: [Bool]) {
        var flags: Int32 = 0
        if exclusive { flags |= Flags.exclusive }
        if let capped = nudge { flags |= capped ? Flags.nudge | Flags.capped : Flags.nudge }
        if !variants.isEmpty { flags |= Flags.variants }
        program.append(flags)
        appendList(recommend, notes: &notes, checked: checked)
        guard !variants.isEmpty else { return }
        program.append(Int32(variants.count))
        appendWide(seed)
        appendWide(variants.reduce(0) { $0 + $1.weight })
        let headers = program.count
        for variant in variants {
            appendWide(variant.weight)
            program.append(variant.nudge.rawValue)
            program.append(-1)
        }
        for (index, variant) in variants.enumerated() {
            guard let recommend = variant.recommend else { continue }
            program[headers + index * 4 + 3] = Int32(program.count)
            notes.positionWords.append(headers + index * 4 + 3)
            appendList(recommend, notes: &notes, checked: checked)
        }
    }

    /// Notes that a rule ranked below the one at `position` may serve a nudge.
    mutating func markNudgeAfter(_ position: Int) {
        program[Int(rules[position].effectsStart)] |= Flags.nudgeAfter
    }

    private mutating func appendWide(_ value: UInt64) {
        program.append(Int32(truncatingIfNeeded: value))
        program.append(Int32(truncatingIfNeeded: value >> 32))
    }

    private mutating func appendList(_ items: [CompiledItem], notes: inout RecordNotes, checked: [Bool]) {
        func word(_ index: Int) -> Int32 { Int32(index) | (checked[index] ? Self.checkedItem : 0) }
        let countAt = program.count
        program.append(0)
        for item in items {
            switch item {
            case .content(let index):
                program.append(word(index))
            case .query(let indices, let limit):
                // A negative limit adds nothing, as a limit of 0 does.
                program.append(-1 - Int32(clamping: min(max(limit, 0), Int(Int32.max) - 1)))
                if let at = notes.queries[indices] {
                    // Perhaps in this record (a second query with the same items).
                    notes.positionWords.append(program.count)
                    program.append(at)
                } else {
                    // The items follow here: where they are is the next word.
                    let at = Int32(program.count + 1)
                    notes.positionWords.append(program.count)
                    program.append(at)
                    notes.queries[indices] = at
                    notes.recordQueries.append(indices)
                    program.append(Int32(indices.count))
                    for index in indices { program.append(word(index)) }
                }
            }
        }
        program[countAt] = Int32(program.count - countAt - 1)
    }
}

extension MatchTable {
    /// The two-word value at `offset` of `words` (low word first), as the compiler writes wide values
    /// (a variant's seed and weights, an offer's id hash, serial and cap period).
    @inline(__always)
    static func wide(in words: UnsafeBufferPointer<Int32>, at offset: Int) -> UInt64 {
        UInt64(UInt32(bitPattern: words[offset])) | UInt64(UInt32(bitPattern: words[offset &+ 1])) << 32
    }
}

extension MatchTable.View {
    /// The flags of the rule whose effects start at `effects`.
    @inline(__always)
    func flags(at effects: Int) -> Int32 { program[effects] }

    /// A two-word value at `offset`.
    @inline(__always)
    func wide(at offset: Int) -> UInt64 {
        MatchTable.wide(in: program, at: offset)
    }

    /// The visitor's variant of the rule whose effects start at `effects` (which has variants): its
    /// index, its nudge and where its recommend list is (the rule's, at `effects + 1`, unless it has
    /// its own), chosen by ``VariantAssignment`` from the weights kept here.
    func variant(at effects: Int, visitor: String) -> (index: Int, nudge: MatchTable.VariantNudge, recommend: Int) {
        let recommend = effects &+ 1
        let header = recommend &+ 1 &+ Int(program[recommend])
        let count = Int(program[header])
        let hash = VariantAssignment.hash(seed: wide(at: header &+ 1), visitor: visitor)
        let index = VariantAssignment.pick(count: count, total: wide(at: header &+ 3), hash: hash) { candidate in
            wide(at: header &+ 5 &+ candidate &* 4)
        }
        let entry = header &+ 5 &+ index &* 4
        let own = Int(program[entry &+ 3])
        return (index, MatchTable.VariantNudge(rawValue: program[entry &+ 2]) ?? .inherit, own >= 0 ? own : recommend)
    }
}
