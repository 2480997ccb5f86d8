/// Ids (or values) of a rule set to their dense indices: built once per load, read on every request.
///
/// A request names its journey, stage, persona and context keys and values by string; each is
/// looked up here. `Dictionary<String, Int>` hashes a key with SipHash, which cost ~250 instructions
/// per short id, about a fifth of an evaluation. Ids in rules are nearly always ASCII, so their
/// ASCII keys also sit in an open-addressing array under a cheap multiplicative hash of their
/// bytes; everything Unicode canonical equivalence could make equal (a request string that is not
/// ASCII, or an ASCII one while some key is not) is answered by the dictionary, so a lookup finds
/// exactly what `Dictionary` finds.
///
/// The cheap hash is safe against flooding: a request only reads the table, and the longest probe
/// sequence is fixed by the rule set's own keys when it is built.
final class IDTable: Sendable {
    /// Every key and its index: the fallback, and what callers enumerate (for "did you mean").
    let dictionary: [String: Int]
    /// The ASCII keys with their hashes and indices, in the order they were added: what the
    /// subscript compares a request's string with (``Entry``).
    private let entries: ContiguousArray<Entry>
    /// The subscript's open addressing with linear probing: an index into `entries`, or -1 for an
    /// empty slot.
    private let slots: ContiguousArray<Int32>
    private let mask: Int
    /// ``plainIndex(of:)``'s open addressing with linear probing, the same slots: one record of
    /// ``recordWords`` words (a cache line) a slot, the first at word ``lead``, which starts a
    /// line (``Record``). A record holds its key's hash, count, words and index together, so that
    /// a probe reads one line.
    ///
    /// Why (issue 15, branch miss15-req): `plainIndex` read a slot and then an 80-byte entry (its
    /// digest, key and index), so a lookup in a table that is not in the caches read the slot's
    /// line and two lines of the entry. At 100,000 rules the process values' table (5,000 keys,
    /// 400 KB of entries) is not: ~2.1 of an evaluation's ~29 L2 misses (cachegrind) were its
    /// lookups; with records, ~0.9. The subscript keeps its slots and (now 32-byte) entries: on
    /// the records it cost ~5 instructions a lookup more (the records' `lead`, the key's
    /// position), ~40 an evaluation, for tables (journeys, personas, context keys) that are in
    /// the caches anyway.
    private let records: ContiguousArray<UInt64>
    /// How many words of ``records`` come before slot 0's record (an array's elements start 32
    /// bytes into its heap object, which is 16-byte aligned only).
    private let lead: Int
    /// The slots' count less one, times ``recordWords``: a probe's next record, in words, is
    /// `(offset + recordWords) & wordMask` (offsets in words, not slots: a shift less a probe).
    private let wordMask: Int
    /// 64 minus the number of bits of a slot index: a key's first slot is the top bits of its hash
    /// times the golden ratio (``firstSlot(_:)``).
    private let shift: Int
    private let hasNonASCIIKey: Bool

    /// The words of a slot's record: 64 bytes, a cache line on the machines measured.
    static let recordWords = 8

    /// Where each field is in a slot's record.
    ///
    /// - ``hash``: the key's hash (``Digest/hash``);
    /// - ``tag``: the key's UTF-8 count plus one (0: an empty slot);
    /// - ``words``...+3: ``Digest/words`` (zeros for a key longer than ``Digest/wordLimit``, which
    ///   ``plainIndex(of:)`` never matches: its count differs from any it compares);
    /// - ``index``: the key's index (its `Int`'s bits); the last word is unused.
    enum Record {
        static let hash = 0
        static let tag = 1
        static let words = 2
        static let index = 6
    }

    /// An ASCII key as the subscript reads it: its hash and index (32 bytes; with the digest, read
    /// by ``plainIndex(of:)`` from ``records`` now, an entry was 80). Its bytes as the hash read
    /// them (``Digest/words``) are in its record, so that ``plainIndex(of:)`` compares words
    /// instead of strings (the subscript compares the hash, then the strings).
    private struct Entry: Sendable {
        let hash: UInt64
        let key: String
        let index: Int
    }

    /// A key's hash, whether it is all ASCII, and, for a key of at most ``Digest/wordLimit`` bytes,
    /// its bytes as the hash read them: two keys of that length are equal exactly when their counts
    /// and words are. The words are those ``WordHash/mix(_:into:)`` mixes, in order (zero past the
    /// last): for fewer than eight bytes, one word of two or three overlapping loads; else each
    /// eight bytes from the start and the last eight, overlapping the word before. Either way every
    /// byte is in a word at a place fixed by the count.
    ///
    /// Why: a hit compared the request's string with the key's with `String ==`, which for two
    /// strings of more than 15 bytes (a process such as `parkeervergunning-12`: not small strings,
    /// so never the same bits) went through the standard library's comparison (~120 instructions;
    /// ~250 an evaluation at 10,000 rules). Comparing the bytes in the closure over the request's
    /// bytes nested the table's closures in it and cost more than it saved (+590, branch eval8);
    /// the words come out of the hash's own closure.
    struct Digest: Sendable, Equatable {
        static let wordLimit = 32
        var hash: UInt64
        var count: Int
        var ascii: Bool
        var words: (UInt64, UInt64, UInt64, UInt64)

        /// The digest of `raw`'s bytes.
        @inline(__always)
        init(_ raw: UnsafeRawBufferPointer) {
            let count = raw.count
            self.count = count
            guard count <= Self.wordLimit else {
                let mixed = WordHash.mix(raw, into: 0x9E37_79B9_7F4A_7C15 ^ UInt64(count))
                (hash, ascii, words) = (mixed.hash, mixed.ascii, (0, 0, 0, 0))
                return
            }
            var first: UInt64 = 0
            var second: UInt64 = 0
            var third: UInt64 = 0
            var fourth: UInt64 = 0
            if count >= 8 {
                first = raw.loadUnaligned(as: UInt64.self)
                if count > 8 { second = raw.loadUnaligned(fromByteOffset: count > 16 ? 8 : count &- 8, as: UInt64.self) }
                if count > 16 { third = raw.loadUnaligned(fromByteOffset: count > 24 ? 16 : count &- 8, as: UInt64.self) }
                if count > 24 { fourth = raw.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self) }
            } else if count >= 4 {
                first = UInt64(raw.loadUnaligned(as: UInt32.self)) | UInt64(raw.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)) &<< 32
            } else if count > 0 {
                first = UInt64(raw[0]) | UInt64(raw[count &>> 1]) &<< 8 | UInt64(raw[count &- 1]) &<< 16
            }
            // As `WordHash.mix` mixes them: one word for up to eight bytes, then one per eight more.
            var hash = 0x9E37_79B9_7F4A_7C15 ^ UInt64(count)
            @inline(__always)
            func mix(_ word: UInt64) {
                hash = (hash ^ word) &* 0xFF51_AFD7_ED55_8CCD
                hash ^= hash &>> 29
            }
            if count > 0 { mix(first) }
            if count > 8 { mix(second) }
            if count > 16 { mix(third) }
            if count > 24 { mix(fourth) }
            self.hash = hash
            self.ascii = (first | second | third | fourth) & 0x8080_8080_8080_8080 == 0
            self.words = (first, second, third, fourth)
        }

        /// Whether the key with this digest is `key`, whose digest is `other` (both ASCII).
        @inline(__always)
        func matches(_ other: Digest, key: @autoclosure () -> Bool) -> Bool {
            guard hash == other.hash, count == other.count else { return false }
            guard count <= Self.wordLimit else { return key() }
            return words.0 == other.words.0 && words.1 == other.words.1 && words.2 == other.words.2 && words.3 == other.words.3
        }

        static func == (a: Digest, b: Digest) -> Bool {
            a.hash == b.hash && a.count == b.count && a.ascii == b.ascii && a.words.0 == b.words.0 && a.words.1 == b.words.1
                && a.words.2 == b.words.2 && a.words.3 == b.words.3
        }
    }

    /// Each key maps to its position in `keys`; a key given twice keeps its first position.
    convenience init(_ keys: some Sequence<String>) {
        var dictionary: [String: Int] = [:]
        for (index, key) in keys.enumerated() where dictionary[key] == nil { dictionary[key] = index }
        self.init(dictionary)
    }

    init(_ dictionary: [String: Int]) {
        self.dictionary = dictionary
        var keys: [(digest: Digest, key: String, index: Int)] = []
        var hasNonASCIIKey = false
        // Sorted by index, so that the table's layout does not follow the dictionary's per-process order.
        for (key, index) in dictionary.sorted(by: { $0.value < $1.value }) {
            guard let digest = Self.digest(key), digest.ascii else {
                hasNonASCIIKey = true
                continue
            }
            keys.append((digest, key, index))
        }
        var capacity = 4
        var bits = 2
        while capacity < keys.count * 2 {
            capacity *= 2
            bits += 1
        }
        let shift = 64 - bits
        var slots = ContiguousArray<Int32>(repeating: -1, count: capacity)
        for (position, key) in keys.enumerated() {
            var slot = Self.firstSlot(key.digest.hash, shift: shift)
            while slots[slot] >= 0 { slot = (slot + 1) & (capacity - 1) }
            slots[slot] = Int32(position)
        }
        var lead = 0
        let lineWords = Self.recordWords
        let records = ContiguousArray<UInt64>(unsafeUninitializedCapacity: capacity * lineWords + lineWords - 1) { buffer, count in
            let lineBytes = lineWords * MemoryLayout<UInt64>.stride
            lead = (lineBytes - Int(bitPattern: buffer.baseAddress) % lineBytes) % lineBytes / MemoryLayout<UInt64>.stride
            count = lead + capacity * lineWords
            buffer[..<count].initialize(repeating: 0)
            // The same slots as the subscript's: each key's record where its position is.
            for slot in 0..<capacity where slots[slot] >= 0 {
                let key = keys[Int(slots[slot])]
                let record = lead + slot * lineWords
                buffer[record + Record.hash] = key.digest.hash
                buffer[record + Record.tag] = UInt64(key.digest.count + 1)
                buffer[record + Record.words] = key.digest.words.0
                buffer[record + Record.words + 1] = key.digest.words.1
                buffer[record + Record.words + 2] = key.digest.words.2
                buffer[record + Record.words + 3] = key.digest.words.3
                buffer[record + Record.index] = UInt64(bitPattern: Int64(key.index))
            }
        }
        self.entries = ContiguousArray(keys.map { Entry(hash: $0.digest.hash, key: $0.key, index: $0.index) })
        self.slots = slots
        self.mask = capacity - 1
        self.records = records
        self.lead = lead
        self.wordMask = (capacity - 1) * lineWords
        self.shift = shift
        self.hasNonASCIIKey = hasNonASCIIKey
    }

    var count: Int { dictionary.count }
    var isEmpty: Bool { dictionary.isEmpty }
    var keys: Dictionary<String, Int>.Keys { dictionary.keys }

    /// Inlined where it is asked (the request path asks ~9 times a request): the call's frame was a
    /// fifth of a lookup, and the caller retained the table around the call. What is not ASCII goes
    /// to the dictionary out of line (``slowIndex(of:)``).
    @inline(__always)
    subscript(key: String) -> Int? {
        guard let (hash, ascii) = Self.hash(key), ascii else { return slowIndex(of: key) }
        let found = slots.withUnsafeBufferPointer { slots in
            entries.withUnsafeBufferPointer { entries -> Int? in
                var slot = Self.firstSlot(hash, shift: shift)
                while true {
                    let position = Int(slots[slot])
                    if position < 0 { return nil }
                    if entries[position].hash == hash, entries[position].key == key { return entries[position].index }
                    slot = (slot &+ 1) & mask
                }
            }
        }
        if let found { return found }
        return hasNonASCIIKey ? slowIndex(of: key) : nil
    }

    /// What ``plainIndex(of:)`` answers when the table alone cannot decide.
    static let undecided = -2

    /// The index of `key`, -1 when it is not here, or ``undecided`` when only the dictionary or a
    /// string comparison could tell (a key that is not ASCII or longer than ``Digest/wordLimit``
    /// bytes, or a miss while some key is not ASCII): then ask ``subscript(_:)``. Calls nothing it
    /// does not inline, so that a caller reading `key` where a request holds it need not copy it
    /// first (see `RuleSet.resolve`).
    @inline(__always)
    func plainIndex(of key: String) -> Int {
        guard let digest = Self.digest(key), digest.ascii, digest.count <= Digest.wordLimit else { return Self.undecided }
        let count = UInt64(truncatingIfNeeded: digest.count &+ 1)
        let found = records.withUnsafeBufferPointer { records -> Int in
            guard let start = records.baseAddress else { return -1 }
            let base = start + lead
            var offset = Self.firstSlot(digest.hash, shift: shift) &* Self.recordWords
            while true {
                let record = base + offset
                let tag = record[Record.tag]
                if tag == 0 { return -1 }
                if record[Record.hash] == digest.hash, tag == count, record[Record.words] == digest.words.0,
                   record[Record.words &+ 1] == digest.words.1, record[Record.words &+ 2] == digest.words.2,
                   record[Record.words &+ 3] == digest.words.3 {
                    return Int(truncatingIfNeeded: record[Record.index])
                }
                offset = (offset &+ Self.recordWords) & wordMask
            }
        }
        return found < 0 && hasNonASCIIKey ? Self.undecided : found
    }

    /// Where slot 0's record starts within its cache line, in bytes (0: at the line's start), for tests.
    var recordOffsetInLine: Int {
        records.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress.map { $0 + lead }) % (Self.recordWords * 8) }
    }

    /// The dictionary's answer: for a key that is not ASCII, or one no ASCII key matched while some
    /// key is not ASCII.
    @inline(never)
    private func slowIndex(of key: String) -> Int? {
        dictionary[key]
    }

    /// The index of `key`, nil for nil: a request's optional id looked up where the request holds
    /// it (binding it with `if let` first copied it, a retain and a release). Inlined as the other
    /// (it was called, twice a request).
    @inline(__always)
    subscript(key: String?) -> Int? {
        guard let key else { return nil }
        return self[key]
    }

    func contains(_ key: String) -> Bool { self[key] != nil }

    /// The slot a key with `hash` is looked for first: the top bits of the hash times the golden
    /// ratio (Fibonacci hashing). Taking the hash's low bits (`hash & mask`) left the benchmark's
    /// ids in clusters, ~2.7 entries compared per lookup; spread this way a request's ~9 lookups cost
    /// ~120 instructions less.
    @inline(__always)
    private static func firstSlot(_ hash: UInt64, shift: Int) -> Int {
        Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) &>> UInt64(shift))
    }

    /// A multiplicative hash of the UTF-8 bytes (``WordHash``, the same as a ``Digest``'s) and
    /// whether they are all ASCII; nil for a string without contiguous UTF-8. The subscript's
    /// lookup: computing the whole digest there made it too large to be inlined (+~250 an evaluation).
    @inline(__always)
    static func hash(_ key: String) -> (UInt64, Bool)? {
        key.utf8.withContiguousStorageIfAvailable { bytes -> (UInt64, Bool) in
            let mixed = WordHash.mix(UnsafeRawBufferPointer(bytes), into: 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count))
            return (mixed.hash, mixed.ascii)
        }
    }

    /// The ``Digest`` of the UTF-8 bytes; nil for a string without contiguous UTF-8 (never the
    /// case for native Swift strings).
    @inline(__always)
    static func digest(_ key: String) -> Digest? {
        key.utf8.withContiguousStorageIfAvailable { Digest(UnsafeRawBufferPointer($0)) }
    }
}
