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

    /// How many warnings are held at most (half the slots, so that probes stay short).
    static let limit = 64
    private static let slotCount = 128

    /// What a warning is remembered under: its site and the ``IDTable/Digest`` of both texts, whose
    /// count and words fix every byte of a text of at most ``IDTable/Digest/wordLimit`` bytes (longer
    /// ones are compared by their bytes as well). Holds no reference, so that a probe copies nothing
    /// that must be retained: an entry of strings was copied out of the table and destroyed for every
    /// slot looked at, and comparing the texts' bytes one at a time cost more than finding the hint
    /// saved (~1,100 instructions a remembered warning; ~380 now, with the lock).
    private struct Key: Equatable {
        let site: Site
        let id: IDTable.Digest
        let name: IDTable.Digest

        var isLong: Bool { id.count > IDTable.Digest.wordLimit || name.count > IDTable.Digest.wordLimit }
    }

    private struct Texts {
        let id: String
        let name: String
        let text: String
    }

    private struct Table {
        var keys: [Key?] = Array(repeating: nil, count: WarningMemo.slotCount)
        var texts: [Texts] = Array(repeating: Texts(id: "", name: "", text: ""), count: WarningMemo.slotCount)
        var count = 0

        /// The slot holding `key` (for `id` and `name`), or the empty slot where it would go.
        func slot(of key: Key, _ id: String, _ name: String) -> (slot: Int, found: Bool) {
            let mixed = (key.id.hash ^ key.name.hash &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.site.rawValue)) &* 0xFF51_AFD7_ED55_8CCD
            var slot = Int(truncatingIfNeeded: mixed >> 57)
            while let held = keys[slot] {
                if held == key, !key.isLong || WarningMemo.sameBytes(texts[slot].id, id) && WarningMemo.sameBytes(texts[slot].name, name) {
                    return (slot, true)
                }
                slot = (slot &+ 1) & (WarningMemo.slotCount - 1)
            }
            return (slot, false)
        }
    }

    private let table = Mutex(Table())

    init() {}

    /// The warning for `id` at `site` under `name` ("" for a site without one): the one remembered,
    /// else `write()`'s, which is remembered. `write` must give the same text for the same site and
    /// bytes of `id` and `name`.
    func text(_ site: Site, _ id: String, name: String, write: () -> String) -> String {
        guard let idDigest = IDTable.digest(id), let nameDigest = IDTable.digest(name) else { return write() }
        let key = Key(site: site, id: idDigest, name: nameDigest)
        let found: String? = table.withLock { table in
            let (slot, found) = table.slot(of: key, id, name)
            return found ? table.texts[slot].text : nil
        }
        if let found { return found }
        // Written outside the lock: a hint searches the vocabulary.
        let text = write()
        table.withLock { table in
            if table.count >= Self.limit { table = Table() }
            let (slot, found) = table.slot(of: key, id, name)
            // Another thread may have written it meanwhile.
            guard !found else { return }
            table.keys[slot] = key
            table.texts[slot] = Texts(id: id, name: name, text: text)
            table.count += 1
        }
        return text
    }

    /// How many warnings are held (for tests).
    var count: Int { table.withLock { $0.count } }

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
