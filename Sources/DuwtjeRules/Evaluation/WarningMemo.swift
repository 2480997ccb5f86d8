import Synchronization

/// The warnings a rule set last wrote for ids it lacks, by what they are about and the exact bytes
/// of the id and of the name they were looked for under: a request that names the same unknown id
/// again is handed the same text instead of having its "did you mean" hint searched and its text
/// written again.
///
/// Why: unknown ids repeat (a client with a stale persona or a misspelt context key sends it with
/// every request). In the benchmark's mix ~8 % of the requests carry one; finding the hint
/// (``Suggestions/Vocabulary/nearestASCII(to:limit:)``, ~1,800 instructions an unknown id) and
/// writing the warning cost ~250 instructions an evaluation on average, more than a sixth of
/// resolving a request. A remembered warning costs a hash of the two texts, the lock and a compare
/// of their bytes.
///
/// What a warning says is fixed by the rule set, the ``Site`` and the two texts' bytes (see
/// ``RuleSet/unknown(_:_:in:name:)``), so a remembered one is byte for byte what would be written.
/// Texts are compared by their bytes, not with `String ==`: two canonically equivalent ids are
/// equal strings but are quoted in the warning as they were sent.
///
/// Bounded: at most ``limit`` warnings; when that many are held the table starts again empty, so
/// a flood of distinct unknown ids costs each request what it cost before, plus a lookup.
final class WarningMemo: Sendable {
    /// What an unknown id was looked for as: each site has its own words and vocabulary.
    enum Site: UInt8, Sendable, CaseIterable {
        /// A persona (`unknown persona 'x'`).
        case persona
        /// A context key (`unknown context key 'x'`).
        case contextKey
        /// A value of the closed context key named (`unknown value 'x' for context key 'k'`).
        case value
        /// A stage of the journey named (`unknown stage 'x' in journey 'j'`).
        case stage

        /// The kind of id, as the warning names it.
        var kind: String {
            switch self {
            case .persona: "persona"
            case .contextKey: "context key"
            case .value: "value"
            case .stage: "stage"
            }
        }

        /// What the name a site's id was looked for under is introduced with, or nil for a site without one.
        var words: String? {
            switch self {
            case .persona, .contextKey: nil
            case .value: " for context key '"
            case .stage: " in journey '"
            }
        }
    }

    /// How many warnings are held at most (a quarter of the slots, so that probes stay short).
    static let limit = 64
    private static let slotCount = 256

    private struct Entry {
        let hash: UInt64
        let site: Site
        let id: String
        let name: String
        let text: String
    }

    private struct Table {
        var slots: [Entry?] = Array(repeating: nil, count: WarningMemo.slotCount)
        var count = 0
    }

    private let table = Mutex(Table())

    init() {}

    /// The warning for `id` at `site` under `name` ("" for a site without one): the one remembered,
    /// else `write()`'s, which is remembered. `write` must give the same text for the same site and
    /// bytes of `id` and `name`.
    func text(_ site: Site, _ id: String, name: String, write: () -> String) -> String {
        let hash = Self.hash(site, id, name)
        let mask = Self.slotCount - 1
        let first = Int(truncatingIfNeeded: hash >> 56) & mask
        let found: String? = table.withLock { table in
            var slot = first
            while let entry = table.slots[slot] {
                if entry.hash == hash, entry.site == site, Self.sameBytes(entry.id, id), Self.sameBytes(entry.name, name) {
                    return entry.text
                }
                slot = (slot &+ 1) & mask
            }
            return nil
        }
        if let found { return found }
        // Written outside the lock: a hint searches the vocabulary.
        let text = write()
        table.withLock { table in
            if table.count >= Self.limit {
                table = Table()
            }
            var slot = first
            while let entry = table.slots[slot] {
                // Another thread wrote it meanwhile.
                if entry.hash == hash, entry.site == site, Self.sameBytes(entry.id, id), Self.sameBytes(entry.name, name) { return }
                slot = (slot &+ 1) & mask
            }
            table.slots[slot] = Entry(hash: hash, site: site, id: id, name: name, text: text)
            table.count += 1
        }
        return text
    }

    /// How many warnings are held (for tests).
    var count: Int { table.withLock { $0.count } }

    /// A hash of the site and both texts' bytes (``WordHash``).
    static func hash(_ site: Site, _ id: String, _ name: String) -> UInt64 {
        var state = 0x9E37_79B9_7F4A_7C15 ^ UInt64(site.rawValue)
        state = mix(id, into: state)
        return mix(name, into: state ^ 0xC2B2_AE3D_27D4_EB4F)
    }

    private static func mix(_ text: String, into state: UInt64) -> UInt64 {
        let mixed = text.utf8.withContiguousStorageIfAvailable { bytes in
            WordHash.mix(UnsafeRawBufferPointer(bytes), into: state ^ UInt64(bytes.count)).hash
        }
        if let mixed { return mixed }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { WordHash.mix($0, into: state ^ UInt64(bytes.count)).hash }
    }

    /// Whether `a` and `b` have the same UTF-8 bytes.
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        let same = a.utf8.withContiguousStorageIfAvailable { a in
            b.utf8.withContiguousStorageIfAvailable { b in
                a.count == b.count && UnsafeRawBufferPointer(a).elementsEqual(UnsafeRawBufferPointer(b))
            }
        }
        if let same = same ?? nil { return same }
        return a.utf8.elementsEqual(b.utf8)
    }
}
