/// The times (Unix seconds) of one visitor's showings of one nudge, for ``NudgeShowings``: the
/// first two in place, any further ones in an array.
///
/// A cap allows a few showings (the benchmark's 1–3 in a window), and as a `[Double]` the times
/// were a buffer of their own, the last line of the chain slot → node → entries → times that an
/// admission waited for one after the other: ~1.3 L2 misses an evaluation at 100,000 rules (the
/// walk evicts the visitors' lines), the store's largest share (issue 15). In place they come
/// with the line that holds the nudge's entry.
///
/// The count and the earliest of the further times are kept in place too: asking the array for
/// its count and its times read the array's buffer, one line more after the node (~0.38 L2 misses
/// an evaluation at 100,000 rules in `removeAll(atOrBefore:)`, by cachegrind: the visitors with a
/// third showing in the window; issue 15), which the node's prefetch cannot ask for. Now an
/// admission reads the buffer only when a further time leaves the window, or to append one.
///
/// The order of the times is kept (appended last), as the array kept it.
struct ShowingTimes: Sendable, Equatable {
    private var first: Double = 0
    private var second: Double = 0
    /// The earliest time in `more` (+∞ when it is empty): whether any of them left the window,
    /// without reading `more`.
    private var earliestMore = Double.infinity
    private var more: [Double] = []
    /// How many times in all (`first` and `second` hold the first two; `more` is empty unless both
    /// do). A `UInt32` so that a node stays 128 bytes: more showings of one nudge than that would
    /// take 32 GiB.
    private var storedCount: UInt32 = 0

    init() {}

    init(_ times: [Double]) {
        for time in times { append(time) }
    }

    var count: Int { Int(storedCount) }

    /// The times in order.
    var array: [Double] {
        switch storedCount {
        case 0: []
        case 1: [first]
        default: [first, second] + more
        }
    }

    mutating func append(_ time: Double) {
        switch storedCount {
        case 0:
            first = time
        case 1:
            second = time
        default:
            // Room for the cap's further showings at once (as the array reserved up to four).
            if more.capacity == 0 { more.reserveCapacity(2) }
            more.append(time)
            // As `more.contains { $0 <= start }` sees them: a NaN never counts as earlier.
            if time < earliestMore { earliestMore = time }
        }
        storedCount &+= 1
    }

    /// Drops the times at or before `start`. Most admissions find none: a check of the fields in
    /// place first.
    mutating func removeAll(atOrBefore start: Double) {
        let any = (storedCount > 0 && first <= start) || (storedCount > 1 && second <= start) || earliestMore <= start
        guard any else { return }
        self = ShowingTimes(array.filter { $0 > start })
    }
}
