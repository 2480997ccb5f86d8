/// What a ``CapStore`` learnt about a visitor when told of them before the evaluation
/// (``CapStore/prefetch(visitor:)``), handed back to the same store's admission so that it need not
/// learn it again: for a store in memory, the visitor's hash under that store's hashing (hashing the
/// visitor twice, once to start loading their lines and once to admit, cost ~70 instructions an
/// evaluation; issue 15). ``none`` for a store that learnt nothing.
///
/// A store takes a hint only for the visitor it was made for (the caller's part: the request's
/// visitor, both times) and only when it made the hint itself under its present hashing (`key`),
/// otherwise it hashes the visitor anew.
public struct VisitorHint: Sendable, BitwiseCopyable {
    /// The visitor's hash under the store's hashing.
    public let hash: UInt64
    /// The store's own mark for how `hash` was made (for a store in memory, its seed); 0 with ``none``.
    public let key: UInt64
    /// Whether the store made this hint (false: ``none``).
    public let isSet: Bool

    public init(hash: UInt64, key: UInt64) {
        self.hash = hash
        self.key = key
        self.isSet = true
    }

    private init() {
        hash = 0
        key = 0
        isSet = false
    }

    /// Nothing learnt.
    public static let none = VisitorHint()
}
