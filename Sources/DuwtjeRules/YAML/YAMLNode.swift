/// A YAML node as Duwtje reads it: a scalar keeps its raw text, so that the schema, not a
/// YAML 1.1 resolver, decides what it means (`no` stays the language code for Norwegian).
public struct YAMLNode: Sendable {
    public struct Scalar: Sendable, Hashable {
        /// The scalar's text, exactly as written (after YAML's quoting and folding rules).
        public var text: String
        /// Plain (unquoted) scalars may be numbers, booleans or null; quoted ones are always text.
        public var isPlain: Bool
        /// An explicit tag such as `tag:yaml.org,2002:str`, when one was written.
        public var tag: String?

        public init(text: String, isPlain: Bool, tag: String? = nil) {
            self.text = text
            self.isPlain = isPlain
            self.tag = tag
        }
    }

    public struct Pair: Sendable {
        public var key: YAMLNode
        public var value: YAMLNode

        /// The key's text; keys are always scalars.
        public var name: String { key.scalar?.text ?? "" }
    }

    public enum Kind: Sendable {
        case scalar(Scalar)
        case sequence([YAMLNode])
        case mapping([Pair])
    }

    public var kind: Kind
    public var location: SourceLocation

    public init(_ kind: Kind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }

    public var scalar: Scalar? {
        if case .scalar(let scalar) = kind { return scalar }
        return nil
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    public var mapping: [Pair]? {
        if case .mapping(let pairs) = kind { return pairs }
        return nil
    }

    /// `null`, `~` or nothing at all, written plainly (a quoted `"null"` is text).
    public var isNull: Bool {
        guard let scalar else { return false }
        if scalar.tag == YAMLNode.nullTag { return true }
        guard scalar.isPlain, scalar.tag == nil else { return false }
        return scalar.text == "null" || scalar.text == "~" || scalar.text.isEmpty
    }

    /// What the node is, in words, for error messages.
    public var kindDescription: String {
        switch kind {
        case .scalar: return isNull ? "null" : "a value"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    static let stringTag = "tag:yaml.org,2002:str"
    static let nullTag = "tag:yaml.org,2002:null"
}
