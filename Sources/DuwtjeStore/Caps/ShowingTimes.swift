/// The times (Unix seconds) of one visitor's showings of one nudge, for ``NudgeShowings``: the
/// first two in place, any further ones in an array.
///
/// A cap allows a few showings (the benchmark's 1–3 in a window), and as a `[Double]` the times
/// were a buffer of their own, the last line of the chain slot → node → entries → times that an
/// admission waited for one after the other: ~1.3 L2 misses an evaluation at 100,000 rules (the
/// walk evicts the visitors' lines), the store's largest share (issue 15). In place they come
/// with the line that holds the nudge's entry.
///
/// The order of the times is kept (appended last), as the array kept it.
struct ShowingTimes: Sendable, Equatable {
    private var first: Double = 0
    private var second: Double = 0
    /// How many of `first` and `second` hold a time (0–2); `more` is empty unless both do.
    private var inlineCount = 0
    private var more: [Double] = []

    init() {}

    init(_ times: [Double]) {
        for time in times { append(time) }
    }

    var count: Int { inlineCount &+ more.count }

    /// The times in order.
    var array: [Double] {
        switch inlineCount {
        case 0: []
        case 1: [first]
        default: [first, second] + more
        }
    }

    mutating func append(_ time: Double) {
        switch inlineCount {
        case 0:
            first = time
            inlineCount = 1
        case 1:
            second = time
            inlineCount = 2
        default:
            // Room for the cap's further showings at once (as the array reserved up to four).
            if more.capacity == 0 { more.reserveCapacity(2) }
            more.append(time)
        }
    }

    /// Drops the times at or before `start`. Most admissions find none: a plain check first.
    mutating func removeAll(atOrBefore start: Double) {
        let any = (inlineCount > 0 && first <= start) || (inlineCount > 1 && second <= start)
            || (!more.isEmpty && more.contains { $0 <= start })
        guard any else { return }
        self = ShowingTimes(array.filter { $0 > start })
    }
}
