/// A journey's index of rule positions, flat: every list of rank positions back to back in one
/// array, found by integers only. Built once per compile, read by every request.
///
/// Per bucket (stage slot × persona slot) one list of the rules that require no particular value
/// ("general"), and per (bucket, context key, value symbol) the list of rules filed under that
/// value, found by open addressing on the packed integer key: no `String` hashed on the request path.
struct PositionIndex: Sendable {
    /// Every list's rank positions, ascending within a list.
    let positions: [Int32]
    /// `generalStart[b] ..< generalStart[b + 1]`: bucket `b`'s general list.
    private let generalStart: [Int32]
    /// Open-addressed keys (`UInt64.max` when empty) and, beside them, the list's bounds.
    private let keys: [UInt64]
    private let lists: [SIMD2<Int32>]
    private let keyCount: UInt64
    /// Whether any rule is filed under a value at all (none are in many small sets).
    let hasValueLists: Bool

    /// `general[b]` and `byValue[(b, key, symbol)]` as built by the compiler.
    init(general: [[Int32]], byValue: [(bucket: Int, key: Int, symbol: Int32, positions: [Int32])], keyCount: Int) {
        var positions: [Int32] = []
        var generalStart: [Int32] = [0]
        for list in general {
            positions += list
            generalStart.append(Int32(positions.count))
        }
        self.keyCount = UInt64(max(1, keyCount))
        hasValueLists = !byValue.isEmpty
        var capacity = 8
        while capacity < byValue.count * 2 { capacity *= 2 }
        var keys = [UInt64](repeating: .max, count: capacity)
        var lists = [SIMD2<Int32>](repeating: .zero, count: capacity)
        for entry in byValue {
            let key = Self.pack(bucket: entry.bucket, key: entry.key, symbol: entry.symbol, keyCount: self.keyCount)
            var slot = Self.slot(key, mask: capacity - 1)
            while keys[slot] != .max { slot = (slot + 1) & (capacity - 1) }
            keys[slot] = key
            lists[slot] = SIMD2(Int32(positions.count), Int32(positions.count + entry.positions.count))
            positions += entry.positions
        }
        self.positions = positions
        self.generalStart = generalStart
        self.keys = keys
        self.lists = lists
    }

    static func pack(bucket: Int, key: Int, symbol: Int32, keyCount: UInt64) -> UInt64 {
        (UInt64(bucket) &* keyCount &+ UInt64(key)) << 32 | UInt64(UInt32(bitPattern: symbol))
    }

    @inline(__always)
    static func slot(_ key: UInt64, mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// Bucket `bucket`'s general list, as bounds into `positions`.
    func general(_ bucket: Int) -> SIMD2<Int32> { SIMD2(generalStart[bucket], generalStart[bucket + 1]) }

    /// The list filed under `symbol` of context key `key` in `bucket`, as bounds into `positions`.
    func list(bucket: Int, key: Int, symbol: Int32) -> SIMD2<Int32>? {
        let packed = Self.pack(bucket: bucket, key: key, symbol: symbol, keyCount: keyCount)
        let mask = keys.count - 1
        var slot = Self.slot(packed, mask: mask)
        while true {
            let found = keys[slot]
            if found == packed { return lists[slot] }
            if found == .max { return nil }
            slot = (slot + 1) & mask
        }
    }
}
