/// "Did you mean …" for unknown ids: the nearest known ids by edit distance.
enum Suggestions {
    /// The largest vocabulary a request-path warning looks for a hint in (see `RuleSet.unknown`).
    static let requestPathLimit = 256

    /// Up to `limit` candidates close enough to `name` to be what the writer meant, all at the nearest distance.
    static func nearest(to name: String, in candidates: some Sequence<String>, limit: Int = 3) -> [String] {
        nearest(to: name, among: candidates.lazy.map(Plain.init), limit: limit)
    }

    static func nearest<Candidate: HintCandidate>(to name: String, among candidates: some Sequence<Candidate>,
                                                  limit: Int = 3) -> [String] {
        let target = scalars(of: name)
        let threshold = max(2, target.count / 3)
        // An ASCII name against an ASCII candidate (nearly always) is compared as bytes: equal and
        // prefixes exactly as `String` compares them (see `String.hasPrefixComparingBytes`), without
        // reading each candidate's `String` three times.
        let nameBytes = asciiBytes(of: name)
        var scored: [(distance: Int, candidate: String)] = []
        for candidate in candidates {
            let distance: Int
            let isPrefix: Bool
            if let nameBytes, let bytes = candidate.asciiBytes {
                if bytes == nameBytes { continue }
                isPrefix = bytes.withUnsafeBytes { bytes in
                    nameBytes.withUnsafeBytes { name in
                        String.asciiPrefix(bytes, name) == true || String.asciiPrefix(name, bytes) == true
                    }
                }
            } else {
                if candidate.text == name { continue }
                isPrefix = candidate.text.hasPrefixComparingBytes(name) || name.hasPrefixComparingBytes(candidate.text)
            }
            if isPrefix {
                distance = min(threshold, abs(candidate.characterCount - name.count))
            } else {
                // Lengths further apart than the bound cannot be within it: skipped before the
                // candidate's scalars are copied (on the request path most are that far).
                guard abs(candidate.scalarCount - target.count) <= threshold else { continue }
                distance = editDistance(target, candidate.scalars, bound: threshold)
            }
            if distance <= threshold { scored.append((distance, candidate.text)) }
        }
        // Only the nearest: a one-letter typo should not be offered three two-letter alternatives.
        guard let nearest = scored.map(\.distance).min() else { return [] }
        return scored.filter { $0.distance == nearest }.map(\.candidate).sorted().prefix(limit).map { $0 }
    }

    /// The UTF-8 of `text` when it is all ASCII, else nil.
    static func asciiBytes(of text: String) -> [UInt8]? {
        let bytes = text.utf8.withContiguousStorageIfAvailable { bytes -> [UInt8]? in
            var seen: UInt8 = 0
            for byte in bytes { seen |= byte }
            return seen < 0x80 ? Array(bytes) : nil
        }
        return bytes ?? (text.utf8.allSatisfy { $0 < 0x80 } ? Array(text.utf8) : nil)
    }

    /// `Array(name.unicodeScalars)`, from the bytes when they are ASCII (counting the scalars and
    /// then copying them was ~700 instructions for a short id, an eighth of a request-path hint).
    private static func scalars(of name: String) -> [Unicode.Scalar] {
        let ascii = name.utf8.withContiguousStorageIfAvailable { bytes -> [Unicode.Scalar]? in
            var seen: UInt8 = 0
            for byte in bytes { seen |= byte }
            guard seen < 0x80 else { return nil }
            return [Unicode.Scalar](unsafeUninitializedCapacity: bytes.count) { scalars, count in
                for index in 0..<bytes.count { scalars.initializeElement(at: index, to: Unicode.Scalar(bytes[index])) }
                count = bytes.count
            }
        }
        return (ascii ?? nil) ?? Array(name.unicodeScalars)
    }

    /// `did you mean 'a' or 'b'?`, or nil when nothing is close.
    static func hint(for name: String, in candidates: some Sequence<String>) -> String? {
        hint(nearest(to: name, in: candidates))
    }

    static func hint(_ near: [String]) -> String? {
        guard !near.isEmpty else { return nil }
        // Reserved at its length and appended to: on the request path (an unknown id in a request)
        // mapping, joining and concatenating grew and copied the text several times.
        var text = "did you mean "
        text.reserveCapacity(14 + near.reduce(0) { $0 + $1.utf8.count + 6 })
        for (index, candidate) in near.enumerated() {
            if index > 0 { text += " or " }
            text += "'"
            text += candidate
            text += "'"
        }
        text += "?"
        return text
    }

    /// A vocabulary prepared for request-path hints when the rule set is built: each id's scalars and
    /// lengths, which were otherwise counted and copied again for every unknown id of every request.
    /// Holds nothing for a vocabulary over ``requestPathLimit`` ids (no hint on the request path).
    ///
    /// A class: a warning's code copied the vocabulary (a stage's out of its journey, a closed key's
    /// out of an optional), a retain and a release of each of its eleven arrays.
    final class Vocabulary: Sendable {
        struct Entry: HintCandidate, Sendable {
            let text: String
            let scalars: [Unicode.Scalar]
            let characterCount: Int
            let asciiBytes: [UInt8]?
            var scalarCount: Int { scalars.count }
        }

        let entries: [Entry]?
        /// When every id is ASCII (nearly always): their bytes one after another, where each ends, and
        /// each one's `Character` count (CR LF is one). An ASCII name is compared with them where
        /// they lie (``nearestASCII(to:limit:)``): reading each ``Entry`` copied it, three references
        /// retained and released per id, more than comparing it.
        private let bytes: [UInt8]
        private let ends: [Int32]
        private let characterCounts: [Int32]
        /// The ASCII ids' positions ordered by their length in bytes, and where each length starts in
        /// that order (`lengthStarts[l]..<lengthStarts[l + 1]`, for every length up to the longest):
        /// only ids whose lengths are within a name's edit bound of its own can be within it by
        /// distance, so only those are compared (``nearestASCII(to:limit:)``).
        private let byLength: [UInt16]
        private let lengthStarts: [Int32]
        /// The ASCII ids' positions ordered by their first byte (bucket 128: the empty id), and where
        /// each bucket starts (`firstByteStarts[b]..<firstByteStarts[b + 1]`): an id of any length
        /// is offered when it is a prefix of the name or the name of it, and then (both not empty)
        /// it starts with the name's first byte.
        private let byFirstByte: [UInt16]
        private let firstByteStarts: [Int32]
        /// Each ASCII id's place among the ids sorted as `String`s: the ids offered are sorted by it
        /// (integers), not by comparing their texts.
        private let ranks: [UInt16]
        /// Each ASCII id's letters as a set (``letters(of:)``): the letters one text has and the
        /// other lacks each take an edit, so their count bounds the distance from below, and an id
        /// whose bound is past the name's bound (or past the nearest found) is not compared. Of an
        /// unknown persona's three ids within its length window, one was left to compare.
        private let letterSets: [UInt64]

        init(_ known: some Collection<String>) {
            let entries = known.count <= Suggestions.requestPathLimit
                ? known.map { text in
                    Entry(text: text, scalars: Array(text.unicodeScalars), characterCount: text.count,
                          asciiBytes: Suggestions.asciiBytes(of: text))
                } : nil
            self.entries = entries
            var bytes: [UInt8] = []
            var ends: [Int32] = []
            var characterCounts: [Int32] = []
            var byLength: [UInt16] = []
            var lengthStarts: [Int32] = []
            var byFirstByte: [UInt16] = []
            var firstByteStarts: [Int32] = []
            var ranks: [UInt16] = []
            var letterSets: [UInt64] = []
            if let entries, entries.allSatisfy({ $0.asciiBytes != nil }) {
                for entry in entries {
                    bytes.append(contentsOf: entry.asciiBytes ?? [])
                    ends.append(Int32(bytes.count))
                    characterCounts.append(Int32(entry.characterCount))
                }
                let lengths = entries.map { $0.asciiBytes?.count ?? 0 }
                let firstBytes = entries.map { Int($0.asciiBytes?.first ?? 128) }
                // Stable sorts (by position within a length or a byte), so that the order is the vocabulary's.
                byLength = entries.indices.sorted { (lengths[$0], $0) < (lengths[$1], $1) }.map { UInt16($0) }
                byFirstByte = entries.indices.sorted { (firstBytes[$0], $0) < (firstBytes[$1], $1) }.map { UInt16($0) }
                lengthStarts = Self.starts(of: lengths, buckets: (lengths.max() ?? 0) + 1)
                firstByteStarts = Self.starts(of: firstBytes, buckets: 129)
                ranks = [UInt16](repeating: 0, count: entries.count)
                let sorted = entries.indices.sorted { (entries[$0].text, $0) < (entries[$1].text, $1) }
                for (rank, index) in sorted.enumerated() { ranks[index] = UInt16(rank) }
                letterSets = entries.map { entry in (entry.asciiBytes ?? []).withUnsafeBufferPointer(Self.letters) }
            }
            self.bytes = bytes
            self.ends = ends
            self.characterCounts = characterCounts
            self.byLength = byLength
            self.lengthStarts = lengthStarts
            self.byFirstByte = byFirstByte
            self.firstByteStarts = firstByteStarts
            self.ranks = ranks
            self.letterSets = letterSets
        }

        /// The set of `text`'s bytes, folded to 64 bits (bit `byte % 64`). Folding merges letters,
        /// which only lowers the bound (``letterSets``): two folded sets differ in at most as many
        /// bits as the texts have letters the other lacks.
        static func letters(_ text: UnsafeBufferPointer<UInt8>) -> UInt64 {
            var set: UInt64 = 0
            for byte in text { set |= 1 &<< UInt64(byte & 63) }
            return set
        }

        /// Where each bucket starts in the ids ordered by bucket (`keys[i]` is id i's), with the end
        /// last: `buckets + 1` values.
        private static func starts(of keys: [Int], buckets: Int) -> [Int32] {
            var starts = [Int32](repeating: 0, count: buckets + 1)
            for key in keys { starts[key + 1] += 1 }
            for bucket in 0..<buckets { starts[bucket + 1] += starts[bucket] }
            return starts
        }

        /// `did you mean …?` for `name`, or nil.
        func hint(for name: String) -> String? {
            nearest(to: name).flatMap(Suggestions.hint)
        }

        /// The ids a hint for `name` offers (``Suggestions/nearest(to:among:limit:)``), nil for a
        /// vocabulary too large for the request path. The warning writes the hint's text from them
        /// itself (`RuleSet.unknown`), without the text ``hint(for:)`` would make first.
        func nearest(to name: String) -> [String]? {
            guard let entries else { return nil }
            return nearestASCII(to: name) ?? Suggestions.nearest(to: name, among: entries)
        }

        /// ``Suggestions/nearest(to:among:limit:)`` for an ASCII `name` among ASCII ids, read in
        /// place; nil when either is not ASCII (or the vocabulary is empty), for the general path.
        /// The same choice: for ASCII texts scalars are bytes, and prefixes are decided by
        /// ``Swift/String/asciiPrefix(_:_:)`` on both paths.
        ///
        /// Only the ids that can be offered are compared: those whose lengths are within the bound
        /// of the name's (``byLength``), and those outside it that could be prefixes (the same first
        /// byte, or empty; ``byFirstByte``). Comparing every id cost ~1,850 instructions for an
        /// unknown persona among 12 (of which 3 are within its bound), ~150 an evaluation.
        func nearestASCII(to name: String, limit: Int = 3) -> [String]? {
            guard let entries, !ends.isEmpty else { return nil }
            let nearest = name.utf8.withContiguousStorageIfAvailable { name -> [String]? in
                var seen: UInt8 = 0
                for byte in name { seen |= byte }
                guard seen < 0x80 else { return nil }
                return withUnsafeTemporaryAllocation(of: Int.self, capacity: ends.count) { found in
                    let count = search(name, into: found)
                    // The `limit` first by rank, chosen one at a time (a handful of ids at most, nearly always).
                    let chosen = Swift.min(Swift.max(0, limit), count)
                    var texts: [String] = []
                    texts.reserveCapacity(chosen)
                    for place in 0..<chosen {
                        var first = place
                        for other in (place &+ 1)..<count where ranks[found[other]] < ranks[found[first]] { first = other }
                        found.swapAt(place, first)
                        texts.append(entries[found[place]].text)
                    }
                    return texts
                }
            }
            return nearest ?? nil
        }

        /// The positions of the ids nearest to the ASCII `name` (in no particular order), written to
        /// `found`; how many there are.
        private func search(_ name: UnsafeBufferPointer<UInt8>, into found: UnsafeMutableBufferPointer<Int>) -> Int {
            let threshold = Swift.max(2, name.count / 3)
            // The name's `Character` count: for ASCII its bytes, less one for each CR LF.
            var nameCharacters = name.count
            for index in name.indices.dropFirst() where name[index] == 0x0A && name[index &- 1] == 0x0D { nameCharacters &-= 1 }
            return withUnsafeTemporaryAllocation(of: Int.self, capacity: ends.count) { candidates in
                // The ids to compare: every one for an empty name (each is its prefix); else those of
                // lengths within the bound, then those outside it that could be prefixes.
                var candidateCount = 0
                if name.isEmpty {
                    for index in 0..<ends.count { candidates[index] = index }
                    candidateCount = ends.count
                } else {
                    let shortest = Swift.max(0, name.count &- threshold)
                    let longest = Swift.min(lengthStarts.count &- 2, name.count &+ threshold)
                    if shortest <= longest {
                        for place in Int(lengthStarts[shortest])..<Int(lengthStarts[longest &+ 1]) {
                            candidates[candidateCount] = Int(byLength[place])
                            candidateCount &+= 1
                        }
                    }
                    // The name's first byte's bucket, then the empty id's.
                    for round in 0..<2 {
                        let bucket = round == 0 ? Int(name[0]) : 128
                        for place in Int(firstByteStarts[bucket])..<Int(firstByteStarts[bucket &+ 1]) {
                            let index = Int(byFirstByte[place])
                            let length = Int(ends[index]) &- (index == 0 ? 0 : Int(ends[index &- 1]))
                            guard length < shortest || length > longest else { continue }
                            candidates[candidateCount] = index
                            candidateCount &+= 1
                        }
                    }
                }
                var best = Int.max
                var foundCount = 0
                let nameLetters = Self.letters(name)
                // The name's positions of each byte, for ``Suggestions/bitParallelDistance(_:length:_:)``.
                withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 128) { positions in
                    let fits = (1...64).contains(name.count)
                    if fits {
                        positions.initialize(repeating: 0)
                        for index in 0..<name.count { positions[Int(name[index])] |= 1 &<< UInt64(index) }
                    }
                    bytes.withUnsafeBufferPointer { bytes in
                        ends.withUnsafeBufferPointer { ends in
                            for place in 0..<candidateCount {
                                let index = candidates[place]
                                let start = index == 0 ? 0 : Int(ends[index &- 1])
                                let candidate = UnsafeBufferPointer(rebasing: bytes[start..<Int(ends[index])])
                                // Letters one has and the other lacks: at least that many edits.
                                let letters = letterSets[index]
                                let lowerBound = Swift.max((letters & ~nameLetters).nonzeroBitCount, (nameLetters & ~letters).nonzeroBitCount)
                                guard let distance = Self.distance(of: candidate, at: index, to: name, characters: nameCharacters,
                                                                   positions: fits ? positions : nil, threshold: threshold,
                                                                   skipping: Swift.min(threshold, best) < lowerBound,
                                                                   characterCounts: characterCounts),
                                      distance <= best else { continue }
                                if distance < best {
                                    best = distance
                                    foundCount = 0
                                }
                                found[foundCount] = index
                                foundCount &+= 1
                            }
                        }
                    }
                }
                return foundCount
            }
        }

        /// The distance ``Suggestions/nearest(to:among:limit:)`` gives the ASCII id `candidate` (at
        /// `index`) from the ASCII `name`, or nil when it is not offered (the same text, or too far).
        /// `characters`: the name's `Character` count; `positions`: the name's positions of each byte,
        /// when it has at most 64 (else the rows); `skipping`: whether an id that is not a prefix is
        /// known to be too far (its letters' bound), so that its distance need not be computed.
        private static func distance(of candidate: UnsafeBufferPointer<UInt8>, at index: Int, to name: UnsafeBufferPointer<UInt8>,
                                     characters nameCharacters: Int, positions: UnsafeMutableBufferPointer<UInt64>?, threshold: Int,
                                     skipping: Bool, characterCounts: [Int32]) -> Int? {
            if candidate.count == name.count, candidate.elementsEqual(name) { return nil }
            let isPrefix = String.asciiPrefix(UnsafeRawBufferPointer(candidate), UnsafeRawBufferPointer(name)) == true
                || String.asciiPrefix(UnsafeRawBufferPointer(name), UnsafeRawBufferPointer(candidate)) == true
            let distance: Int
            if isPrefix {
                distance = min(threshold, abs(Int(characterCounts[index]) - nameCharacters))
            } else {
                guard !skipping, abs(candidate.count - name.count) <= threshold else { return nil }
                distance = if let positions {
                    Suggestions.bitParallelDistance(UnsafeBufferPointer(positions), length: name.count, candidate)
                } else {
                    Suggestions.editDistance(name, candidate, bound: threshold)
                }
            }
            return distance <= threshold ? distance : nil
        }
    }

    /// A known id as ``nearest(to:among:limit:)`` reads it.
    protocol HintCandidate {
        var text: String { get }
        var characterCount: Int { get }
        var scalarCount: Int { get }
        var scalars: [Unicode.Scalar] { get }
        /// The text's UTF-8 when it is all ASCII (then it is compared as bytes), else nil.
        var asciiBytes: [UInt8]? { get }
    }

    /// An id measured when it is read.
    struct Plain: HintCandidate {
        let text: String
        var characterCount: Int { text.count }
        var scalarCount: Int { text.unicodeScalars.count }
        var scalars: [Unicode.Scalar] { Array(text.unicodeScalars) }
        /// Compared as `String`s: measuring each id's bytes would cost `duwtje check` what it saves.
        var asciiBytes: [UInt8]? { nil }
    }

    /// Levenshtein distance, giving up (returning `bound + 1`) once it must exceed `bound`. One row
    /// in a temporary allocation, read without bounds checks, the cells to the left and up-left kept
    /// in registers, and arithmetic that cannot overflow (every value is at most the longer length)
    /// unchecked: two arrays per call, checked reads and checked sums were most of the cost of a
    /// request-path hint.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], bound: Int) -> Int {
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in editDistance(a, b, bound: bound) } }
    }

    /// The Levenshtein distance between an ASCII pattern of `length` bytes (1 to 64), given by the
    /// positions of each byte in it (`positions[byte]`, bit i for position i), and the ASCII `text`:
    /// the table's columns as bit vectors, one step per byte of `text` (Myers 1999, in Hyyrö's form
    /// for the whole distance, 2003). A request-path hint compared each id cell by cell, ~650
    /// instructions for two ids of ~15 bytes.
    static func bitParallelDistance(_ positions: UnsafeBufferPointer<UInt64>, length: Int, _ text: UnsafeBufferPointer<UInt8>) -> Int {
        let last: UInt64 = 1 &<< UInt64(length &- 1)
        // Vertical differences (cell minus the one above) of the current column, +1 and -1: the
        // first column is 1, 2, 3, …
        var plus: UInt64 = ~0
        var minus: UInt64 = 0
        var score = length
        for byte in text {
            let equal = positions[Int(byte)]
            let verticalOrEqual = equal | minus
            let horizontal = (((equal & plus) &+ plus) ^ plus) | equal
            // Horizontal differences (cell minus the one to the left), +1 and -1.
            var horizontalPlus = minus | ~(horizontal | plus)
            var horizontalMinus = plus & horizontal
            if horizontalPlus & last != 0 {
                score &+= 1
            } else if horizontalMinus & last != 0 {
                score &-= 1
            }
            // Row 0 is 0, 1, 2, …: its horizontal difference is +1.
            horizontalPlus = (horizontalPlus &<< 1) | 1
            horizontalMinus &<<= 1
            plus = horizontalMinus | ~(verticalOrEqual | horizontalPlus)
            minus = horizontalPlus & verticalOrEqual
        }
        return score
    }

    /// ``editDistance(_:_:bound:)`` of any elements (scalars, or the bytes of ASCII texts), within
    /// the band of cells that can be within `bound` (|i - j| ≤ bound): a cell outside it is read as
    /// `bound + 1`, which changes no cell whose distance is within the bound (its cheapest path
    /// stays inside the band) and leaves every other past it.
    static func editDistance<Element: Equatable>(_ a: UnsafeBufferPointer<Element>, _ b: UnsafeBufferPointer<Element>,
                                                 bound: Int) -> Int {
        if abs(a.count - b.count) > bound { return bound + 1 }
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        let outside = bound &+ 1
        let width = b.count + 1
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: width) { row in
            // `row[j]` holds the previous row's cell j until it is overwritten with this row's; a
            // cell never written in the band is outside it, and reads as `outside`.
            for j in 0..<width { row.initializeElement(at: j, to: Swift.min(j, outside)) }
            for i in 1...a.count {
                let scalar = a[i &- 1]
                let low = Swift.max(1, i &- bound)
                let high = Swift.min(b.count, i &+ bound)
                var diagonal = row[low &- 1]  // the previous row's cell j - 1
                var left = outside  // this row's cell j - 1
                var rowMinimum = outside
                if low == 1 {
                    left = Swift.min(i, outside)
                    row[0] = left
                    rowMinimum = left
                }
                var j = low
                while j <= high {
                    let up = row[j]
                    var value = scalar == b[j &- 1] ? diagonal : diagonal &+ 1
                    if up &+ 1 < value { value = up &+ 1 }
                    if left &+ 1 < value { value = left &+ 1 }
                    row[j] = value
                    diagonal = up
                    left = value
                    if value < rowMinimum { rowMinimum = value }
                    j &+= 1
                }
                if rowMinimum > bound { return outside }
            }
            return row[b.count]
        }
    }
}
