/// The numbers (``ValueNumbers``) of one request's context values, by context key, and where each
/// key's value stands in the request's context: temporary storage of one evaluation.
///
/// One buffer: a start, a count and an entry (its position in the context plus one; 0 for a key the
/// request does not carry) per key, then the numbers of each key's elements in the order they were
/// sent (``ValueNumbers/unknownText`` for text no condition compares with, ``ValueNumbers/notText``
/// for a number or a boolean). A key the request does not carry has none.
struct RequestValueNumbers {
    private let storage: UnsafeMutableBufferPointer<Int32>
    private let keyCount: Int
    private var next: Int

    /// How many `Int32`s the numbers of a context with `entries` need, for `keyCount` context keys.
    /// Read in place: through the context's public subscript each entry was copied out as a tuple.
    static func capacity(for entries: UnsafeBufferPointer<RequestContext.Entry>, keyCount: Int) -> Int {
        var elements = 0
        for index in entries.indices { elements += entries[index].value.count }
        return 3 * keyCount + elements
    }

    /// Over `storage`, which must hold ``capacity(for:keyCount:)`` elements; no key has numbers yet.
    init(_ storage: UnsafeMutableBufferPointer<Int32>, keyCount: Int) {
        self.storage = storage
        self.keyCount = keyCount
        self.next = 3 * keyCount
        for index in 0..<(3 * keyCount) { storage[index] = 0 }
    }

    /// Starts the numbers of key `key`'s value, which is the context's entry at `entry` (each key at
    /// most once); ``append(_:key:)`` adds them in order.
    ///
    /// Here and in ``append(_:key:)`` the arithmetic is unchecked: the positions are below the
    /// storage's count (``capacity(for:keyCount:)``, a few dozen), and the overflow checks and
    /// their conversions were ~10 instructions of each of a request's ~5 values.
    mutating func start(key: Int, entry: Int) {
        let at = 3 &* key
        storage[at] = Int32(truncatingIfNeeded: next)
        storage[at &+ 1] = 0
        storage[at &+ 2] = Int32(truncatingIfNeeded: entry &+ 1)
    }

    /// Adds a number to the key started last.
    mutating func append(_ number: Int32, key: Int) {
        storage[next] = number
        next &+= 1
        storage[3 &* key &+ 1] &+= 1
    }

    /// Puts `number` in place of the number of element `element` of key `key`'s value.
    mutating func replace(element: Int, of key: Int, with number: Int32) {
        storage[Int(storage[3 * key]) + element] = number
    }

    /// The numbers of key `key`'s value, empty when the request has none. Inlined: the walk asks
    /// for every condition it checks, and the call cost more than the answer.
    @inline(__always)
    subscript(key: Int) -> UnsafeBufferPointer<Int32> {
        let start = Int(storage[3 * key])
        return UnsafeBufferPointer(start: storage.baseAddress.map { $0 + start }, count: Int(storage[3 * key + 1]))
    }

    /// Where key `key`'s value stands in the request's context, or nil when the request has none.
    func entry(of key: Int) -> Int? {
        let entry = Int(storage[3 * key + 2])
        return entry == 0 ? nil : entry - 1
    }
}
