import Foundation

extension CompiledJourney {
    /// The position of the stage `id` names; nil for nil or a stage the journey lacks.
    ///
    /// The stages' ids are compared as bytes where the journey's program keeps them
    /// (``stageIDWords``), in the line(s) before the filed keys and values the walk reads next. A
    /// stage whose bytes equal `id`'s is the one ``stageIndex`` finds (two stage ids are never equal
    /// as strings); when none does, ``stageIndex`` decides as before (text that is not ASCII may
    /// still be canonically equal to an id). Why (issue 15, branch walk15): at 100,000 rules the id
    /// table's object, its slots and its entry were ~1.3 L2 misses an evaluation, lines of their own.
    ///
    /// Not inlined: in the journey's own method its program and id table are read where they stand
    /// (the program directly, past ``MatchTable/lead``: through ``MatchTable/withView(_:)`` and
    /// `String.withUTF8`, ~15 instructions more of retains and releases).
    @inline(never)
    func stagePosition(of id: String?) -> Int? {
        guard let id else { return nil }
        let found: Int?? = id.utf8.withContiguousStorageIfAvailable { bytes in
            match.program.withUnsafeBufferPointer { words in
                var offset = match.lead &+ stageIDWords.lowerBound
                let end = match.lead &+ stageIDWords.upperBound
                var position = 0
                while offset < end {
                    let count = Int(words[offset])
                    if count == bytes.count, Self.equal(bytes, words, at: offset &+ 1) { return position }
                    offset &+= 1 &+ (count &+ 3) &>> 2
                    position &+= 1
                }
                return nil
            }
        }
        if let found = found ?? nil { return found }
        return stageIndex[id]
    }

    /// Appends `id` to `program` as ``stagePosition(of:)`` reads it: its UTF-8 count, then its bytes,
    /// four to a word, in order in memory (little-endian), the last word padded with zeros.
    static func appendID(_ id: String, to program: inout ContiguousArray<Int32>) {
        let bytes = Array(id.utf8)
        program.append(Int32(bytes.count))
        for start in stride(from: 0, to: bytes.count, by: 4) {
            var word: UInt32 = 0
            for offset in 0..<min(4, bytes.count - start) { word |= UInt32(bytes[start + offset]) << (8 * offset) }
            program.append(Int32(bitPattern: word.littleEndian))
        }
    }

    /// Whether `bytes` equal the bytes kept from word `offset` of `program` on (as many as `bytes` has).
    @inline(__always)
    private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ program: UnsafeBufferPointer<Int32>, at offset: Int) -> Bool {
        guard let base = program.baseAddress, let text = bytes.baseAddress else { return bytes.isEmpty }
        return memcmp(UnsafeRawPointer(base + offset), text, bytes.count) == 0
    }
}
