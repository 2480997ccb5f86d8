/// What the first prefetch of a request needs of its journey, one per journey in
/// ``RuleSet/journeyStarts``, by the journey's position: read from the position alone, where the
/// journey's own fields are found through ``RuleSet/journeys`` (its element, then the object's
/// lines, one after the other) and the stage from the program's stage ids after them.
///
/// Why (issue 15, branch head18): the walk's first line, the bucket's block, is an L2 miss in most
/// requests at 100,000 rules, and it was asked for (``CompiledJourney/prefetchWalkStart(stage:named:persona:)``)
/// only once the stage was known: after the journey's element, its object and its stage ids'
/// line, each an L1 miss at 10,000 rules and more. Asked for from here, the blocks of the stages a
/// request may have (at most ``CompiledJourney/prefetchedStages``) come in those lines' latency
/// earlier; measured in process at 100,000 rules (README, head18).
struct JourneyStart: Sendable, BitwiseCopyable {
    /// The address of word 0 of the journey's program as its view reads it (past ``MatchTable/lead``):
    /// its bits only, never read through (``UnsafeBufferPointer/prefetch(_:)`` asks for a line and
    /// reads nothing, and never faults). The program is a constant array of the journey, which the
    /// rule set keeps, so the address stays the program's while the rule set lives.
    let program: UInt
    let bucketBlocks: Int32
    let bucketStride: Int32
    let personaSlots: Int32
    let stageCount: Int32
    /// Where the stage ids start in the program (``CompiledJourney/stageIDWords``, a line's start).
    let stageIDs: Int32

    init(_ journey: CompiledJourney) {
        program = journey.match.program.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
            &+ UInt(journey.match.lead &* MemoryLayout<Int32>.stride)
        bucketBlocks = Int32(journey.bucketBlocks)
        bucketStride = Int32(journey.bucketStride)
        personaSlots = Int32(journey.personaSlots)
        stageCount = Int32(journey.stageCount)
        stageIDs = Int32(journey.stageIDWords.lowerBound)
    }

    /// Where the block of the bucket of `stage` (0 ..< ``stageCount``) and `persona` starts in the
    /// program: ``CompiledJourney/bucketBlock(stage:persona:)``.
    @inline(__always)
    func bucketBlock(stage: Int, persona: Int?) -> Int {
        let personaSlot = persona.map { $0 &+ 1 } ?? 0
        return Int(bucketBlocks) &+ (stage &* Int(personaSlots) &+ personaSlot) &* Int(bucketStride)
    }

    /// Starts the loads of the blocks of the journey's first stages (at most
    /// ``CompiledJourney/prefetchedStages``) for a request whose persona is at `persona`, and of the
    /// stage ids' first two lines, which ``CompiledJourney/stagePosition(of:prefetchingFor:start:)`` reads
    /// next. A hint only (``duwtje_prefetch``): it changes no value.
    @inline(__always)
    func prefetch(persona: Int?) {
        let words = UnsafeBufferPointer<Int32>(start: UnsafePointer(bitPattern: program), count: 0)
        let first = bucketBlock(stage: 0, persona: persona)
        let step = Int(personaSlots) &* Int(bucketStride)
        var block = first
        for _ in 0..<Swift.min(Int(stageCount), CompiledJourney.prefetchedStages) {
            words.prefetch(block)
            block &+= step
        }
        words.prefetch(Int(stageIDs))
        words.prefetch(Int(stageIDs) &+ MatchTable.lineWords)
    }
}
