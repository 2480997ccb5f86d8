/// SplitMix64 (Steele, Lea & Flood 2014): a tiny seeded generator of our own, so that generated rule
/// sets and request mixes are byte-for-byte the same on every machine and Swift version. The
/// standard library's `random(in:using:)` algorithms are not promised to stay the same, so the
/// helpers below derive ranges and chances from `next()` themselves.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<count` (multiply-high, so no modulo bias worth measuring for small counts).
    mutating func below(_ count: Int) -> Int {
        precondition(count > 0)
        return Int(next().multipliedFullWidth(by: UInt64(count)).high)
    }

    /// A number in `range`.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// A uniform value in `[0, 1)` from the top 53 bits.
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// True with probability `probability`.
    mutating func chance(_ probability: Double) -> Bool {
        unit() < probability
    }

    mutating func pick<T>(_ elements: [T]) -> T {
        elements[below(elements.count)]
    }

    /// `count` distinct elements (or all of them, when there are fewer), in the order drawn.
    mutating func distinct<T>(_ count: Int, from elements: [T]) -> [T] {
        var pool = Array(elements.indices)
        var result: [T] = []
        for _ in 0..<min(count, pool.count) {
            result.append(elements[pool.remove(at: below(pool.count))])
        }
        return result
    }
}
