extension CompiledJourney {
    /// This journey with its program read from `region` at word `offset` (``MatchTable/placed(in:at:)``);
    /// everything else is shared with this one.
    func placed(in region: WordRegion, at offset: Int) -> CompiledJourney {
        CompiledJourney(
            id: id, stageIDs: stageIDs, stageIndex: stageIndex, stageHints: stageHints, stageWhens: stageWhens,
            stageFallbacks: stageFallbacks, fallback: fallback, rules: rules, match: match.placed(in: region, at: offset),
            bucketBlocks: bucketBlocks, bucketStride: bucketStride, personaSlots: personaSlots, filedKeys: filedKeys,
            filedValues: filedValues, stageIDWords: stageIDWords, signalWords: signalWords)
    }

    /// `journeys` with their programs moved into one ``WordRegion`` (huge pages where the kernel
    /// gives them), each from a cache line's start, as the records' layout assumes
    /// (``MatchTable/endRecord(notes:aligning:)``); their arrays are let go with the journeys given.
    /// The journeys as given when the system refuses the mapping: the same answers, ordinary pages.
    static func inOneRegion(_ journeys: [CompiledJourney]) -> [CompiledJourney] {
        var offsets: [Int] = []
        offsets.reserveCapacity(journeys.count)
        var words = 0
        for journey in journeys {
            offsets.append(words)
            let count = Int(journey.match.counts.program)
            words += (count + MatchTable.lineWords - 1) / MatchTable.lineWords * MatchTable.lineWords
        }
        guard !journeys.isEmpty,
              let region = WordRegion(words: words, fill: { region in
                  for (journey, offset) in zip(journeys, offsets) {
                      let count = Int(journey.match.counts.program)
                      journey.match.copyProgram(to: UnsafeMutableBufferPointer(rebasing: region[offset..<offset + count]))
                  }
              })
        else { return journeys }
        return zip(journeys, offsets).map { journey, offset in journey.placed(in: region, at: offset) }
    }
}
