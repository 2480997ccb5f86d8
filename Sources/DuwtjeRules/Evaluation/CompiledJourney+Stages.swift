extension CompiledJourney {
    /// The position of the stage `id` names; nil for nil or a stage the journey lacks.
    ///
    /// Not inlined: in the journey's own method its id table is read where it stands and the
    /// table's lookup is inlined. Looked up from `RuleSet.resolve`, the table was retained and
    /// released around a call to its subscript, which the optimiser did not inline there (~30
    /// instructions an evaluation more than this call, branch req11).
    @inline(never)
    func stagePosition(of id: String?) -> Int? {
        stageIndex[id]
    }
}
