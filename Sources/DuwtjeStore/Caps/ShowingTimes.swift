/// The times (Unix seconds) of one visitor's showings of one nudge, for ``NudgeShowings``: the
/// first two in place, any further ones in an array.
///
/// A cap allows a few showings (the benchmark's 1–3 in a window), and as a `[Double]` the times
/// were a buffer of their own, the last line of the chain slot → node → entries → times that an
/// admission waited for one after the other: ~1.3 L2 misses an evaluation at 100,000 rules (the
/// walk evicts the visitors' lines), the store's largest share (issue 15). In place they come
/// with the line that holds the nudge's entry.
///
/// The count and the earliest of all the times are kept in place too, first: a refused admission
/// (the benchmark's steady state: every candidate's cap is full) reads only those two and the
/// entry's serial before it (``NudgeShowings/Entry``), 24 bytes, instead of the count, both times
/// in place and the earliest further time spread over 44 bytes after the serial, which took a
/// further entry's times onto a second line of the entries' buffer (~0.36 L2 misses an evaluation
/// at 100,000 rules in `removeAll(atOrBefore:)`, by cachegrind; issue 15, branch admit18). Asking
/// the `more` array for its count and times read its buffer, one line more again (branch cap17):
/// the buffer is read only when a time leaves the window, or to append one.
///
/// The order of the times is kept (appended last), as the array kept it.
struct ShowingTimes: Sendable, Equatable {
    /// How many times in all (`first` and `second` hold the first two; `more` is empty unless both
    /// do). A `UInt32` so that a node stays 128 bytes: more showings of one nudge than that would
    /// take 32 GiB.
    private var storedCount: UInt32 = 0
    /// The earliest of all the times (+∞ when there are none): whether any of them left the window,
    /// from one field. NaNs never count (as `times.contains { $0 <= start }` sees them).
    private var earliest = Double.infinity
    private var first: Double = 0
    private var second: Double = 0
    private var more: [Double] = []

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
        }
        // As `contains { $0 <= start }` sees them: a NaN never counts as earlier.
        if time < earliest { earliest = time }
        storedCount &+= 1
    }

    /// Drops the times at or before `start`. Most admissions find none: one compare of the field in
    /// place, inlined into the admission (a call of its own each candidate before, ~25 instructions),
    /// the rest out of line.
    @inline(__always)
    mutating func removeAll(atOrBefore start: Double) {
        guard earliest <= start else { return }
        removeAllLeaving(after: start)
    }

    /// Whether an admission under a cap of `max` showings in a window starting after `start` would
    /// refuse, as the times stand: none of them leaves the window and the window is full. Changes
    /// nothing (``MemoryCapStore/admit(_:cap:now:)`` then changes nothing either). False when it
    /// cannot say without a change (a time leaves the window): then the admission decides.
    @inline(__always)
    func refuses(max: Int, windowStart start: Double) -> Bool {
        !(earliest <= start) && Int(storedCount) >= max
    }

    @inline(never)
    private mutating func removeAllLeaving(after start: Double) {
        self = ShowingTimes(array.filter { $0 > start })
    }
}
