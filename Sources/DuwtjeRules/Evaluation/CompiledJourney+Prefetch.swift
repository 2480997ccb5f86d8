extension CompiledJourney {
    /// Starts the loads of the lines a request of this journey reads next, once its stage is known
    /// (`stage`, nil for a stage the request did not name or that the journey lacks; `named`: whether
    /// the request named one) and before its context values are looked up: the block of the bucket
    /// the walk reads first (``bucketBlock(stage:persona:)``), or, for a request that leaves its stage
    /// to the signals, the blocks of each stage the signals may choose (at most ``prefetchedStages``)
    /// and the signals' own lines (their ``signalWords`` and the program's first lines, where their
    /// conditions are).
    ///
    /// A hint only (``duwtje_prefetch``): it never faults and changes no value. Why (issue 15, branch
    /// req16): at 100,000 rules the block is an L2 miss in most requests (~0.9 an evaluation), and so
    /// is the process value's record in ``IDTable/plainIndex(of:)`` (~0.9), which the value lookups
    /// read next; the walk asked for the block only after them, so the two misses were paid one
    /// after the other. Started here, they overlap.
    @inline(__always)
    func prefetchWalkStart(stage: Int?, named: Bool, persona: Int?) {
        match.withProgram { words in
            // As the match table's view hands it to the walk (``UnsafeBufferPointer/prefetch(_:)``
            // reads nothing).
            if stage != nil || named {
                words.prefetch(bucketBlock(stage: stage, persona: persona))
                return
            }
            // The blocks of stages 0, 1, …, one stride of stages apart.
            let first = bucketBlock(stage: 0, persona: persona)
            let step = bucketBlock(stage: 1, persona: persona) &- first
            var block = first
            for _ in 0..<Swift.min(stageCount, Self.prefetchedStages) {
                words.prefetch(block)
                block &+= step
            }
            // The signals' conditions, in the program's first three lines (compiled before the
            // rules), and the signals' words (each stage's count of conditions and their start):
            // ~0.75 L2 misses an evaluation at 100,000 rules, read one after the other after the
            // process value's record (README, req16 and merge16).
            words.prefetch(0)
            words.prefetch(16)
            words.prefetch(32)
            words.prefetch(signalWords.lowerBound)
            words.prefetch(signalWords.upperBound &- 1)
        }
    }

    /// How many stages' blocks ``prefetchWalkStart(stage:named:persona:)`` asks for when the signals
    /// choose the stage: one of them is read, the others are lines loaded for nothing.
    static let prefetchedStages = 4
}
