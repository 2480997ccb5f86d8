import Foundation

/// One parsed YAML file as a node arena: every node in one contiguous array, every collection's
/// children in a second one, and every scalar's text in one byte buffer. A tree of any size is these
/// few large allocations, made while the file is parsed and freed as a whole with the document.
///
/// A recursive tree (an enum with arrays of children and a `String` per scalar) made a small
/// allocation for nearly every node; a rule set's long-lived definition was then allocated among
/// those trees, and once they were freed their holes (free chunks smaller than a page between live
/// ones) stayed in malloc's heap for the daemon's lifetime (issue 15: ~30 MB at 10,000 rules). It
/// also spent most of a load on allocating, reference counting and freeing the nodes.
///
/// Nodes are read through ``YAMLNode`` (this document and an index); a scalar's `String` is made
/// only when a reader asks for it.
public final class YAMLDocument: Sendable {
    /// One node: 20 bytes, its place and either its text (a scalar) or its children (a collection).
    struct Entry: Sendable {
        /// 1-based, as reported.
        var line: UInt32
        var column: UInt32
        /// A scalar: its text's bytes in `text`. A collection: its children in `children` (a
        /// mapping's as key, value, key, value…, so `count` is twice its pairs).
        var start: UInt32
        var count: UInt32
        var kind: Kind
        /// A plain (unquoted) scalar without a `!!str` tag.
        var isPlain: Bool
        /// An index into ``YAMLDocument/tags`` plus one; 0 for no tag.
        var tag: UInt8

        enum Kind: UInt8, Sendable {
            case scalar, sequence, mapping
        }
    }

    /// The file's path, as every node's ``SourceLocation`` names it.
    public let file: String
    let entries: [Entry]
    let children: [UInt32]
    let text: [UInt8]
    let root: UInt32

    /// The tags a scalar may carry (``YAMLReader`` refuses others); `Entry.tag` indexes them.
    static let tags = ["str", "int", "bool", "null", "float", "map", "seq"].map { "tag:yaml.org,2002:" + $0 }

    init(file: String, entries: [Entry], children: [UInt32], text: [UInt8], root: UInt32) {
        self.file = file
        self.entries = entries
        self.children = children
        self.text = text
        self.root = root
    }

    /// The document's root node.
    public var rootNode: YAMLNode { YAMLNode(document: self, index: root) }

    /// How many nodes the arena holds (an alias's node is held once, however often it is used).
    public var nodeCount: Int { entries.count }

    /// How many bytes the scalars' texts take: a long text written more than once in the file is
    /// stored once (unless the reader was told not to share texts).
    public var textByteCount: Int { text.count }

    func location(_ index: UInt32) -> SourceLocation {
        let entry = entries[Int(index)]
        return SourceLocation(file: file, line: Int(entry.line), column: Int(entry.column))
    }

    func string(_ index: UInt32) -> String {
        let entry = entries[Int(index)]
        return text.withUnsafeBufferPointer { buffer in
            String(decoding: UnsafeBufferPointer(rebasing: buffer[Int(entry.start)..<Int(entry.start + entry.count)]), as: UTF8.self)
        }
    }

    /// Calls `body` with a scalar's text where it is stored, without making a `String` of it.
    func withText<Result>(_ index: UInt32, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        let entry = entries[Int(index)]
        return text.withUnsafeBufferPointer { buffer in
            body(UnsafeBufferPointer(rebasing: buffer[Int(entry.start)..<Int(entry.start + entry.count)]))
        }
    }

    /// Whether a scalar's text is exactly `bytes`, without making a `String` of it.
    func textEquals(_ index: UInt32, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let entry = entries[Int(index)]
        guard Int(entry.count) == bytes.count else { return false }
        return Self.bytes(of: text, at: Int(entry.start), equal: bytes)
    }

    /// Whether `text` holds `bytes` at `start`. `memcmp`: the generic `elementsEqual` of an array
    /// slice took ~25 instructions a byte (a tenth of building a rule file's tree went to comparing
    /// repeated long texts).
    static func bytes(of text: [UInt8], at start: Int, equal bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard start >= 0, start + bytes.count <= text.count else { return false }
        guard let other = bytes.baseAddress, !bytes.isEmpty else { return true }
        return text.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return false }
            return memcmp(base + start, other, bytes.count) == 0
        }
    }

    func isNull(_ index: UInt32) -> Bool { Self.isNull(entries[Int(index)], in: text) }

    func kindDescription(_ index: UInt32) -> String { Self.kindDescription(entries[Int(index)], in: text) }

    /// `null`, `~` or nothing at all, written plainly, or tagged `!!null`. Static, so the reader
    /// can ask it of nodes before their document exists.
    static func isNull(_ entry: Entry, in text: [UInt8]) -> Bool {
        guard entry.kind == .scalar else { return false }
        if entry.tag != 0, tags[Int(entry.tag) - 1] == YAMLNode.nullTag { return true }
        guard entry.isPlain, entry.tag == 0 else { return false }
        let start = Int(entry.start)
        switch entry.count {
        case 0: return true
        case 1: return text[start] == UInt8(ascii: "~")
        case 4: return text[start..<start + 4].elementsEqual("null".utf8)
        default: return false
        }
    }

    /// What the node is, in words, for error messages.
    static func kindDescription(_ entry: Entry, in text: [UInt8]) -> String {
        switch entry.kind {
        case .scalar: return isNull(entry, in: text) ? "null" : "a value"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}
