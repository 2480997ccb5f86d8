/// Assigns a visitor to a rule's variant, the same in every process and after every reload.
///
/// FNV-1a 64-bit over `"<rule id>\u{0}<visitor>"` (Swift's `Hasher` is seeded per process and so
/// cannot be used), reduced modulo the sum of weights; the first variant whose cumulative weight
/// exceeds that bucket wins.
public enum VariantAssignment {
    public static func fnv1a64(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    public static func hash(rule: String, visitor: String) -> UInt64 {
        hash(seed: seed(rule: rule), visitor: visitor)
    }

    /// The hash after `"<rule id>\u{0}"`: the part that does not depend on the visitor, computed
    /// once per rule when the rule set is compiled (``MatchTable/addEffects``).
    static func seed(rule: String) -> UInt64 {
        // The NUL separator: xor with 0 leaves the hash as it is.
        add(rule, to: 0xcbf2_9ce4_8422_2325) &* 0x0000_0100_0000_01b3
    }

    /// The hash of `"<rule id>\u{0}<visitor>"` from the rule's ``seed(rule:)``.
    static func hash(seed: UInt64, visitor: String) -> UInt64 {
        add(visitor, to: seed)
    }

    /// FNV-1a over the string's UTF-8, read in place (iterating `utf8` cost ~20 instructions a byte).
    private static func add(_ text: String, to start: UInt64) -> UInt64 {
        func add(_ bytes: some Sequence<UInt8>) -> UInt64 {
            var hash = start
            for byte in bytes {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01b3
            }
            return hash
        }
        return text.utf8.withContiguousStorageIfAvailable { add($0) } ?? add(text.utf8)
    }

    /// The index of the chosen variant among `weights` (positive, in declaration order).
    public static func pick(weights: [UInt64], total: UInt64, hash: UInt64) -> Int {
        pick(count: weights.count, total: total, hash: hash) { weights[$0] }
    }

    /// The index of the chosen variant among `count` variants whose weights `weight` reads where they
    /// are kept (the compiled set reads them from its match table, ``MatchTable/View/variant(at:visitor:)``).
    @inline(__always)
    static func pick(count: Int, total: UInt64, hash: UInt64, weight: (Int) -> UInt64) -> Int {
        guard total > 0 else { return 0 }
        let bucket = hash % total
        var cumulative: UInt64 = 0
        for index in 0..<count {
            cumulative += weight(index)
            if cumulative > bucket { return index }
        }
        return count - 1
    }
}
