/// The elements of a small list past those its owner keeps in place, on the heap only once there
/// are any: a plain pointer, so that the walk's lists (``Runs``, ``Answer/PickList``,
/// ``Answer/CandidateList``) are bitwise-copyable and dropping them costs nothing.
///
/// With a `ContiguousArray` each of the three was destroyed through an outlined value witness
/// after every walk (the empty array's release, ~90 instructions an evaluation with the
/// `Candidates` copy its non-trivial layout cost), though only a few per cent of requests have
/// more than fits in place. The price is that the owner must call ``free()`` once when it is done
/// (the walk does, for all three); a copy shares the storage, so only one copy may be freed.
struct SpillBuffer<Element: BitwiseCopyable>: BitwiseCopyable {
    private var base: UnsafeMutablePointer<Element>?
    private var capacity = 0
    private(set) var count = 0

    init() {}

    var isEmpty: Bool { count == 0 }

    mutating func append(_ element: Element) {
        if count == capacity { grow() }
        base?[count] = element
        count &+= 1
    }

    /// Twice the room (at least 4), the elements moved over. Out of line: most walks never get here.
    @inline(never)
    private mutating func grow() {
        let larger = Swift.max(4, capacity &* 2)
        let moved = UnsafeMutablePointer<Element>.allocate(capacity: larger)
        if let base {
            moved.initialize(from: base, count: count)
            base.deallocate()
        }
        base = moved
        capacity = larger
    }

    subscript(index: Int) -> Element {
        get {
            precondition(index >= 0 && index < count, "SpillBuffer index out of range")
            return base.unsafelyUnwrapped[index]
        }
        set {
            precondition(index >= 0 && index < count, "SpillBuffer index out of range")
            base.unsafelyUnwrapped[index] = newValue
        }
    }

    /// Whether an element satisfies `predicate`.
    func contains(where predicate: (Element) -> Bool) -> Bool {
        var index = 0
        while index < count {
            if predicate(base.unsafelyUnwrapped[index]) { return true }
            index &+= 1
        }
        return false
    }

    /// The elements, copied into an array (what the answer keeps, see ``Answer/Extras``).
    var array: ContiguousArray<Element> {
        guard let base, count > 0 else { return [] }
        return ContiguousArray(UnsafeBufferPointer(start: base, count: count))
    }

    /// Gives the storage back; the buffer is empty again.
    mutating func free() {
        base?.deallocate()
        base = nil
        capacity = 0
        count = 0
    }
}
