/// The numbers (``ValueNumbers``) of one request's context values, by context key: temporary
/// storage of one evaluation, like ``Facts/values``.
///
/// One buffer: a start and a count per key, then the numbers of each key's elements in the order
/// they were sent (``ValueNumbers/unknownText`` for text no condition compares with,
/// ``ValueNumbers/notText`` for a number or a boolean). A key the request does not carry has none.
struct RequestValueNumbers {
    private let storage: UnsafeMutableBufferPointer<Int32>
    private let keyCount: Int
    private var next: Int

    /// How many `Int32`s the numbers of `context` need, for `keyCount` context keys.
    static func capacity(for context: RequestContext, keyCount: Int) -> Int {
        var elements = 0
        for index in context.indices { elements += context[index].value.count }
        return 2 * keyCount + elements
    }

    /// Over `storage`, which must hold ``capacity(for:keyCount:)`` elements; no key has numbers yet.
    init(_ storage: UnsafeMutableBufferPointer<Int32>, keyCount: Int) {
        self.storage = storage
        self.keyCount = keyCount
        self.next = 2 * keyCount
        for index in 0..<(2 * keyCount) { storage[index] = 0 }
    }

    /// Starts the numbers of key `key`'s value (each key at most once); ``append(_:)`` adds them in order.
    mutating func start(key: Int) {
        storage[2 * key] = Int32(next)
        storage[2 * key + 1] = 0
    }

    /// Adds a number to the key started last.
    mutating func append(_ number: Int32, key: Int) {
        storage[next] = number
        next += 1
        storage[2 * key + 1] += 1
    }

    /// The numbers of key `key`'s value, empty when the request has none.
    subscript(key: Int) -> UnsafeBufferPointer<Int32> {
        let start = Int(storage[2 * key])
        return UnsafeBufferPointer(rebasing: storage[start..<(start + Int(storage[2 * key + 1]))])
    }
}
