internal import CLibYAML

/// The bounds a YAML file must stay within, so that no file can exhaust the daemon.
///
/// libyaml resolves an alias to the node it names, so a tiny file can describe an enormous
/// document ("billion laughs"); the reader counts nodes as if every alias were expanded and
/// refuses the file before doing any of that work.
public struct YAMLLimits: Sendable, Hashable {
    public var maxBytes: Int
    public var maxDepth: Int
    public var maxNodes: Int

    public init(maxBytes: Int = 8 << 20, maxDepth: Int = 64, maxNodes: Int = 100_000) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
    }

    public static let `default` = YAMLLimits()
}

/// Reads one YAML document with the system libyaml into a ``YAMLDocument`` (a node arena) where
/// every node knows its file, line and column.
///
/// On top of plain YAML it refuses repeated mapping keys, resolves anchors, aliases and the merge
/// key `<<`, and enforces ``YAMLLimits``. It never decides what a scalar means: that is the schema's job.
public enum YAMLReader {
    /// The result of reading one file: the document (nil when the file holds none or could not be
    /// read to its end) and what was found wrong. After a duplicate key the document is still
    /// returned, with the first value kept, so the schema can report the file's other errors too.
    public struct Result: Sendable {
        public var document: YAMLNode?
        public var diagnostics: [Diagnostic]
    }

    /// With `cancellation`, a read stops at the next event once it is cancelled, with the error
    /// ``cancelledMessage`` (see ``LoadCancellation``).
    /// `shareTexts`: scalar texts longer than 15 bytes are stored once per file (see `DocumentBuilder`);
    /// worth it for a tree whose texts are kept, not for one that is read and dropped.
    public static func read(_ bytes: [UInt8], file: String, limits: YAMLLimits = .default, shareTexts: Bool = true,
                            cancellation: LoadCancellation? = nil) -> Result {
        if bytes.count > limits.maxBytes {
            return fail("file is \(bytes.count) bytes, over the limit of \(limits.maxBytes) bytes",
                        at: SourceLocation(file: file, line: 1, column: 1),
                        fix: "split it into several files")
        }
        // The standard library's validation is fast; the byte-by-byte walk only runs to name the place.
        if String(validating: bytes, as: UTF8.self) == nil, let invalid = firstInvalidUTF8(bytes) {
            return fail("file is not valid UTF-8 (byte offset \(invalid.offset))", at: invalid.location(file: file),
                        fix: "save the file as UTF-8")
        }
        if bytes.isEmpty { return Result(document: nil, diagnostics: []) }
        var builder = DocumentBuilder(file: file, limits: limits, cancellation: cancellation, fileSize: bytes.count)
        builder.shareTexts = shareTexts
        return builder.run(bytes)
    }

    /// The error of a read or load stopped by its ``LoadCancellation``.
    public static let cancelledMessage = "the load was cancelled"

    static func fail(_ message: String, at location: SourceLocation, fix: String? = nil) -> Result {
        Result(document: nil, diagnostics: [Diagnostic(.error, message, at: location, fix: fix)])
    }

    struct InvalidByte {
        var offset: Int
        var line: Int
        var column: Int
        func location(file: String) -> SourceLocation { SourceLocation(file: file, line: line, column: column) }
    }

    /// The first byte that is not part of well-formed UTF-8, with its line and column.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> InvalidByte? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        var line = 1
        var column = 1
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                if encoded.count == 1, encoded.first == UInt8(ascii: "\n") {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
                offset += encoded.count
            case .error:
                return InvalidByte(offset: offset, line: line, column: column)
            case .emptyInput:
                return nil
            }
        }
    }
}

/// Turns libyaml's event stream into a ``YAMLDocument`` arena, one frame per open collection.
///
/// A node is appended to `entries` when it is complete (a collection at its end event); the
/// children of the open collections wait in one shared stack, `pending`, and are moved into
/// `children` in one piece when their collection closes. So building a tree allocates nothing per
/// node: only these arrays grow.
private struct DocumentBuilder {
    typealias Entry = YAMLDocument.Entry

    struct Anchored {
        var index: UInt32
        var size: Int
        var height: Int
    }

    /// The pairs (key and value nodes) a merge key `<<` brings in, after `position` explicit pairs
    /// of its mapping.
    struct Merge {
        var position: Int
        var pairs: [(key: UInt32, value: UInt32)]
    }

    /// An open collection. Plain data: what few collections have (an anchor, merges, a table of
    /// keys) stands in stacks beside `frames`, the open frame's last, so that opening and closing a
    /// collection neither makes nor destroys a `String?`, an array and a dictionary (issue 15,
    /// `load11`: destroying the frame was ~140 instructions a collection).
    struct Frame {
        var kind: Entry.Kind
        var line: UInt32
        var column: UInt32
        /// Its anchor is the last of `frameAnchors`.
        var hasAnchor: Bool
        /// Where this collection's children start in `pending` (a mapping's as key, value, …).
        var base: Int
        var size = 1
        var height = 1
        var pendingKey: UInt32?
        /// Its merges are the last `mergeCount` of `frameMerges`.
        var mergeCount = 0
        /// The explicit keys' nodes by name, once a mapping is large, are the last of `frameKeys`;
        /// small ones are searched in `pending`.
        var hasKeys = false
    }

    let file: String
    let limits: YAMLLimits
    let cancellation: LoadCancellation?
    var entries: [Entry] = []
    var children: [UInt32] = []
    /// The scalars' texts: `textCount` bytes of it are written. Made at the file's size at once
    /// and written with `memcpy` (``appendText(_:)``): `append(contentsOf:)` took ~105
    /// instructions a scalar, half of storing its text (issue 15, `load11`).
    var text: [UInt8] = []
    var textCount = 0
    var pending: [UInt32] = []
    var frames: [Frame] = []
    /// The anchors, merges and key tables of the open frames that have them (see ``Frame``).
    var frameAnchors: [String] = []
    var frameMerges: [Merge] = []
    var frameKeys: [[String: UInt32]] = []
    var anchors: [String: Anchored] = [:]
    var openAnchors: Set<String> = []
    var expanded = 0
    var root: UInt32?
    var documents = 0
    var diagnostics: [Diagnostic] = []
    /// Scalar texts longer than a small string (15 UTF-8 bytes), stored once per file: rule files
    /// repeat texts (a `why` per process, tags, page prefixes); a repeat points at the first copy's
    /// bytes, and the loader then makes one `String` of them (``SchemaDecoder``), not one per rule.
    ///
    /// Looked up by an FNV-1a hash of the bytes, compared byte by byte. Two texts whose hashes
    /// collide are both stored, the second unshared: sharing saves memory, it means nothing.
    var longTexts = LongTexts()
    var shareTexts = true

    /// The first stored place of each FNV-1a hash of a long text: open addressing over the hash
    /// itself. A `Dictionary` hashed the hash again with SipHash for each of the ~40,000 long
    /// texts of a 10,000-rule set (a sixth of the builder's own work). One place per hash value, as
    /// the dictionary kept, so texts are shared exactly as before.
    struct LongTexts {
        struct Slot {
            var hash: UInt64
            var start: UInt32
            var count: UInt32
        }

        /// `count == UInt32.max`: an empty slot (a stored text is never that long).
        private var slots: [Slot] = []
        private var used = 0

        /// The place stored for `hash`, if any.
        func place(of hash: UInt64) -> (start: UInt32, count: UInt32)? {
            guard !slots.isEmpty else { return nil }
            let mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot].count != UInt32.max {
                if slots[slot].hash == hash { return (slots[slot].start, slots[slot].count) }
                slot = (slot &+ 1) & mask
            }
            return nil
        }

        /// Stores `place` for `hash`, which has none yet.
        mutating func insert(_ hash: UInt64, _ place: (start: UInt32, count: UInt32)) {
            if (used + 1) * 2 > slots.count { grow() }
            let mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot].count != UInt32.max { slot = (slot &+ 1) & mask }
            slots[slot] = Slot(hash: hash, start: place.start, count: place.count)
            used += 1
        }

        private mutating func grow() {
            let old = slots
            slots = Array(repeating: Slot(hash: 0, start: 0, count: UInt32.max), count: max(64, old.count * 2))
            used = 0
            for slot in old where slot.count != UInt32.max { insert(slot.hash, (slot.start, slot.count)) }
        }
    }

    init(file: String, limits: YAMLLimits, cancellation: LoadCancellation?, fileSize: Int) {
        self.file = file
        self.limits = limits
        self.cancellation = cancellation
        // Texts are at most as long as the file (quoting, escapes and indentation only shrink them;
        // repeats are shared); a node takes 6 bytes of YAML or more.
        text = [UInt8](repeating: 0, count: fileSize)
        entries.reserveCapacity(fileSize / 12)
        children.reserveCapacity(fileSize / 12)
    }

    struct Stop: Error {
        var diagnostic: Diagnostic
    }

    mutating func run(_ bytes: [UInt8]) -> YAMLReader.Result {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) != 0 else {
            return YAMLReader.fail("libyaml could not allocate a parser", at: location(line: 0, column: 0))
        }
        defer { yaml_parser_delete(&parser) }
        do {
            try bytes.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                yaml_parser_set_input_string(&parser, base, buffer.count)
                var finished = false
                while !finished {
                    var event = yaml_event_t()
                    guard yaml_parser_parse(&parser, &event) != 0 else {
                        throw Stop(diagnostic: parserError(parser))
                    }
                    defer { yaml_event_delete(&event) }
                    if let cancellation, cancellation.isCancelled {
                        throw Stop(diagnostic: Diagnostic(.error, YAMLReader.cancelledMessage, at: location(event.start_mark)))
                    }
                    finished = try handle(&event)
                }
            }
        } catch let stop as Stop {
            return YAMLReader.Result(document: nil, diagnostics: diagnostics + [stop.diagnostic])
        } catch {
            return YAMLReader.fail("\(error)", at: location(line: 0, column: 0))
        }
        guard let root else { return YAMLReader.Result(document: nil, diagnostics: diagnostics) }
        text.removeLast(text.count - textCount)
        let document = YAMLDocument(file: file, entries: entries, children: children, text: text, root: root)
        return YAMLReader.Result(document: document.rootNode, diagnostics: diagnostics)
    }

    func location(line: Int, column: Int) -> SourceLocation {
        SourceLocation(file: file, line: line + 1, column: column + 1)
    }

    func location(_ mark: yaml_mark_t) -> SourceLocation {
        location(line: Int(mark.line), column: Int(mark.column))
    }

    func location(of index: UInt32) -> SourceLocation {
        let entry = entries[Int(index)]
        return SourceLocation(file: file, line: Int(entry.line), column: Int(entry.column))
    }

    func name(_ index: UInt32) -> String { Self.name(index, entries, text) }

    static func name(_ index: UInt32, _ entries: [Entry], _ text: [UInt8]) -> String {
        let entry = entries[Int(index)]
        return String(decoding: text[Int(entry.start)..<Int(entry.start + entry.count)], as: UTF8.self)
    }

    static func sameText(_ first: UInt32, _ second: UInt32, _ entries: [Entry], _ text: [UInt8]) -> Bool {
        let one = entries[Int(first)]
        let other = entries[Int(second)]
        guard one.count == other.count else { return false }
        return text.withUnsafeBufferPointer { buffer in
            YAMLDocument.bytes(of: text, at: Int(one.start),
                               equal: UnsafeBufferPointer(rebasing: buffer[Int(other.start)..<Int(other.start + other.count)]))
        }
    }

    func parserError(_ parser: yaml_parser_t) -> Diagnostic {
        let problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
        var message = "malformed YAML: \(problem)"
        if let context = parser.context.map({ String(cString: $0) }) {
            message += " (\(context) at line \(parser.context_mark.line + 1), column \(parser.context_mark.column + 1))"
        }
        return Diagnostic(.error, message, at: location(parser.problem_mark))
    }

    static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    /// Stores a scalar's text; a long one points at the copy already stored of the same bytes, if any.
    mutating func storeText(_ pointer: UnsafeMutablePointer<yaml_char_t>?, length: Int) -> (start: UInt32, count: UInt32) {
        let start = UInt32(truncatingIfNeeded: textCount)
        guard let pointer, length > 0 else { return (start, 0) }
        let bytes = UnsafeBufferPointer(start: pointer, count: length)
        let stored = (start: start, count: UInt32(truncatingIfNeeded: length))
        guard shareTexts, length > 15 else {
            appendText(bytes)
            return stored
        }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        if let known = longTexts.place(of: hash) {
            if Int(known.count) == length, YAMLDocument.bytes(of: text, at: Int(known.start), equal: bytes) { return known }
        } else {
            longTexts.insert(hash, stored)
        }
        appendText(bytes)
        return stored
    }

    /// Writes `bytes` after the texts stored so far, making room first if the file's size was not
    /// enough (a scalar's text is never longer than what was written for it, so this is a guard).
    mutating func appendText(_ bytes: UnsafeBufferPointer<UInt8>) {
        if textCount + bytes.count > text.count {
            text.append(contentsOf: repeatElement(0, count: max(text.count, bytes.count)))
        }
        let offset = textCount
        text.withUnsafeMutableBufferPointer { buffer in
            guard let target = buffer.baseAddress, let source = bytes.baseAddress else { return }
            (target + offset).update(from: source, count: bytes.count)
        }
        textCount += bytes.count
    }

    mutating func append(_ entry: Entry) -> UInt32 {
        entries.append(entry)
        return UInt32(truncatingIfNeeded: entries.count - 1)
    }

    /// Handles one event; returns true at the end of the stream.
    mutating func handle(_ event: inout yaml_event_t) throws -> Bool {
        let mark = event.start_mark
        switch event.type {
        case YAML_STREAM_END_EVENT:
            return true
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                throw Stop(diagnostic: Diagnostic(.error, "a rule file holds one YAML document, found a second one",
                                                  at: location(mark), fix: "remove the `---` or move it into another file"))
            }
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let stored = storeText(scalar.value, length: Int(scalar.length))
            let tag = try resolveTag(scalar.tag, at: mark)
            let plain = scalar.style == YAML_PLAIN_SCALAR_STYLE && tag != Self.stringTag
            let index = append(Entry(line: UInt32(truncatingIfNeeded: mark.line + 1), column: UInt32(truncatingIfNeeded: mark.column + 1),
                                     start: stored.start, count: stored.count, kind: .scalar, isPlain: plain, tag: tag))
            try count(1, at: mark)
            try add(index, size: 1, height: 1, anchor: Self.string(scalar.anchor))
        case YAML_SEQUENCE_START_EVENT:
            _ = try resolveTag(event.data.sequence_start.tag, at: mark)
            try open(.sequence, at: mark, anchor: Self.string(event.data.sequence_start.anchor))
        case YAML_MAPPING_START_EVENT:
            _ = try resolveTag(event.data.mapping_start.tag, at: mark)
            try open(.mapping, at: mark, anchor: Self.string(event.data.mapping_start.anchor))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            try close()
        case YAML_ALIAS_EVENT:
            let name = Self.string(event.data.alias.anchor) ?? ""
            if openAnchors.contains(name) {
                throw Stop(diagnostic: Diagnostic(.error, "alias *\(name) refers to a node that contains it (a cycle)",
                                                  at: location(mark), fix: "an alias may only repeat a node that is complete"))
            }
            guard let anchored = anchors[name] else {
                throw Stop(diagnostic: Diagnostic(.error, "alias *\(name) names no anchor defined before it", at: location(mark),
                                                  fix: "define `&\(name)` earlier in the file"))
            }
            try count(anchored.size, at: mark)
            try checkDepth(frames.count + anchored.height, at: mark)
            // The alias is the anchored node itself (its place is where the anchor was written).
            try add(anchored.index, size: anchored.size, height: anchored.height, anchor: nil, aliasAt: mark)
        default:
            break
        }
        return false
    }

    /// `Entry.tag` for `!!str`.
    static let stringTag = UInt8(YAMLDocument.tags.firstIndex(of: YAMLNode.stringTag) ?? 0) + 1

    /// The tag as an index into ``YAMLDocument/tags`` plus one (0: none).
    func resolveTag(_ pointer: UnsafeMutablePointer<yaml_char_t>?, at mark: yaml_mark_t) throws -> UInt8 {
        guard let tag = Self.string(pointer), tag != "!" else { return 0 }
        guard let known = YAMLDocument.tags.firstIndex(of: tag) else {
            throw Stop(diagnostic: Diagnostic(.error, "unsupported YAML tag \(tag)", at: location(mark),
                                              fix: "remove the tag; Duwtje decides types from the field"))
        }
        return UInt8(known + 1)
    }

    mutating func count(_ nodes: Int, at mark: yaml_mark_t) throws {
        expanded += nodes
        if expanded > limits.maxNodes { throw tooManyNodes(at: location(mark)) }
    }



    func tooManyNodes(at place: SourceLocation) -> Stop {
        Stop(diagnostic: Diagnostic(.error, "document expands past \(limits.maxNodes) nodes (aliases counted as expanded)", at: place,
                                    fix: "use fewer or smaller aliases, or split the file"))
    }

    func checkDepth(_ depth: Int, at mark: yaml_mark_t) throws {
        if depth > limits.maxDepth {
            throw Stop(diagnostic: Diagnostic(.error, "document nests deeper than \(limits.maxDepth) levels", at: location(mark),
                                              fix: "flatten the structure"))
        }
    }

    mutating func open(_ kind: Entry.Kind, at mark: yaml_mark_t, anchor: String?) throws {
        try checkDepth(frames.count + 1, at: mark)
        if let anchor {
            openAnchors.insert(anchor)
            frameAnchors.append(anchor)
        }
        frames.append(Frame(kind: kind, line: UInt32(truncatingIfNeeded: mark.line + 1),
                            column: UInt32(truncatingIfNeeded: mark.column + 1), hasAnchor: anchor != nil, base: pending.count))
    }

    mutating func close() throws {
        guard let frame = frames.popLast() else { return }
        let anchor = frame.hasAnchor ? frameAnchors.popLast() : nil
        if frame.hasKeys { frameKeys.removeLast() }
        let start = children.count
        if frame.mergeCount == 0 {
            // Copied as one block of memory and cut off at the end: appending the array slice and
            // removing the subrange went through the generic paths (~200 instructions a collection).
            pending.withUnsafeBufferPointer { buffer in
                children.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[frame.base...]))
            }
        } else {
            let merges = Array(frameMerges.suffix(frame.mergeCount))
            frameMerges.removeLast(frame.mergeCount)
            flatten(frame, merges)
        }
        pending.removeLast(pending.count - frame.base)
        let index = append(Entry(line: frame.line, column: frame.column, start: UInt32(truncatingIfNeeded: start),
                                 count: UInt32(truncatingIfNeeded: children.count - start), kind: frame.kind, isPlain: false, tag: 0))
        if let anchor { openAnchors.remove(anchor) }
        // The place is worked out only for the error: a ``SourceLocation`` (its file name retained
        // and released) was made for every collection closed.
        expanded += 1
        if expanded > limits.maxNodes { throw tooManyNodes(at: location(of: index)) }
        try add(index, size: frame.size, height: frame.height, anchor: anchor)
    }

    /// Moves a mapping's pairs into `children` with its merged ones: explicit keys win over merged
    /// ones; among merged mappings, the first one named wins. The merged pairs stand where their
    /// `<<` was written.
    mutating func flatten(_ frame: Frame, _ merges: [Merge]) {
        let explicit = (pending.count - frame.base) / 2
        var seen = Set((0..<explicit).map { name(pending[frame.base + 2 * $0]) })
        var next = 0
        for position in 0...explicit {
            while next < merges.count, merges[next].position == position {
                for pair in merges[next].pairs where seen.insert(name(pair.key)).inserted {
                    children.append(pair.key)
                    children.append(pair.value)
                }
                next += 1
            }
            if position < explicit {
                children.append(pending[frame.base + 2 * position])
                children.append(pending[frame.base + 2 * position + 1])
            }
        }
    }

    mutating func add(_ index: UInt32, size: Int, height: Int, anchor: String?, aliasAt: yaml_mark_t? = nil) throws {
        if let anchor {
            anchors[anchor] = Anchored(index: index, size: size, height: height)
        }
        guard !frames.isEmpty else {
            root = index
            return
        }
        let top = frames.count - 1
        frames[top].size += size
        frames[top].height = max(frames[top].height, height + 1)
        if frames[top].kind == .sequence {
            pending.append(index)
            return
        }
        guard let key = frames[top].pendingKey else {
            guard entries[Int(index)].kind == .scalar else {
                throw Stop(diagnostic: Diagnostic(.error, "a mapping key must be a plain value, not \(kindDescription(index))",
                                                  at: location(of: index)))
            }
            frames[top].pendingKey = index
            return
        }
        frames[top].pendingKey = nil
        let keyEntry = entries[Int(key)]
        if keyEntry.isPlain, keyEntry.count == 2, text[Int(keyEntry.start)..<Int(keyEntry.start) + 2].elementsEqual("<<".utf8) {
            let place = aliasAt.map { location($0) } ?? location(of: index)
            let merge = Merge(position: (pending.count - frames[top].base) / 2, pairs: try mergeSources(index, at: place))
            frameMerges.append(merge)
            frames[top].mergeCount += 1
        } else if let first = explicitKey(key, base: frames[top].base) {
            let firstEntry = entries[Int(first)]
            diagnostics.append(Diagnostic(.error, "duplicate key '\(name(key))' (first at line \(firstEntry.line), column \(firstEntry.column))",
                                          at: location(of: key), fix: "keep one of them"))
        } else {
            let base = frames[top].base
            if (pending.count - base) / 2 >= Self.indexedMappingSize {
                if !frames[top].hasKeys {
                    var keys: [String: UInt32] = [:]
                    for position in stride(from: base, to: pending.count, by: 2) {
                        keys[Self.name(pending[position], entries, text)] = pending[position]
                    }
                    frameKeys.append(keys)
                    frames[top].hasKeys = true
                }
                frameKeys[frameKeys.count - 1][Self.name(key, entries, text)] = key
            }
            pending.append(key)
            pending.append(index)
        }
    }

    func kindDescription(_ index: UInt32) -> String {
        YAMLDocument.kindDescription(entries[Int(index)], in: text)
    }

    /// Mappings with fewer explicit entries than this are checked for duplicate keys by a linear
    /// search of their keys' bytes: cheaper than hashing every key of the many small mappings a
    /// rule file holds.
    static let indexedMappingSize = 12

    /// The key node of the mapping's explicit key with the same text as `key`, if any.
    ///
    /// `mutating` though it changes nothing: called from `add` (mutating), a non-mutating method got
    /// a copy of the whole builder (a retain and a release of each of its arrays) for every pair.
    mutating func explicitKey(_ key: UInt32, base: Int) -> UInt32? {
        let top = frames.count - 1
        if frames[top].hasKeys { return frameKeys[frameKeys.count - 1][Self.name(key, entries, text)] }
        for position in stride(from: base, to: pending.count, by: 2)
        where Self.sameText(pending[position], key, entries, text) {
            return pending[position]
        }
        return nil
    }

    /// The pairs a merge key's value brings in: a mapping's, or those of a list of mappings (the
    /// first one naming a key wins).
    func mergeSources(_ index: UInt32, at here: SourceLocation) throws -> [(key: UInt32, value: UInt32)] {
        let entry = entries[Int(index)]
        let range = Int(entry.start)..<Int(entry.start + entry.count)
        switch entry.kind {
        case .mapping:
            return stride(from: range.lowerBound, to: range.upperBound, by: 2).map { (key: children[$0], value: children[$0 + 1]) }
        case .sequence:
            var merged: [(key: UInt32, value: UInt32)] = []
            var seen = Set<String>()
            for item in children[range] {
                let itemEntry = entries[Int(item)]
                guard itemEntry.kind == .mapping else {
                    throw Stop(diagnostic: Diagnostic(.error, "the merge key << takes a mapping or a list of mappings",
                                                      at: location(of: item)))
                }
                for position in stride(from: Int(itemEntry.start), to: Int(itemEntry.start + itemEntry.count), by: 2)
                where seen.insert(name(children[position])).inserted {
                    merged.append((key: children[position], value: children[position + 1]))
                }
            }
            return merged
        case .scalar:
            throw Stop(diagnostic: Diagnostic(.error, "the merge key << takes a mapping or a list of mappings, not \(kindDescription(index))",
                                              at: here))
        }
    }
}
