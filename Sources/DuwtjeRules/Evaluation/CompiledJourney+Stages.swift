import Foundation

extension CompiledJourney {
    /// The position of the stage `id` names; nil for nil or a stage the journey lacks.
    ///
    /// The stages' ids are compared as bytes where the journey's program keeps them
    /// (``stageIDWords``), in the line(s) before the filed keys and values the walk reads next. A
    /// stage whose bytes equal `id`'s is the one ``stageIndex`` finds (two stage ids are never equal
    /// as strings). Why (issue 15, branch walk15): at 100,000 rules the id table's object, its slots
    /// and its entry were ~1.3 L2 misses an evaluation, lines of their own.
    ///
    /// When none is equal, an ASCII `id` names no stage: ASCII texts are canonically equal only when
    /// their bytes are, and the ids are ASCII (the schema's; an id that is not is kept with its count
    /// negated, ``appendID(_:to:)``, and then the table decides). Only text that is not ASCII (which
    /// may still be canonically equal to an id) is looked up in ``stageIndex``. Why (issue 15, branch
    /// req16): an unknown stage (3 % of the benchmark's requests) read the id table's object, its
    /// slots and entries, ~0.13 L2 misses an evaluation at 100,000 rules, to find nothing.
    ///
    /// Not inlined: in the journey's own method its program and id table are read where they stand
    /// (the program directly, past ``MatchTable/lead``: through ``MatchTable/withView(_:)`` and
    /// `String.withUTF8`, ~15 instructions more of retains and releases).
    @inline(never)
    func stagePosition(of id: String?) -> Int? {
        position(of: id)
    }

    /// ``stagePosition(of:)``, and then the loads of what the request reads next started
    /// (``prefetchWalkStart(stage:named:persona:)``), for
    /// a request whose persona is at `persona`: the request path's call. One call out of line for
    /// both: with the prefetches inlined into `RuleSet.resolve`, the optimiser no longer inlined
    /// `resolve` into `evaluate(_:walk:)` nor the persona's ``IDTable`` lookup into `resolve`
    /// (+136 instructions an evaluation, callgrind).
    @inline(never)
    func stagePosition(of id: String?, prefetchingFor persona: Int?) -> Int? {
        let stage = position(of: id)
        prefetchWalkStart(stage: stage, named: id != nil, persona: persona)
        return stage
    }

    @inline(__always)
    private func position(of id: String?) -> Int? {
        guard let id else { return nil }
        // A position; -1: no stage; -2: the id table decides.
        let found = id.utf8.withContiguousStorageIfAvailable { bytes -> Int in
            match.withProgram { words in
                var offset = stageIDWords.lowerBound
                let end = stageIDWords.upperBound
                var position = 0
                var allASCII = true
                while offset < end {
                    let stored = Int(words[offset])
                    let count = stored < 0 ? ~stored : stored
                    if stored < 0 {
                        allASCII = false
                    } else if count == bytes.count, Self.equal(bytes, words, at: offset &+ 1) {
                        return position
                    }
                    offset &+= 1 &+ (count &+ 3) &>> 2
                    position &+= 1
                }
                return allASCII && Self.isASCII(bytes) ? -1 : -2
            }
        } ?? -2
        if found >= 0 { return found }
        return found == -1 ? nil : stageIndex[id]
    }

    /// Appends `id` to `program` as ``stagePosition(of:)`` reads it: its UTF-8 count (its bitwise
    /// complement, negative, for an id that is not all ASCII), then its bytes, four to a word, in order
    /// in memory (little-endian), the last word padded with zeros.
    static func appendID(_ id: String, to program: inout ContiguousArray<Int32>) {
        let bytes = Array(id.utf8)
        program.append(bytes.allSatisfy { $0 < 0x80 } ? Int32(bytes.count) : ~Int32(bytes.count))
        for start in stride(from: 0, to: bytes.count, by: 4) {
            var word: UInt32 = 0
            for offset in 0..<min(4, bytes.count - start) { word |= UInt32(bytes[start + offset]) << (8 * offset) }
            program.append(Int32(bitPattern: word.littleEndian))
        }
    }

    /// Whether every byte of `bytes` is ASCII.
    @inline(__always)
    private static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var seen: UInt8 = 0
        for byte in bytes { seen |= byte }
        return seen < 0x80
    }

    /// Whether `bytes` equal the bytes kept from word `offset` of `program` on (as many as `bytes` has).
    @inline(__always)
    private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ program: UnsafeBufferPointer<Int32>, at offset: Int) -> Bool {
        guard let base = program.baseAddress, let text = bytes.baseAddress else { return bytes.isEmpty }
        return memcmp(UnsafeRawPointer(base + offset), text, bytes.count) == 0
    }
}
