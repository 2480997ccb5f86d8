/// Reads typed values out of ``YAMLNode``s by the rule language's schema, collecting every
/// problem as a ``Diagnostic`` instead of stopping at the first.
struct SchemaDecoder {
    var diagnostics: [Diagnostic] = []
    /// The `String`s made of the current document's long texts (over 15 bytes, which a `String`
    /// cannot hold inline), by where the document stores them: the reader stores a text repeated
    /// in a file once, and the loaded set then holds one copy of it, not one per rule (a `why`
    /// per process, tags, page prefixes; at 10,000 generated rules some 25,000 copies).
    var sharedTexts = SharedTexts()
    var sharedTextsDocument: YAMLDocument?

    /// The `String`s made of one document's long texts, by the offset the document stores each at:
    /// open addressing over the offset. A `[Int: String]` SipHashed the offset for every long text
    /// read, and grew by rehashing (~40 % of making those strings, issue 15 `load11`).
    struct SharedTexts {
        struct Slot {
            /// -1: an empty slot.
            var offset: Int
            var text: String
        }

        private var slots: [Slot] = []
        private var used = 0

        /// Forgets every text, keeping the room (a new document), with room for a document of
        /// `nodes` nodes made at once: each decoding copy of the pass starts empty, and growing the
        /// table by doubling took more than the lookups (issue 15, `load11`).
        mutating func removeAll(reservingFor nodes: Int = 0) {
            var capacity = 64
            while capacity < nodes / 4 { capacity *= 2 }
            if slots.count < capacity {
                slots = Array(repeating: Slot(offset: -1, text: ""), count: capacity)
            } else if used > 0 {
                for index in slots.indices where slots[index].offset >= 0 { slots[index] = Slot(offset: -1, text: "") }
            }
            used = 0
        }

        private static func start(_ offset: Int, mask: Int) -> Int {
            Int(truncatingIfNeeded: (UInt64(truncatingIfNeeded: offset) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
        }

        /// The text stored at `offset`, if one was made.
        func text(at offset: Int) -> String? {
            guard !slots.isEmpty else { return nil }
            let mask = slots.count - 1
            var slot = Self.start(offset, mask: mask)
            while slots[slot].offset >= 0 {
                if slots[slot].offset == offset { return slots[slot].text }
                slot = (slot &+ 1) & mask
            }
            return nil
        }

        /// Stores `text` for `offset`, which has none yet.
        mutating func insert(_ text: String, at offset: Int) {
            if (used + 1) * 2 > slots.count { grow() }
            let mask = slots.count - 1
            var slot = Self.start(offset, mask: mask)
            while slots[slot].offset >= 0 { slot = (slot &+ 1) & mask }
            slots[slot] = Slot(offset: offset, text: text)
            used += 1
        }

        private mutating func grow() {
            let old = slots
            slots = Array(repeating: Slot(offset: -1, text: ""), count: max(256, old.count * 2))
            used = 0
            for slot in old where slot.offset >= 0 { insert(slot.text, at: slot.offset) }
        }
    }

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
        fields(node, of: what(), names: FieldNames(allowed))
    }

    /// ``fields(_:of:allowed:)`` with the allowed names made ready once (a `static let` of the
    /// schema's mappings that are read by the thousand).
    mutating func fields(_ node: YAMLNode, of what: @autoclosure () -> String, names: FieldNames) -> Fields? {
        if node.isNull { return Fields(node: node, names: names) }
        let document = node.document
        let entry = node.entry
        guard entry.kind == .mapping else {
            error("\(what()) must be a mapping, not \(node.kindDescription)", at: node.location)
            return nil
        }
        var fields = Fields(node: node, names: names, start: Int(entry.start))
        let pairCount = Int(entry.count) / 2
        // The keys of no allowed name, reported after the loop in the order written.
        var unknown: [UInt32] = []
        document.text.withUnsafeBufferPointer { text in
            for pair in 0..<pairCount {
                let keyIndex = document.children[Int(entry.start) + 2 * pair]
                let key = document.entries[Int(keyIndex)]
                // The key's bytes are compared with the allowed names' (ASCII, so as `String`s
                // compare them): no `String` is made of a known key.
                guard let position = names.position(ofKeyAt: Int(key.start), count: Int(key.count), in: text) else {
                    unknown.append(keyIndex)
                    continue
                }
                // A name is a mapping's key once (the reader refuses repeated keys); the first is kept.
                if fields.pairs[position] == 0 {
                    fields.pairs[position] = UInt32(truncatingIfNeeded: pair + 1)
                    fields.count += 1
                }
            }
        }
        for keyIndex in unknown {
            let name = document.string(keyIndex)
            var fix = Suggestions.hint(for: name, in: names.names)
            if fix == nil { fix = "allowed: " + names.names.joined(separator: ", ") }
            error("unknown field '\(name)' in \(what())", at: document.location(keyIndex), fix: fix)
        }
        return fields
    }

    /// The names a schema mapping allows, each with its bytes packed into two words, so that a key
    /// is compared with a name in a few instructions instead of by a `String` comparison per name.
    ///
    /// A final class, so that a ``Fields`` holds it with one reference: the mappings of rules,
    /// conditions and recommend items use `static let`s of these.
    final class FieldNames: Sendable {
        let names: [String]
        private let counts: [Int]
        /// Each name's first 16 bytes, little-endian, zero-padded.
        private let words: [(UInt64, UInt64)]

        init(_ names: [String]) {
            precondition(names.count <= Fields.capacity, "a schema mapping allows at most \(Fields.capacity) names")
            self.names = names
            counts = names.map(\.utf8.count)
            words = names.map { name in
                var name = name
                return name.withUTF8 { Self.words($0) }
            }
        }

        /// The first 16 bytes of `bytes` as two words, zero-padded: whole words are loaded as they
        /// stand, the bytes of a part word one by one. Names and keys are packed alike, so that two
        /// byte strings of one length are equal in their first 16 bytes exactly when their words are.
        static func words(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
            guard let base = bytes.baseAddress else { return (0, 0) }
            let count = min(bytes.count, 16)
            let raw = UnsafeRawPointer(base)
            func part(_ from: Int, _ to: Int) -> UInt64 {
                var word: UInt64 = 0
                for index in from..<to { word |= UInt64(base[index]) << (8 * UInt64(index - from)) }
                return word
            }
            let first = count >= 8 ? UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)) : part(0, count)
            let second = count == 16 ? UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
                : count > 8 ? part(8, count) : 0
            return (first, second)
        }

        /// The position of the name whose bytes are the `count` bytes at `start` in `text`, if any.
        /// Where 16 bytes can be read from `start` (nearly always: a key is followed by other texts),
        /// both words are loaded whole and the bytes past the key masked off, which packs them as
        /// ``words(_:)`` does; a key at the very end of `text` is packed byte by byte.
        func position(ofKeyAt start: Int, count: Int, in text: UnsafeBufferPointer<UInt8>) -> Int? {
            guard start >= 0, count >= 0, start + count <= text.count, let base = text.baseAddress else { return nil }
            let key = UnsafeBufferPointer(start: base + start, count: count)
            guard start + 16 <= text.count else { return position(ofKey: key) }
            let raw = UnsafeRawPointer(base + start)
            var first = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
            var second = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            if count < 8 {
                first &= (1 << (8 * UInt64(count))) &- 1
                second = 0
            } else if count < 16 {
                second &= (1 << (8 * UInt64(count - 8))) &- 1
            }
            return position(ofKey: key, packed: (first, second))
        }

        /// The position of the name whose bytes are `key`'s, if any.
        func position(ofKey key: UnsafeBufferPointer<UInt8>) -> Int? {
            position(ofKey: key, packed: Self.words(key))
        }

        /// ``position(ofKey:)`` with the key's words (``words(_:)``) at hand.
        private func position(ofKey key: UnsafeBufferPointer<UInt8>, packed: (UInt64, UInt64)) -> Int? {
            let count = key.count
            for index in counts.indices where counts[index] == count && words[index] == packed {
                if count <= 16 { return index }
                // A long name: the rest of its bytes too.
                var name = names[index]
                if name.withUTF8({ $0.elementsEqual(key) }) { return index }
            }
            return nil
        }

        /// The position of `name` (one of ``names``; others have none). Lengths first: most names
        /// differ from the one asked for in length, and `String`'s `==` is a call.
        func position(of name: String) -> Int? {
            let count = name.utf8.count
            for index in counts.indices where counts[index] == count && names[index] == name { return index }
            return nil
        }
    }

    /// A mapping's allowed fields: for each allowed name, the position of the pair that has it.
    /// Made without an allocation (a `[Field]` array per mapping, each field retaining the
    /// document, was 6 % of a load's instructions at 10,000 rules, issue 15 `load11`).
    struct Fields {
        /// The most names a ``FieldNames`` holds (the register's 26 are the most).
        static let capacity = 32

        var node: YAMLNode
        let names: FieldNames
        /// Where the mapping's children start in the document (its entry is not read again per lookup).
        let start: Int
        /// By the name's position in ``names``: the pair's position in the mapping plus one; 0 when
        /// the mapping has no such key.
        var pairs = InlineArray<32, UInt32>(repeating: 0)
        /// How many allowed names the mapping has.
        var count = 0

        init(node: YAMLNode, names: FieldNames, start: Int = 0) {
            self.node = node
            self.names = names
            self.start = start
        }

        var isEmpty: Bool { count == 0 }

        /// Where the pair of the name at `position` is in the document's children, if the mapping has it.
        private func child(_ position: Int) -> Int? {
            let pair = pairs[position]
            guard pair != 0 else { return nil }
            return start + 2 * Int(pair - 1)
        }

        subscript(_ name: String) -> YAMLNode? {
            guard let position = names.position(of: name), let child = child(position) else { return nil }
            return YAMLNode(document: node.document, index: node.document.children[child + 1])
        }

        /// Where the field's key was written.
        func key(_ name: String) -> SourceLocation? {
            guard let position = names.position(of: name), let child = child(position) else { return nil }
            return node.document.location(node.document.children[child])
        }

        /// The allowed fields in the order they were written.
        var fields: [(name: String, value: YAMLNode)] {
            names.names.indices.compactMap { position in
                child(position).map { (child: $0, name: names.names[position]) }
            }
            .sorted { $0.child < $1.child }
            .map { (name: $0.name, value: YAMLNode(document: node.document, index: node.document.children[$0.child + 1])) }
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
            sharedTexts.removeAll(reservingFor: scalar.node.document.nodeCount)
            sharedTextsDocument = scalar.node.document
        }
        if let known = sharedTexts.text(at: scalar.textOffset) { return known }
        let text = scalar.text
        sharedTexts.insert(text, at: scalar.textOffset)
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

    /// A byte at a time with two subtractions: the `enumerated()` loop over ranges took ~170
    /// instructions an id (some 65,000 ids a round at 1,000 rules).
    static func isValidID(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard (1...64).contains(bytes.count) else { return false }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte &- UInt8(ascii: "a") < 26 || byte &- UInt8(ascii: "0") < 10 {
                index += 1
                continue
            }
            guard index > 0, byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") else { return false }
            index += 1
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
            // Made with room for every text (`compactMap` grew its array from empty).
            var values: [String] = []
            values.reserveCapacity(items.count)
            for item in items { if let value = text(item, what()) { values.append(value) } }
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
