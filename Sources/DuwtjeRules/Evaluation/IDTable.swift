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
    /// The ASCII keys with their hashes and indices, in the order they were added.
    private let entries: [Entry]
    /// Open addressing with linear probing: an index into `entries`, or -1 for an empty slot.
    private let slots: [Int32]
    private let mask: Int
    /// 64 minus the number of bits of a slot index: a key's first slot is the top bits of its hash
    /// times the golden ratio (``firstSlot(_:)``).
    private let shift: Int
    private let hasNonASCIIKey: Bool

    private struct Entry: Sendable {
        let key: String
        let hash: Int
        let index: Int
    }

    /// Each key maps to its position in `keys`; a key given twice keeps its first position.
    convenience init(_ keys: some Sequence<String>) {
        var dictionary: [String: Int] = [:]
        for (index, key) in keys.enumerated() where dictionary[key] == nil { dictionary[key] = index }
        self.init(dictionary)
    }

    init(_ dictionary: [String: Int]) {
        self.dictionary = dictionary
        var entries: [Entry] = []
        var hasNonASCIIKey = false
        // Sorted by index, so that the table's layout does not follow the dictionary's per-process order.
        for (key, index) in dictionary.sorted(by: { $0.value < $1.value }) {
            guard let (hash, ascii) = Self.hash(key), ascii else {
                hasNonASCIIKey = true
                continue
            }
            entries.append(Entry(key: key, hash: hash, index: index))
        }
        var capacity = 4
        var bits = 2
        while capacity < entries.count * 2 {
            capacity *= 2
            bits += 1
        }
        let shift = 64 - bits
        var slots = [Int32](repeating: -1, count: capacity)
        for (position, entry) in entries.enumerated() {
            var slot = Self.firstSlot(entry.hash, shift: shift)
            while slots[slot] >= 0 { slot = (slot + 1) & (capacity - 1) }
            slots[slot] = Int32(position)
        }
        self.entries = entries
        self.slots = slots
        self.mask = capacity - 1
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

    /// The dictionary's answer: for a key that is not ASCII, or one no ASCII key matched while some
    /// key is not ASCII.
    @inline(never)
    private func slowIndex(of key: String) -> Int? {
        dictionary[key]
    }

    /// The index of `key`, nil for nil: a request's optional id looked up where the request holds
    /// it (binding it with `if let` first copied it, a retain and a release).
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
    private static func firstSlot(_ hash: Int, shift: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(truncatingIfNeeded: hash) &* 0x9E37_79B9_7F4A_7C15) &>> UInt64(shift))
    }

    /// A multiplicative hash of the UTF-8 bytes (``WordHash``) and whether they are all ASCII;
    /// nil for a string without contiguous UTF-8 (never the case for native Swift strings).
    @inline(__always)
    static func hash(_ key: String) -> (Int, Bool)? {
        key.utf8.withContiguousStorageIfAvailable { bytes -> (Int, Bool) in
            let mixed = WordHash.mix(UnsafeRawBufferPointer(bytes), into: 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count))
            return (Int(truncatingIfNeeded: mixed.hash), mixed.ascii)
        }
    }
}
