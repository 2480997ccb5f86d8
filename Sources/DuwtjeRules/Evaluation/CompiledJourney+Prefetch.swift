import CPrefetch

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
        match.program.withUnsafeBufferPointer { words in
            let base = Int(bitPattern: words.baseAddress) &+ match.lead &<< 2
            if stage != nil || named {
                duwtje_prefetch(UnsafeRawPointer(bitPattern: base &+ bucketBlock(stage: stage, persona: persona) &<< 2))
                return
            }
            // The blocks of stages 0, 1, …, one stride of stages apart.
            let first = bucketBlock(stage: 0, persona: persona)
            let step = (bucketBlock(stage: 1, persona: persona) &- first) &<< 2
            var address = base &+ first &<< 2
            for _ in 0..<Swift.min(stageCount, Self.prefetchedStages) {
                duwtje_prefetch(UnsafeRawPointer(bitPattern: address))
                address &+= step
            }
            // The signals' conditions, in the program's first lines (compiled before the rules).
            duwtje_prefetch(UnsafeRawPointer(bitPattern: base))
            duwtje_prefetch(UnsafeRawPointer(bitPattern: base &+ 64))
            duwtje_prefetch(UnsafeRawPointer(bitPattern: base &+ 128))
            prefetchSignals(base: base)
        }
    }

    /// Starts the loads of the rest of what the stage signals read (``signalledStage(_:_:)``), for a
    /// request that names no stage, before its context values are looked up: the lines of the
    /// journey's ``signalWords`` (each stage's count of conditions and their start); the program's
    /// first three lines, where the signals' conditions are, are asked for by
    /// ``prefetchWalkStart(stage:named:persona:)``. Why (issue 15, branches req16 and walk16): at
    /// 100,000 rules what the signals read were ~0.75 L2 misses an evaluation (cachegrind), read one
    /// after the other after the process value's record (README, req16: ~1 % of the 100,000-rule
    /// time in A/B rounds, then for ``stageWhens`` and the conditions' starts, which walk16's signal
    /// words replaced).
    @inline(__always)
    private func prefetchSignals(base: Int) {
        duwtje_prefetch(UnsafeRawPointer(bitPattern: base &+ signalWords.lowerBound &<< 2))
        duwtje_prefetch(UnsafeRawPointer(bitPattern: base &+ (signalWords.upperBound &- 1) &<< 2))
    }

    /// How many stages' blocks ``prefetchWalkStart(stage:named:persona:)`` asks for when the signals
    /// choose the stage: one of them is read, the others are lines loaded for nothing.
    static let prefetchedStages = 4
}
