/// A YAML node as Duwtje reads it: a scalar keeps its raw text, so that the schema, not a
/// YAML 1.1 resolver, decides what it means (`no` stays the language code for Norwegian).
///
/// A small value: the ``YAMLDocument`` arena it lives in and its place there. Its children and its
/// text are read from the arena when asked for; nothing is copied out of it until a reader asks
/// for a scalar's `text`.
public struct YAMLNode: Sendable {
    public let document: YAMLDocument
    let index: UInt32

    init(document: YAMLDocument, index: UInt32) {
        self.document = document
        self.index = index
    }

    public struct Scalar: Sendable {
        let node: YAMLNode

        /// The scalar's text, exactly as written (after YAML's quoting and folding rules). Made
        /// from the arena's bytes at each call.
        public var text: String { node.document.string(node.index) }
        /// Plain (unquoted) scalars may be numbers, booleans or null; quoted ones are always text.
        public var isPlain: Bool { node.entry.isPlain }
        /// An explicit tag such as `tag:yaml.org,2002:str`, when one was written.
        public var tag: String? {
            let tag = node.entry.tag
            return tag == 0 ? nil : YAMLDocument.tags[Int(tag) - 1]
        }

        /// Whether the text is exactly `literal`, without making a `String` of it.
        public func textIs(_ literal: StaticString) -> Bool {
            literal.withUTF8Buffer { node.document.textEquals(node.index, $0) }
        }

        /// Calls `body` with the text's UTF-8 bytes where the document stores them.
        func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
            node.document.withText(node.index, body)
        }

        /// The text's length in UTF-8 bytes and where it is stored in the document: equal long texts
        /// of one file share a place (see ``YAMLDocument/textByteCount``).
        var utf8Count: Int { Int(node.entry.count) }
        var textOffset: Int { Int(node.entry.start) }
    }

    public struct Pair: Sendable {
        let document: YAMLDocument
        let keyIndex: UInt32
        let valueIndex: UInt32

        public var key: YAMLNode { YAMLNode(document: document, index: keyIndex) }
        public var value: YAMLNode { YAMLNode(document: document, index: valueIndex) }

        /// The key's text; keys are always scalars.
        public var name: String { document.string(keyIndex) }

        /// Whether the key's text is `name`, without making a `String` of it.
        public func isNamed(_ name: String) -> Bool {
            // Lengths first: most of a schema's names differ from a key in length.
            guard Int(document.entries[Int(keyIndex)].count) == name.utf8.count else { return false }
            var name = name
            return name.withUTF8 { document.textEquals(keyIndex, $0) }
        }
    }

    /// A sequence's items, read from the arena (indices from 0, as an array's).
    public struct Items: RandomAccessCollection, Sendable {
        let document: YAMLDocument
        let start: Int
        public let count: Int
        /// The one node a non-sequence stands for in ``YAMLNode/itemsOrSelf``; nil for a sequence.
        let single: UInt32?

        public var startIndex: Int { 0 }
        public var endIndex: Int { count }

        public subscript(position: Int) -> YAMLNode {
            precondition(position >= 0 && position < count, "YAML item index out of range")
            return YAMLNode(document: document, index: single ?? document.children[start + position])
        }
    }

    /// A mapping's pairs in order, read from the arena (indices from 0, as an array's).
    public struct Pairs: RandomAccessCollection, Sendable {
        let document: YAMLDocument
        let start: Int
        public let count: Int

        public var startIndex: Int { 0 }
        public var endIndex: Int { count }

        public subscript(position: Int) -> Pair {
            precondition(position >= 0 && position < count, "YAML pair index out of range")
            let base = start + 2 * position
            return Pair(document: document, keyIndex: document.children[base], valueIndex: document.children[base + 1])
        }

        /// The value of the first pair whose key is `name`.
        public func value(named name: String) -> YAMLNode? {
            for pair in self where pair.isNamed(name) { return pair.value }
            return nil
        }
    }

    public enum Kind: Sendable {
        case scalar(Scalar)
        case sequence(Items)
        case mapping(Pairs)
    }

    var entry: YAMLDocument.Entry { document.entries[Int(index)] }

    public var kind: Kind {
        let entry = entry
        switch entry.kind {
        case .scalar: return .scalar(Scalar(node: self))
        case .sequence: return .sequence(Items(document: document, start: Int(entry.start), count: Int(entry.count), single: nil))
        case .mapping: return .mapping(Pairs(document: document, start: Int(entry.start), count: Int(entry.count) / 2))
        }
    }

    public var location: SourceLocation { document.location(index) }

    public var scalar: Scalar? {
        entry.kind == .scalar ? Scalar(node: self) : nil
    }

    public var sequence: Items? {
        let entry = entry
        guard entry.kind == .sequence else { return nil }
        return Items(document: document, start: Int(entry.start), count: Int(entry.count), single: nil)
    }

    /// A sequence's items, or this node alone when it is not a sequence ("one value or a list").
    public var itemsOrSelf: Items {
        sequence ?? Items(document: document, start: 0, count: 1, single: index)
    }

    /// No items (of this node's document), for a reader that goes on after an error.
    var noItems: Items { Items(document: document, start: 0, count: 0, single: nil) }

    public var mapping: Pairs? {
        let entry = entry
        guard entry.kind == .mapping else { return nil }
        return Pairs(document: document, start: Int(entry.start), count: Int(entry.count) / 2)
    }

    /// `null`, `~` or nothing at all, written plainly (a quoted `"null"` is text).
    public var isNull: Bool { document.isNull(index) }

    /// What the node is, in words, for error messages.
    public var kindDescription: String { document.kindDescription(index) }

    static let stringTag = "tag:yaml.org,2002:str"
    static let nullTag = "tag:yaml.org,2002:null"
}
