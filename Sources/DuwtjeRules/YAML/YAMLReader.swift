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

/// Reads one YAML document with the system libyaml into a ``YAMLNode`` tree where every node
/// knows its file, line and column.
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
    /// `shareTexts`: scalar texts longer than 15 bytes are stored once per file (see `TreeBuilder`);
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
        var builder = TreeBuilder(file: file, limits: limits, cancellation: cancellation)
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

/// Turns libyaml's event stream into a node tree, one frame per open collection.
private struct TreeBuilder {
    struct Anchored {
        var node: YAMLNode
        var size: Int
        var height: Int
    }

    /// The pairs a merge key `<<` brings in, after `position` explicit pairs of its mapping.
    struct Merge {
        var position: Int
        var pairs: [YAMLNode.Pair]
    }

    enum Collection {
        case sequence([YAMLNode])
        /// The explicit pairs in order, as the node will hold them (a mapping without a merge key,
        /// nearly every one, becomes its node without copying them); `keys` indexes the explicit
        /// keys once a mapping is large; small ones are searched in `pairs`.
        case mapping(pairs: [YAMLNode.Pair], merges: [Merge], pendingKey: YAMLNode?, keys: [String: SourceLocation])
    }

    struct Frame {
        var collection: Collection
        var location: SourceLocation
        var anchor: String?
        var size = 1
        var height = 1
    }

    let file: String
    let limits: YAMLLimits
    let cancellation: LoadCancellation?
    var frames: [Frame] = []
    var anchors: [String: Anchored] = [:]
    var openAnchors: Set<String> = []
    var expanded = 0
    var document: YAMLNode?
    var documents = 0
    var diagnostics: [Diagnostic] = []
    /// Scalar texts longer than a small string (15 UTF-8 bytes, which need no allocation), kept once
    /// per file: rule files repeat texts (a `why` per process, tags, page prefixes), and the loaded
    /// set then holds one copy of each instead of one per rule (at 100,000 generated rules 600,000
    /// such scalars, 345,000 of them different within their file).
    ///
    /// Looked up by a hash of the scalar's bytes, compared byte by byte, so a repeated text is found
    /// before a `String` is made of it: no allocation, no UTF-8 check and no SipHash of the whole
    /// text for a repeat (a `Set<String>` of them was a sixth of building the tree). Two texts whose
    /// hashes collide are both kept, the second unshared: sharing saves memory, it means nothing.
    var longTexts: [UInt64: String] = [:]
    var shareTexts = true

    init(file: String, limits: YAMLLimits, cancellation: LoadCancellation?) {
        self.file = file
        self.limits = limits
        self.cancellation = cancellation
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
        return YAMLReader.Result(document: document, diagnostics: diagnostics)
    }

    func location(line: Int, column: Int) -> SourceLocation {
        SourceLocation(file: file, line: line + 1, column: column + 1)
    }

    func location(_ mark: yaml_mark_t) -> SourceLocation {
        location(line: Int(mark.line), column: Int(mark.column))
    }

    func parserError(_ parser: yaml_parser_t) -> Diagnostic {
        let problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
        var message = "malformed YAML: \(problem)"
        if let context = parser.context.map({ String(cString: $0) }) {
            message += " (\(context) at line \(parser.context_mark.line + 1), column \(parser.context_mark.column + 1))"
        }
        return Diagnostic(.error, message, at: location(parser.problem_mark))
    }

    static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, length: Int? = nil) -> String? {
        guard let pointer else { return nil }
        if let length {
            return String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
        }
        return String(cString: pointer)
    }

    /// A scalar's text; a long one is the copy already made of the same bytes, if any.
    mutating func scalarText(_ pointer: UnsafeMutablePointer<yaml_char_t>?, length: Int) -> String {
        guard let pointer else { return "" }
        let bytes = UnsafeBufferPointer(start: pointer, count: length)
        guard shareTexts, length > 15 else { return String(decoding: bytes, as: UTF8.self) }
        // FNV-1a: the dictionary hashes these 8 bytes again, not the whole text.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        if let known = longTexts[hash] {
            var known = known
            if known.withUTF8({ $0.elementsEqual(bytes) }) { return known }
            return String(decoding: bytes, as: UTF8.self)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        longTexts[hash] = text
        return text
    }

    /// Handles one event; returns true at the end of the stream.
    mutating func handle(_ event: inout yaml_event_t) throws -> Bool {
        let here = location(event.start_mark)
        switch event.type {
        case YAML_STREAM_END_EVENT:
            return true
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                throw Stop(diagnostic: Diagnostic(.error, "a rule file holds one YAML document, found a second one",
                                                  at: here, fix: "remove the `---` or move it into another file"))
            }
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text = scalarText(scalar.value, length: Int(scalar.length))
            let tag = try resolveTag(Self.string(scalar.tag), at: here)
            let plain = scalar.style == YAML_PLAIN_SCALAR_STYLE && tag != YAMLNode.stringTag
            let node = YAMLNode(.scalar(.init(text: text, isPlain: plain, tag: tag)), at: here)
            try count(1, at: here)
            try add(node, size: 1, height: 1, anchor: Self.string(scalar.anchor))
        case YAML_SEQUENCE_START_EVENT:
            _ = try resolveTag(Self.string(event.data.sequence_start.tag), at: here)
            try open(.sequence([]), at: here, anchor: Self.string(event.data.sequence_start.anchor))
        case YAML_MAPPING_START_EVENT:
            _ = try resolveTag(Self.string(event.data.mapping_start.tag), at: here)
            try open(.mapping(pairs: [], merges: [], pendingKey: nil, keys: [:]), at: here,
                     anchor: Self.string(event.data.mapping_start.anchor))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            try close()
        case YAML_ALIAS_EVENT:
            let name = Self.string(event.data.alias.anchor) ?? ""
            if openAnchors.contains(name) {
                throw Stop(diagnostic: Diagnostic(.error, "alias *\(name) refers to a node that contains it (a cycle)",
                                                  at: here, fix: "an alias may only repeat a node that is complete"))
            }
            guard let anchored = anchors[name] else {
                throw Stop(diagnostic: Diagnostic(.error, "alias *\(name) names no anchor defined before it", at: here,
                                                  fix: "define `&\(name)` earlier in the file"))
            }
            try count(anchored.size, at: here)
            try checkDepth(frames.count + anchored.height, at: here)
            let node = anchored.node
            try add(node, size: anchored.size, height: anchored.height, anchor: nil, aliasAt: here)
        default:
            break
        }
        return false
    }

    func resolveTag(_ tag: String?, at here: SourceLocation) throws -> String? {
        guard let tag, tag != "!" else { return nil }
        let known = ["str", "int", "bool", "null", "float", "map", "seq"].map { "tag:yaml.org,2002:" + $0 }
        guard known.contains(tag) else {
            throw Stop(diagnostic: Diagnostic(.error, "unsupported YAML tag \(tag)", at: here,
                                              fix: "remove the tag; Duwtje decides types from the field"))
        }
        return tag
    }

    mutating func count(_ nodes: Int, at here: SourceLocation) throws {
        expanded += nodes
        if expanded > limits.maxNodes {
            throw Stop(diagnostic: Diagnostic(
                .error, "document expands past \(limits.maxNodes) nodes (aliases counted as expanded)", at: here,
                fix: "use fewer or smaller aliases, or split the file"))
        }
    }

    func checkDepth(_ depth: Int, at here: SourceLocation) throws {
        if depth > limits.maxDepth {
            throw Stop(diagnostic: Diagnostic(.error, "document nests deeper than \(limits.maxDepth) levels", at: here,
                                              fix: "flatten the structure"))
        }
    }

    mutating func open(_ collection: Collection, at here: SourceLocation, anchor: String?) throws {
        try checkDepth(frames.count + 1, at: here)
        if let anchor { openAnchors.insert(anchor) }
        frames.append(Frame(collection: collection, location: here, anchor: anchor))
    }

    mutating func close() throws {
        guard let frame = frames.popLast() else { return }
        let node: YAMLNode
        switch frame.collection {
        case .sequence(let items):
            node = YAMLNode(.sequence(items), at: frame.location)
        case .mapping(let pairs, let merges, _, _):
            node = YAMLNode(.mapping(merges.isEmpty ? pairs : Self.flatten(pairs, merges)), at: frame.location)
        }
        if let anchor = frame.anchor { openAnchors.remove(anchor) }
        try count(1, at: frame.location)
        try add(node, size: frame.size, height: frame.height, anchor: frame.anchor)
    }

    /// Explicit keys win over merged ones; among merged mappings, the first one named wins. The
    /// merged pairs stand where their `<<` was written.
    static func flatten(_ explicit: [YAMLNode.Pair], _ merges: [Merge]) -> [YAMLNode.Pair] {
        var seen = Set(explicit.map(\.name))
        var pairs: [YAMLNode.Pair] = []
        var next = 0
        for position in 0...explicit.count {
            while next < merges.count, merges[next].position == position {
                for pair in merges[next].pairs where !seen.contains(pair.name) {
                    seen.insert(pair.name)
                    pairs.append(pair)
                }
                next += 1
            }
            if position < explicit.count { pairs.append(explicit[position]) }
        }
        return pairs
    }

    mutating func add(_ node: YAMLNode, size: Int, height: Int, anchor: String?, aliasAt: SourceLocation? = nil) throws {
        if let anchor {
            anchors[anchor] = Anchored(node: node, size: size, height: height)
        }
        guard !frames.isEmpty else {
            document = node
            return
        }
        // The open collection is changed where it stands: its payload is swapped out (so its
        // arrays stay uniquely referenced and grow in place) instead of the whole frame (location,
        // anchor, collection) being popped and pushed again for every node.
        let top = frames.count - 1
        frames[top].size += size
        frames[top].height = max(frames[top].height, height + 1)
        var collection = Collection.sequence([])
        swap(&collection, &frames[top].collection)
        switch collection {
        case .sequence(var items):
            collection = .sequence([])
            items.append(node)
            collection = .sequence(items)
        case .mapping(var pairs, var merges, let pendingKey, var keys):
            collection = .sequence([])
            if let key = pendingKey {
                let name = key.scalar?.text ?? ""
                if key.scalar?.isPlain == true, name == "<<" {
                    merges.append(Merge(position: pairs.count, pairs: try mergeSources(node, at: aliasAt ?? node.location)))
                } else if let first = Self.explicitKey(name, in: pairs, index: keys) {
                    diagnostics.append(Diagnostic(.error, "duplicate key '\(name)' (first at line \(first.line), column \(first.column))",
                                                  at: key.location, fix: "keep one of them"))
                } else {
                    if pairs.count >= Self.indexedMappingSize {
                        if keys.isEmpty {
                            for pair in pairs { keys[pair.name] = pair.key.location }
                        }
                        keys[name] = key.location
                    }
                    pairs.append(YAMLNode.Pair(key: key, value: node))
                }
                collection = .mapping(pairs: pairs, merges: merges, pendingKey: nil, keys: keys)
            } else {
                guard node.scalar != nil else {
                    throw Stop(diagnostic: Diagnostic(.error, "a mapping key must be a plain value, not \(node.kindDescription)",
                                                      at: node.location))
                }
                collection = .mapping(pairs: pairs, merges: merges, pendingKey: node, keys: keys)
            }
        }
        frames[top].collection = collection
    }

    /// Mappings with fewer explicit entries than this are checked for duplicate keys by a linear
    /// search: cheaper than hashing every key of the many small mappings a rule file holds.
    static let indexedMappingSize = 12

    static func explicitKey(_ name: String, in pairs: [YAMLNode.Pair], index: [String: SourceLocation]) -> SourceLocation? {
        if !index.isEmpty { return index[name] }
        for pair in pairs where pair.key.scalar?.text == name { return pair.key.location }
        return nil
    }

    /// The value of a merge key: a mapping, or a list of mappings.
    func mergeSources(_ node: YAMLNode, at here: SourceLocation) throws -> [YAMLNode.Pair] {
        if let pairs = node.mapping { return pairs }
        if let items = node.sequence {
            var merged: [YAMLNode.Pair] = []
            var seen = Set<String>()
            for item in items {
                guard let pairs = item.mapping else {
                    throw Stop(diagnostic: Diagnostic(.error, "the merge key << takes a mapping or a list of mappings",
                                                      at: item.location))
                }
                for pair in pairs where !seen.contains(pair.name) {
                    seen.insert(pair.name)
                    merged.append(pair)
                }
            }
            return merged
        }
        throw Stop(diagnostic: Diagnostic(.error, "the merge key << takes a mapping or a list of mappings, not \(node.kindDescription)",
                                          at: here))
    }
}
