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
struct NudgeShowings: Sendable {
    static let listLimit = 8

    struct Entry: Sendable {
        let nudge: String
        /// ``NudgeOffer/idHash(of:)`` of `nudge`.
        let hash: UInt64
        /// The ``NudgeOffer/serial`` of the compiled nudge last found here (0: none yet).
        var serial: UInt64
        var times: [Double]
    }

    private var entries: [Entry]
    /// Nudge → position in `entries`, once there are more than ``listLimit``.
    private var positions: [String: Int]?

    init(_ restored: [String: [Double]]) {
        entries = restored.map { Entry(nudge: $0.key, hash: NudgeOffer.idHash(of: $0.key), serial: 0, times: $0.value) }
        positions = nil
        if entries.count > Self.listLimit { indexEntries() }
    }

    /// Runs `body` on the times of `nudge` (empty, and kept, when the visitor has none yet), in place.
    mutating func withTimes<Result>(of nudge: String, _ body: (inout [Double]) -> Result) -> Result {
        withTimes(of: NudgeOffer.idHash(of: nudge), serial: 0, id: { nudge }, body)
    }

    /// ``withTimes(of:_:)`` for the nudge whose id hashes to `hash`, compiled with `serial` (0: none);
    /// `id` gives the id, asked for only when the serial is not on the list and an entry's hash
    /// matches, or the nudge is new to the visitor.
    @inline(__always)
    mutating func withTimes<Result>(of hash: UInt64, serial: UInt64, id: () -> String, _ body: (inout [Double]) -> Result) -> Result {
        let index = position(of: hash, serial: serial, id: id) ?? add(id(), hash: hash, serial: serial)
        return body(&entries[index].times)
    }

    @inline(__always)
    private mutating func position(of hash: UInt64, serial: UInt64, id: () -> String) -> Int? {
        if serial != 0 {
            for index in entries.indices where entries[index].serial == serial { return index }
        }
        let found: Int?
        if let positions {
            found = positions[id()]
        } else {
            found = entries.indices.first { entries[$0].hash == hash && entries[$0].nudge == id() }
        }
        if let found, serial != 0 { entries[found].serial = serial }
        return found
    }

    private mutating func add(_ nudge: String, hash: UInt64, serial: UInt64) -> Int {
        let index = entries.count
        entries.append(Entry(nudge: nudge, hash: hash, serial: serial, times: []))
        if positions != nil {
            positions?[nudge] = index
        } else if entries.count > Self.listLimit {
            indexEntries()
        }
        return index
    }

    private mutating func indexEntries() {
        var positions: [String: Int] = [:]
        positions.reserveCapacity(entries.count)
        for index in entries.indices { positions[entries[index].nudge] = index }
        self.positions = positions
    }
}
