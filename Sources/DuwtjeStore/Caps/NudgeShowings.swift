/// One visitor's showing times by nudge id, for ``MemoryCapStore``: a short list searched in order,
/// a dictionary once the visitor has met more than ``listLimit`` nudges.
///
/// Most visitors meet a few nudges. Hashing the nudge id into a dictionary (SipHash) cost ~390
/// instructions per admission, a fifth of admitting a nudge; comparing it with a few ids (the same
/// string storage, compared by reference first) costs a few dozen. The dictionary keeps a visitor
/// who meets many nudges from making each admission a long search.
struct NudgeShowings: Sendable {
    static let listLimit = 8

    private enum Storage: Sendable {
        case list([(nudge: String, times: [Double])])
        case dictionary([String: [Double]])
    }

    private var storage: Storage

    init(_ restored: [String: [Double]]) {
        storage = restored.count <= Self.listLimit ? .list(restored.map { ($0.key, $0.value) }) : .dictionary(restored)
    }

    /// Runs `body` on the times of `nudge` (empty, and kept, when the visitor has none yet). The
    /// storage is taken out while `body` runs, so that its arrays are changed in place, not copied.
    mutating func withTimes<Result>(of nudge: String, _ body: (inout [Double]) -> Result) -> Result {
        switch storage {
        case .dictionary(var dictionary):
            storage = .list([])
            defer { storage = .dictionary(dictionary) }
            return body(&dictionary[nudge, default: []])
        case .list(var list):
            storage = .list([])
            if let index = list.firstIndex(where: { $0.nudge == nudge }) {
                defer { storage = .list(list) }
                return body(&list[index].times)
            }
            if list.count < Self.listLimit {
                list.append((nudge, []))
                defer { storage = .list(list) }
                return body(&list[list.count - 1].times)
            }
            var dictionary = Dictionary(uniqueKeysWithValues: list.lazy.map { ($0.nudge, $0.times) })
            defer { storage = .dictionary(dictionary) }
            return body(&dictionary[nudge, default: []])
        }
    }
}
