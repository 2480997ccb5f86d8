/// One visitor's showing times by nudge id, for ``MemoryCapStore``: a short list searched in order,
/// with a dictionary of positions once the visitor has met more than ``listLimit`` nudges.
///
/// Most visitors meet a few nudges. Hashing the nudge id into a dictionary (SipHash) cost ~390
/// instructions per admission, a fifth of admitting a nudge; comparing it with a few ids (the same
/// string storage, compared by reference first) costs a few dozen. The dictionary keeps a visitor
/// who meets many nudges from making each admission a long search.
///
/// A struct of plain fields changed in place through the node's `inout` path: an enum of a list and
/// a dictionary had to be taken out of its case and put back on every admission.
struct NudgeShowings: Sendable {
    static let listLimit = 8

    struct Entry: Sendable {
        let nudge: String
        var times: [Double]
    }

    private var entries: [Entry]
    /// Nudge → position in `entries`, once there are more than ``listLimit``.
    private var positions: [String: Int]?

    init(_ restored: [String: [Double]]) {
        entries = restored.map { Entry(nudge: $0.key, times: $0.value) }
        positions = nil
        if entries.count > Self.listLimit { indexEntries() }
    }

    /// Runs `body` on the times of `nudge` (empty, and kept, when the visitor has none yet), in place.
    mutating func withTimes<Result>(of nudge: String, _ body: (inout [Double]) -> Result) -> Result {
        let index = position(of: nudge) ?? add(nudge)
        return body(&entries[index].times)
    }

    private func position(of nudge: String) -> Int? {
        if let positions { return positions[nudge] }
        for index in entries.indices where entries[index].nudge == nudge { return index }
        return nil
    }

    private mutating func add(_ nudge: String) -> Int {
        let index = entries.count
        entries.append(Entry(nudge: nudge, times: []))
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
