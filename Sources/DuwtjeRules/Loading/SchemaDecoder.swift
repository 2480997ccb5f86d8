/// Reads typed values out of ``YAMLNode``s by the rule language's schema, collecting every
/// problem as a ``Diagnostic`` instead of stopping at the first.
struct SchemaDecoder {
    var diagnostics: [Diagnostic] = []
    /// The `String`s made of the current document's long texts (over 15 bytes, which a `String`
    /// cannot hold inline), by where the document stores them: the reader stores a text repeated
    /// in a file once, and the loaded set then holds one copy of it, not one per rule (a `why`
    /// per process, tags, page prefixes; at 10,000 generated rules some 25,000 copies).
    var sharedTexts: [Int: String] = [:]
    var sharedTextsDocument: YAMLDocument?

    mutating func error(_ message: String, at location: SourceLocation, fix: String? = nil) {
        diagnostics.append(Diagnostic(.error, message, at: location, fix: fix))
    }

    mutating func warning(_ message: String, at location: SourceLocation, fix: String? = nil) {
        diagnostics.append(Diagnostic(.warning, message, at: location, fix: fix))
    }

    // What is being read (`what`) is put into words only when there is an error to report: building
    // "a recommend item of rule '…'" for every item that is fine was a share of every load.

    /// A mapping's fields by name. Unknown fields are errors (with the nearest allowed name).
    /// A null node reads as an empty mapping.
    mutating func fields(_ node: YAMLNode, of what: @autoclosure () -> String, allowed: [String]) -> Fields? {
        if node.isNull { return Fields(node: node, fields: []) }
        guard let pairs = node.mapping else {
            error("\(what()) must be a mapping, not \(node.kindDescription)", at: node.location)
            return nil
        }
        var fields: [Fields.Field] = []
        fields.reserveCapacity(pairs.count)
        for pair in pairs {
            // The key's bytes are compared with the allowed names (ASCII, so as `String`s compare
            // them), and the field takes the allowed name: no `String` is made of a known key.
            guard let position = allowed.firstIndex(where: { pair.isNamed($0) }) else {
                let name = pair.name
                var fix = Suggestions.hint(for: name, in: allowed)
                if fix == nil { fix = "allowed: " + allowed.joined(separator: ", ") }
                error("unknown field '\(name)' in \(what())", at: pair.key.location, fix: fix)
                continue
            }
            fields.append(Fields.Field(name: allowed[position], value: pair.value, keyIndex: pair.keyIndex))
        }
        return Fields(node: node, fields: fields)
    }

    /// A mapping's allowed fields, searched linearly: a schema mapping has a dozen fields at most,
    /// and building two dictionaries per mapping cost more than the search (see Benchmarks/).
    struct Fields {
        struct Field {
            var name: String
            var value: YAMLNode
            /// Where the key is in the document: its place is worked out only when asked for (a
            /// ``SourceLocation`` per field, with its file name retained, was made for every field read).
            var keyIndex: UInt32
        }

        var node: YAMLNode
        var fields: [Field]

        var isEmpty: Bool { fields.isEmpty }

        subscript(_ name: String) -> YAMLNode? { position(of: name).map { fields[$0].value } }

        /// Where the field's key was written.
        func key(_ name: String) -> SourceLocation? {
            position(of: name).map { node.document.location(fields[$0].keyIndex) }
        }

        /// The field's position: names of another length are passed over without comparing them
        /// (`String`'s `==` is a call, and a rule's fields are looked up some ten times).
        func position(of name: String) -> Int? {
            let count = name.utf8.count
            for index in fields.indices where fields[index].name.utf8.count == count && fields[index].name == name {
                return index
            }
            return nil
        }

        /// The field, or nil when it is absent or null.
        func present(_ name: String) -> YAMLNode? {
            guard let value = self[name], !value.isNull else { return nil }
            return value
        }
    }

    /// A required field: missing (or null) is an error at the mapping that lacks it.
    mutating func required(_ fields: Fields, _ name: String, in what: @autoclosure () -> String) -> YAMLNode? {
        if let value = fields.present(name) { return value }
        error("missing required field '\(name)' in \(what())", at: fields.key(name) ?? fields.node.location,
              fix: "add `\(name): …`")
        return nil
    }

    /// Text: any scalar but null. Quoted or plain, it is taken as written.
    mutating func text(_ node: YAMLNode, _ what: @autoclosure () -> String) -> String? {
        guard let scalar = node.scalar, !node.isNull else {
            error("\(what()) must be text, not \(node.kindDescription)", at: node.location)
            return nil
        }
        return string(scalar)
    }

    /// A scalar's text; a long one is the `String` already made of the same stored bytes, if any.
    mutating func string(_ scalar: YAMLNode.Scalar) -> String {
        guard scalar.utf8Count > 15 else { return scalar.text }
        if sharedTextsDocument !== scalar.node.document {
            sharedTexts.removeAll(keepingCapacity: true)
            sharedTextsDocument = scalar.node.document
        }
        if let known = sharedTexts[scalar.textOffset] { return known }
        let text = scalar.text
        sharedTexts[scalar.textOffset] = text
        return text
    }

    mutating func optionalText(_ node: YAMLNode?, _ what: @autoclosure () -> String) -> String? {
        guard let node, !node.isNull else { return nil }
        return text(node, what())
    }

    /// Only a plain `true` or `false`: `yes`, `no`, `on` and `off` are text, and so an error here.
    mutating func bool(_ node: YAMLNode, _ what: @autoclosure () -> String) -> Bool? {
        if let scalar = node.scalar, scalar.isPlain || scalar.tag == "tag:yaml.org,2002:bool" {
            if scalar.textIs("true") { return true }
            if scalar.textIs("false") { return false }
        }
        error("\(what()) must be true or false, not \(describe(node))", at: node.location,
              fix: "write true or false; yes, no, on and off are text in Duwtje")
        return nil
    }

    /// A plain decimal integer.
    mutating func integer(_ node: YAMLNode, _ what: @autoclosure () -> String) -> Int? {
        if let scalar = node.scalar, scalar.isPlain || scalar.tag == "tag:yaml.org,2002:int",
           case let text = scalar.text, Self.isDecimalInteger(text), let value = Int(text) {
            return value
        }
        error("\(what()) must be a whole number, not \(describe(node))", at: node.location)
        return nil
    }

    /// A plain decimal number (`2`, `-1`, `2.5`).
    mutating func number(_ node: YAMLNode, _ what: @autoclosure () -> String) -> Double? {
        if let scalar = node.scalar, scalar.isPlain || scalar.tag == "tag:yaml.org,2002:float"
            || scalar.tag == "tag:yaml.org,2002:int", let value = Self.decimal(scalar.text) {
            return value
        }
        error("\(what()) must be a number, not \(describe(node))", at: node.location)
        return nil
    }

    // Read as bytes: going through `Character`s (grapheme breaking) cost more than the rest of
    // reading a number. An ASCII digit is a whole character, so the answers are the same.
    static func isDecimalInteger(_ text: String) -> Bool {
        var digits = text.utf8[...]
        if digits.first == UInt8(ascii: "-") { digits = digits.dropFirst() }
        return !digits.isEmpty && digits.allSatisfy(isDigit)
    }

    static func decimal(_ text: String) -> Double? {
        var body = text.utf8[...]
        if body.first == UInt8(ascii: "-") { body = body.dropFirst() }
        let parts = body.split(separator: UInt8(ascii: "."), maxSplits: 2, omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(isDigit) }) else { return nil }
        return Double(text)
    }

    static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    /// A node for a message: its text when it is a scalar.
    func describe(_ node: YAMLNode) -> String {
        if let scalar = node.scalar, !node.isNull { return scalar.isPlain ? "'\(scalar.text)'" : "the text \"\(scalar.text)\"" }
        return node.kindDescription
    }

    /// An id of `kind`: `^[a-z0-9][a-z0-9._-]{0,63}$`.
    mutating func id(_ node: YAMLNode, _ kind: String) -> Located<String>? {
        // A valid id is checked where it is stored, before a `String` is made of it.
        if let scalar = node.scalar, !node.isNull, scalar.withBytes(Self.isValidID) {
            return Located(string(scalar), at: node.location)
        }
        guard let value = text(node, "a \(kind) id") else { return nil }
        guard Self.isValidID(value) else {
            error("invalid \(kind) id '\(value)'", at: node.location,
                  fix: "use 1 to 64 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit")
            return nil
        }
        return Located(value, at: node.location)
    }

    static func isValidID(_ value: String) -> Bool {
        var value = value
        return value.withUTF8(isValidID)
    }

    static func isValidID(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard (1...64).contains(bytes.count) else { return false }
        for (index, byte) in bytes.enumerated() {
            let alphanumeric = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            if alphanumeric { continue }
            if index > 0, byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") { continue }
            return false
        }
        return true
    }

    /// One id or a list of ids ("any of").
    mutating func idList(_ node: YAMLNode, _ kind: String) -> [Located<String>]? {
        if let items = node.sequence {
            if items.isEmpty {
                error("an empty list of \(kind)s matches nothing", at: node.location, fix: "name at least one, or leave the condition out")
                return nil
            }
            // Made with room for every id (`compactMap` grew its array from empty).
            var ids: [Located<String>] = []
            ids.reserveCapacity(items.count)
            for item in items { if let id = id(item, kind) { ids.append(id) } }
            return ids.count == items.count ? ids : nil
        }
        return id(node, kind).map { [$0] }
    }

    /// One text or a list of texts.
    mutating func textList(_ node: YAMLNode, _ what: @autoclosure () -> String) -> [String]? {
        if let items = node.sequence {
            let values = items.compactMap { text($0, what()) }
            return values.count == items.count ? values : nil
        }
        return text(node, what()).map { [$0] }
    }

    /// An id that must name one of `known`; an unknown one is an error with the nearest known ids.
    /// `context` (" in journey '…'") is put into words only for an error, as `what` elsewhere.
    mutating func reference(_ id: Located<String>, kind: String, known: some Collection<String>,
                            context: @autoclosure () -> String = "") -> Bool {
        if known.contains(id.value) { return true }
        error("unknown \(kind) '\(id.value)'\(context())", at: id.location, fix: Suggestions.hint(for: id.value, in: known))
        return false
    }
}
