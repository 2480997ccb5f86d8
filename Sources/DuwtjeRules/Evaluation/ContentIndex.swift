/// The catalogue indexed by type and by (type, tag), so that a `type` + `tags` recommend item
/// finds its items without scanning the whole catalogue: at 10,000 rules that scan dominated loading.
struct ContentIndex {
    private let content: [ContentItem]
    private var byType: [String: [Int]] = [:]
    private var byTypeAndTag: [String: [String: [Int]]] = [:]

    init(_ content: [ContentItem]) {
        self.content = content
        for index in content.indices {
            let type = content[index].type
            let tags = content[index].tags
            byType[type, default: []].append(index)
            // Each tag once (an item's few tags are compared, not put in a `Set` per item).
            for (position, tag) in tags.enumerated() where !tags[..<position].contains(tag) {
                byTypeAndTag[type, default: [:]][tag, default: []].append(index)
            }
        }
    }

    /// Indices, in catalogue order, of the items of `type` that have all `tags`.
    func matches(type: String, tags: [String]) -> [Int] {
        guard let first = tags.min(by: { count(type, $0) < count(type, $1) }) else { return byType[type] ?? [] }
        let candidates = byTypeAndTag[type]?[first] ?? []
        guard tags.count > 1 else { return candidates }
        return candidates.filter { index in tags.allSatisfy(content[index].tags.contains) }
    }

    private func count(_ type: String, _ tag: String) -> Int { byTypeAndTag[type]?[tag]?.count ?? 0 }
}
