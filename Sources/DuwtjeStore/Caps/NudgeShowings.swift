import DuwtjeRules

/// One visitor's showing times by nudge, for ``MemoryCapStore``: a short list searched in order, with
/// a dictionary of positions once the visitor has met more than ``listLimit`` nudges.
///
/// Most visitors meet a few nudges. Hashing the nudge id into a dictionary (SipHash) cost ~390
/// instructions per admission, a fifth of admitting a nudge; the list costs a few dozen. Each entry
/// keeps its id's ``NudgeOffer/idHash(of:)``, which admission brings made (the rule set made it when it
/// compiled): another nudge is passed over with one integer compare, and the ids are compared only
/// when the hashes match (a `String ==` with every other nudge on the list was ~145 instructions an
/// admission). Each entry also keeps the ``NudgeOffer/serial`` of the compiled nudge it last matched:
/// the same serial is the same nudge, found without asking for the id at all (asking, retaining and
/// comparing it cost ~150 instructions a candidate). The dictionary keeps a visitor who meets many
/// nudges from making each admission a long search.
///
/// A struct of plain fields changed in place through the node's `inout` path: an enum of a list and
/// a dictionary had to be taken out of its case and put back on every admission.
///
/// The first nudge's entry is kept in place (in the visitor's node), with its times in place too
/// (``ShowingTimes``); the others are in an array. Most visitors meet a nudge or two, and the
/// array's buffer and the times' buffer were two lines more after the node that an admission waited
/// for one after the other, cold at 100,000 rules (issue 15); in place they come with the node,
/// whose lines ``MemoryCapStore/prefetch(visitor:)`` starts loading before the evaluation.
struct NudgeShowings: Sendable {
    static let listLimit = 8

    /// The fields in the order a refused admission reads them: the serial, then the times' count
    /// and earliest time (``ShowingTimes``), 24 bytes at the entry's start, so that in the `rest`
    /// array's buffer they share a line with its count more often (with the id and its hash first,
    /// a further entry's serial and its times' count were on two lines; issue 15, branch admit18).
    struct Entry: Sendable {
        /// The ``NudgeOffer/serial`` of the compiled nudge last found here (0: none yet).
        var serial: UInt64
        var times: ShowingTimes
        /// ``NudgeOffer/idHash(of:)`` of `nudge`.
        var hash: UInt64
        var nudge: String

        init(nudge: String, hash: UInt64, serial: UInt64, times: ShowingTimes) {
            self.serial = serial
            self.times = times
            self.hash = hash
            self.nudge = nudge
        }
    }

    /// The entry at position 0, when ``hasFirst``.
    private var first = Entry(nudge: "", hash: 0, serial: 0, times: ShowingTimes())
    /// The entries at positions 1...
    private var rest: [Entry] = []
    /// Nudge → position, once there are more than ``listLimit`` entries.
    private var positions: [String: Int]?
    private var hasFirst = false

    init(_ restored: [String: [Double]]) {
        for (nudge, times) in restored {
            append(Entry(nudge: nudge, hash: NudgeOffer.idHash(of: nudge), serial: 0, times: ShowingTimes(times)))
        }
        if count > Self.listLimit { indexEntries() }
    }

    /// How many nudges the visitor has met.
    var count: Int { hasFirst ? 1 &+ rest.count : 0 }

    /// The times by nudge (for tests: what a plain dictionary holds).
    var times: [String: [Double]] {
        var times: [String: [Double]] = [:]
        for index in 0..<count { times[entry(at: index).nudge] = entry(at: index).times.array }
        return times
    }

    /// Runs `body` on the times of `nudge` (empty, and kept, when the visitor has none yet), in place.
    mutating func withTimes<Result>(of nudge: String, _ body: (inout ShowingTimes) -> Result) -> Result {
        withTimes(of: NudgeOffer.idHash(of: nudge), serial: 0, id: { nudge }, body)
    }

    /// ``withTimes(of:_:)`` for the nudge whose id hashes to `hash`, compiled with `serial` (0: none);
    /// `id` gives the id, asked for only when the serial is not on the list and an entry's hash
    /// matches, or the nudge is new to the visitor.
    @inline(__always)
    mutating func withTimes<Result>(of hash: UInt64, serial: UInt64, id: () -> String, _ body: (inout ShowingTimes) -> Result) -> Result {
        let index = position(of: hash, serial: serial, id: id) ?? add(id(), hash: hash, serial: serial)
        if index == 0 { return body(&first.times) }
        return body(&rest[index &- 1].times)
    }

    /// Whether admitting the nudge compiled with `serial` under a cap of `max` showings in a window
    /// starting after `start` would refuse, as the showings stand (``ShowingTimes/refuses(max:windowStart:)``):
    /// read only, so that a refused candidate (every candidate of the benchmark's steady state) takes
    /// neither the node nor the `rest` array for changing (each checked that its buffer is not
    /// shared). False when the serial is not on the list or a time would leave the window: then
    /// ``withTimes(of:serial:id:_:)`` decides (and, when it refuses, changes nothing either).
    @inline(__always)
    func refuses(serial: UInt64, max: Int, windowStart start: Double) -> Bool {
        guard hasFirst, serial != 0, let index = position(ofSerial: serial) else { return false }
        if index == 0 { return first.times.refuses(max: max, windowStart: start) }
        return rest.withUnsafeBufferPointer { $0[index &- 1].times.refuses(max: max, windowStart: start) }
    }

    /// The position of the entry last found with `serial` (not 0), if any: what
    /// ``refuses(serial:max:windowStart:)`` and ``withTimes(of:serial:id:_:)`` both look for first.
    @inline(__always)
    private func position(ofSerial serial: UInt64) -> Int? {
        if first.serial == serial { return 0 }
        return rest.withUnsafeBufferPointer { rest in
            for index in rest.indices where rest[index].serial == serial { return index &+ 1 }
            return nil
        }
    }

    @inline(__always)
    private func entry(at index: Int) -> Entry {
        index == 0 ? first : rest[index &- 1]
    }

    @inline(__always)
    private mutating func position(of hash: UInt64, serial: UInt64, id: () -> String) -> Int? {
        guard hasFirst else { return nil }
        if serial != 0, let found = position(ofSerial: serial) { return found }
        let found: Int?
        if let positions {
            found = positions[id()]
        } else if first.hash == hash, first.nudge == id() {
            found = 0
        } else {
            found = rest.indices.first { rest[$0].hash == hash && rest[$0].nudge == id() }.map { $0 &+ 1 }
        }
        if let found, serial != 0 {
            if found == 0 { first.serial = serial } else { rest[found &- 1].serial = serial }
        }
        return found
    }

    private mutating func append(_ entry: Entry) {
        if hasFirst {
            rest.append(entry)
        } else {
            first = entry
            hasFirst = true
        }
    }

    private mutating func add(_ nudge: String, hash: UInt64, serial: UInt64) -> Int {
        let index = count
        append(Entry(nudge: nudge, hash: hash, serial: serial, times: ShowingTimes()))
        if positions != nil {
            positions?[nudge] = index
        } else if count > Self.listLimit {
            indexEntries()
        }
        return index
    }

    private mutating func indexEntries() {
        var positions: [String: Int] = [:]
        positions.reserveCapacity(count)
        for index in 0..<count { positions[entry(at: index).nudge] = index }
        self.positions = positions
    }
}
