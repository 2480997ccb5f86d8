/// A request's context: each key at most once, in the order it was given.
///
/// A short list, not a `Dictionary`: a request carries a handful of keys, which the engine reads
/// once, in one pass, to resolve them against the rule set. Hashing each into a dictionary first
/// (SipHash with the process's seed, and an allocation per request) cost the request decoder more
/// than reading the keys (issue 14: decoding a typical request in ≤ 1 µs). Looking a key up walks
/// the list, so code that builds a context from untrusted input key by key must bound its size
/// (the request decoder checks at most 16 keys this way and builds larger contexts from a
/// dictionary, whose keys are unique already).
///
/// Equal when it holds the same keys with the same values, in any order, as a dictionary would be.
public struct RequestContext: Sendable, Equatable, RandomAccessCollection, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    public typealias Element = (key: String, value: ContextValue)

    /// One entry as stored: a struct, not the `Element` tuple, because an array of tuples is
    /// destroyed through the runtime's generic tuple witness, element by element (~1,200
    /// instructions for a typical request's eight entries), while a struct's own witness is
    /// compiled code. Internal: evaluation reads the entries in place (``withEntries(_:)``).
    struct Entry: Sendable {
        var key: String
        var value: ContextValue
    }

    private var entries: [Entry]

    public init() {
        entries = []
    }

    /// The entries of `dictionary` (unique by its nature), in its order.
    public init(_ dictionary: [String: ContextValue]) {
        entries = dictionary.map { Entry(key: $0.key, value: $0.value) }
    }

    /// A literal's keys must be unique, as a dictionary literal's must: a repeated key is a
    /// programming error.
    public init(dictionaryLiteral elements: (String, ContextValue)...) {
        entries = []
        entries.reserveCapacity(elements.count)
        for (key, value) in elements {
            precondition(self[key] == nil, "the key '\(key)' appears twice in a context literal")
            entries.append(Entry(key: key, value: value))
        }
    }

    public var startIndex: Int { entries.startIndex }
    public var endIndex: Int { entries.endIndex }
    public subscript(position: Int) -> Element {
        let entry = entries[position]
        return (entry.key, entry.value)
    }

    /// The value of `key`; setting nil removes it, setting a value replaces or appends it.
    public subscript(key: String) -> ContextValue? {
        get { entries.first { $0.key == key }?.value }
        set {
            let position = entries.firstIndex { $0.key == key }
            switch (position, newValue) {
            case (let position?, let value?): entries[position].value = value
            case (let position?, nil): entries.remove(at: position)
            case (nil, let value?): entries.append(Entry(key: key, value: value))
            case (nil, nil): break
            }
        }
    }

    /// Sets `key` to `value`; the value it replaced, or nil when the key is new.
    @discardableResult
    public mutating func updateValue(_ value: ContextValue, forKey key: String) -> ContextValue? {
        if let position = entries.firstIndex(where: { $0.key == key }) {
            defer { entries[position].value = value }
            return entries[position].value
        }
        entries.append(Entry(key: key, value: value))
        return nil
    }

    /// Appends `key`, which the caller knows is not in the context yet (the request decoder, which
    /// compares keys as bytes before it makes strings of them). Both are taken over, not copied:
    /// borrowed, they were retained here and released again by the caller.
    package mutating func append(uniqueKey key: consuming String, _ value: consuming ContextValue) {
        entries.append(Entry(key: key, value: value))
    }

    public mutating func reserveCapacity(_ capacity: Int) {
        entries.reserveCapacity(capacity)
    }

    /// Runs `body` with the entries in place, for the length of one evaluation (``RuleSet/withFacts(of:journey:_:)``).
    func withEntries<Result>(_ body: (UnsafeBufferPointer<Entry>) -> Result) -> Result {
        entries.withUnsafeBufferPointer(body)
    }

    /// The context as a dictionary (for tools that want one).
    public var dictionary: [String: ContextValue] {
        Dictionary(entries.lazy.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    public static func == (lhs: RequestContext, rhs: RequestContext) -> Bool {
        lhs.count == rhs.count && lhs.allSatisfy { rhs[$0.key] == $0.value }
    }

    public var description: String { dictionary.description }
}
