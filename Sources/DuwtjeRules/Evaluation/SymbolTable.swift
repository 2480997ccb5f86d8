import Foundation

/// Strings interned once, when a rule set is compiled, as dense integers (0, 1, 2, … in the order
/// they were added), so that a request's ids and values are resolved to integers once and every
/// later comparison and index lookup works on integers.
///
/// Open addressing over the strings' UTF-8 bytes, kept in one contiguous buffer, with FNV-1a:
/// resolving a request's id costs one pass over its bytes and one `memcmp`, not a `Hasher`
/// (SipHash) run and a `String` comparison as a `[String: Int]` lookup does.
struct SymbolTable: Sendable {
    /// Every interned string's bytes, back to back.
    private var bytes: [UInt8] = []
    /// `offsets[s] ..< offsets[s + 1]` are symbol `s`'s bytes.
    private var offsets: [Int32] = [0]
    /// Symbol + 1 per slot, 0 for an empty slot; the count is a power of two.
    private var slots: [Int32] = [Int32](repeating: 0, count: 8)
    private(set) var strings: [String] = []
    /// By canonical equivalence, for what bytes alone cannot find: Swift compares strings by
    /// canonical equivalence (a decomposed "é" equals the composed one), so a request whose bytes
    /// differ from a rule's but whose text is the same must still resolve to the rule's symbol.
    private var canonical: [String: Int32] = [:]
    private var hasNonASCII = false

    var count: Int { strings.count }

    init() {}

    init(_ strings: some Sequence<String>) {
        for string in strings { intern(string) }
    }

    /// The symbol of `string`, added when new.
    @discardableResult
    mutating func intern(_ string: String) -> Int32 {
        if let symbol = self[string] { return symbol }
        let symbol = Int32(strings.count)
        strings.append(string)
        if canonical[string] == nil { canonical[string] = symbol }
        if string.utf8.contains(where: { $0 >= 0x80 }) { hasNonASCII = true }
        bytes.append(contentsOf: string.utf8)
        offsets.append(Int32(bytes.count))
        if strings.count * 2 > slots.count {
            slots = [Int32](repeating: 0, count: slots.count * 2)
            for existing in 0..<strings.count { place(Int32(existing)) }
        } else {
            place(symbol)
        }
        return symbol
    }

    private mutating func place(_ symbol: Int32) {
        let start = Int(offsets[Int(symbol)])
        let end = Int(offsets[Int(symbol) + 1])
        let mask = slots.count - 1
        var slot = bytes.withUnsafeBufferPointer { Int(truncatingIfNeeded: Self.hash(UnsafeBufferPointer(rebasing: $0[start..<end]))) } & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = symbol + 1
    }

    /// The symbol of `string`, or nil when it was never interned.
    subscript(_ string: String) -> Int32? {
        var text = string  // `withUTF8` may make a bridged string contiguous; a native one is not copied
        if let symbol = text.withUTF8({ lookup($0) }) { return symbol }
        // Only text that is not plain ASCII on either side can be canonically equal with other bytes.
        guard hasNonASCII || text.utf8.contains(where: { $0 >= 0x80 }) else { return nil }
        return canonical[string]
    }

    private func lookup(_ key: UnsafeBufferPointer<UInt8>) -> Int32? {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: Self.hash(key)) & mask
        return slots.withUnsafeBufferPointer { slots -> Int32? in
            offsets.withUnsafeBufferPointer { offsets -> Int32? in
                bytes.withUnsafeBufferPointer { bytes -> Int32? in
                    while true {
                        let entry = slots[slot]
                        if entry == 0 { return nil }
                        let symbol = Int(entry - 1)
                        let start = Int(offsets[symbol])
                        let length = Int(offsets[symbol + 1]) - start
                        if length == key.count, Self.equal(bytes.baseAddress.map { $0 + start }, key.baseAddress, length) {
                            return entry - 1
                        }
                        slot = (slot + 1) & mask
                    }
                }
            }
        }
    }

    @inline(__always)
    static func equal(_ a: UnsafePointer<UInt8>?, _ b: UnsafePointer<UInt8>?, _ count: Int) -> Bool {
        guard count > 0 else { return true }
        guard let a, let b else { return false }
        return memcmp(a, b, count) == 0
    }

    /// FNV-1a, 64-bit, folded: the strings are short ids and values, and the table is rebuilt per load.
    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash ^ (hash >> 29)
    }
}
