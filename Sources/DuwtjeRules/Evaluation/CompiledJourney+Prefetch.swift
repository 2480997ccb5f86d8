import CPrefetch

extension CompiledJourney {
    /// Starts the loads of the lines a request of this journey reads next, once its stage is known
    /// (`stage`, nil for a stage the request did not name or that the journey lacks; `named`: whether
    /// the request named one) and before its context values are looked up: the block of the bucket
    /// the walk reads first (``bucketBlock(stage:persona:)``), or, for a request that leaves its stage
    /// to the signals, the blocks of each stage the signals may choose (at most ``prefetchedStages``)
    /// and the signals' own lines (their ``stageWhens``, the conditions' starts and the program's
    /// first lines, where their conditions are).
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
            for candidate in 0..<Swift.min(stageCount, Self.prefetchedStages) {
                duwtje_prefetch(UnsafeRawPointer(bitPattern: base &+ bucketBlock(stage: candidate, persona: persona) &<< 2))
            }
        }
    }

    /// Starts the loads of what the stage signals read (``signalledStage(_:_:)``), for a request that
    /// names no stage, before its context values are looked up: the signals' ``stageWhens``, the
    /// conditions' starts (``MatchTable/conditions``) and the program's first three lines, where the
    /// signals' conditions are (they are compiled before the rules). Why (issue 15, branch req16):
    /// at 100,000 rules they were ~0.75 L2 misses an evaluation (cachegrind), read one after the
    /// other after the process value's record; interleaved A/B rounds of the eval benchmark at
    /// 100,000 rules (README, req16) gave ~1 % more of the time without them.
    @inline(__always)
    func prefetchSignals() {
        stageWhens.withUnsafeBufferPointer { whens in
            let address = Int(bitPattern: whens.baseAddress)
            duwtje_prefetch(UnsafeRawPointer(bitPattern: address))
            duwtje_prefetch(UnsafeRawPointer(bitPattern: address &+ 64))
        }
        match.conditions.withUnsafeBufferPointer { conditions in
            duwtje_prefetch(UnsafeRawPointer(bitPattern: Int(bitPattern: conditions.baseAddress)))
        }
        match.program.withUnsafeBufferPointer { words in
            let base = Int(bitPattern: words.baseAddress) &+ match.lead &<< 2
            duwtje_prefetch(UnsafeRawPointer(bitPattern: base))
            duwtje_prefetch(UnsafeRawPointer(bitPattern: base &+ 64))
            duwtje_prefetch(UnsafeRawPointer(bitPattern: base &+ 128))
        }
    }

    /// How many stages' blocks ``prefetchWalkStart(stage:named:persona:)`` asks for when the signals
    /// choose the stage: one of them is read, the others are lines loaded for nothing.
    static let prefetchedStages = 4
}
