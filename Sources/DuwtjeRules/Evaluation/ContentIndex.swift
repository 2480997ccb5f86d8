/// The catalogue indexed by type and by (type, tag), so that a `type` + `tags` recommend item
/// finds its items without scanning the whole catalogue: at 10,000 rules that scan dominated loading.
///
/// Types are few, so they are found by comparing names (the last one found first: a catalogue lists
/// items of a type together), and each type has its own table of tags: a dictionary of types holding
/// dictionaries of tags hashed the type two or three times and the tag once or twice for every tag
/// of every item (~4,000 instructions an item, built twice a load).
struct ContentIndex {
    private let content: [ContentItem]
    private var types: [TypeEntry] = []

    private struct TypeEntry {
        let name: String
        /// The type's items, in catalogue order.
        var items: [Int] = []
        /// Its items by tag, in catalogue order.
        var byTag: [String: [Int]] = [:]
    }

    init(_ content: [ContentItem]) {
        self.content = content
        var last = -1
        for index in content.indices {
            let type = content[index].type
            let entry: Int
            if last >= 0, types[last].name == type {
                entry = last
            } else if let found = types.firstIndex(where: { $0.name == type }) {
                entry = found
            } else {
                entry = types.count
                types.append(TypeEntry(name: type))
            }
            last = entry
            types[entry].items.append(index)
            let tags = content[index].tags
            // Each tag once (an item's few tags are compared, not put in a `Set` per item).
            for (position, tag) in tags.enumerated() where !tags[..<position].contains(tag) {
                types[entry].byTag[tag, default: []].append(index)
            }
        }
    }

    /// Indices, in catalogue order, of the items of `type` that have all `tags`.
    func matches(type: String, tags: [String]) -> [Int] {
        guard let entry = types.firstIndex(where: { $0.name == type }) else { return [] }
        let byTag = types[entry].byTag
        guard let first = tags.min(by: { (byTag[$0]?.count ?? 0) < (byTag[$1]?.count ?? 0) }) else { return types[entry].items }
        let candidates = byTag[first] ?? []
        guard tags.count > 1 else { return candidates }
        return candidates.filter { index in tags.allSatisfy(content[index].tags.contains) }
    }
}
