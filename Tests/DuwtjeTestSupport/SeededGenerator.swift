public import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014): the seeded generator of every randomised test.
///
/// A test takes its generator from ``SeededGenerator/forTest(_:)``, which prints the seed; a failing
/// run is repeated with that seed in `DUWTJE_SEED` (`DUWTJE_SEED=0x… swift test --filter …`).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public let seed: UInt64
    private var state: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        state = seed
    }

    /// The environment variable a seed is read from.
    public static let environmentKey = "DUWTJE_SEED"

    /// A generator seeded from `DUWTJE_SEED` (decimal or `0x` hex) when set, else from a fresh random
    /// seed; prints the seed and how to rerun `test` with it.
    public static func forTest(_ test: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> SeededGenerator {
        let seed = environment[environmentKey].flatMap(parse) ?? UInt64.random(in: .min ... .max)
        print("\(test): seed \(hex(seed)) (rerun with \(environmentKey)=\(hex(seed)))")
        return SeededGenerator(seed: seed)
    }

    static func parse(_ text: String) -> UInt64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")
        if trimmed.lowercased().hasPrefix("0x") { return UInt64(trimmed.dropFirst(2), radix: 16) }
        return UInt64(trimmed)
    }

    public static func hex(_ seed: UInt64) -> String { "0x" + String(seed, radix: 16) }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A whole number in `0..<bound`.
    public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) / 1_000_000 < p }
}
