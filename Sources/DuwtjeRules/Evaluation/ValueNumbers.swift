/// Every text value a condition of the rule set compares with, every declared value of a closed
/// context key and every content language (under the `language` key), numbered once per load:
/// across keys, so that one number names a key and a value.
///
/// A request's text values are looked up here once, while the request is resolved
/// (``RequestValueNumbers``); the walk then compares numbers where it compared strings, and the
/// rule index finds the rules filed under a value by its number. Looking each value up once
/// replaces a string lookup per filed key in the index and a string comparison per `equals` or
/// `not` test of every rule consulted.
struct ValueNumbers: Sendable {
    /// What resolving a request reads of one context key, together: three arrays (one per field)
    /// cost three bounds checks and three loads of array buffers for each value of a request.
    struct Key: Sendable {
        /// The numbers of its values; nil for a key that is neither closed nor compared with text
        /// by any condition (its values need no lookup).
        let table: IDTable?
        /// The numbers of its declared values (a closed key's; empty for an open key).
        let declared: Range<Int32>
        /// Whether it is closed: a value outside `declared` then gets a warning. A flag, so that
        /// resolving a request need not read the key's hints.
        let closed: Bool
    }

    /// Per context key, by its index.
    let keys: [Key]

    /// A request value that is text no condition compares with (nor a declared value).
    static let unknownText: Int32 = -1
    /// A request value that is a number or a boolean.
    static let notText: Int32 = -2
    /// Not a number a request keeps: what a plain lookup could not decide (``RuleSet/resolve``
    /// looks such a value up again the full way).
    static let undecided: Int32 = -3

    init(_ definition: RuleSetDefinition, contextKeyIndex: IDTable) {
        var byKey = [[String: Int]](repeating: [:], count: definition.contextKeys.count)
        var count = 0
        func number(_ text: String, key: Int) {
            guard byKey[key][text] == nil else { return }
            byKey[key][text] = count
            count += 1
        }
        var declared = [Range<Int32>](repeating: 0..<0, count: definition.contextKeys.count)
        var closed = [Bool](repeating: false, count: definition.contextKeys.count)
        for (key, definition) in definition.contextKeys.enumerated() {
            guard case .closed(let values) = definition.kind else { continue }
            closed[key] = true
            let start = Int32(count)
            for value in values { number(value, key: key) }
            declared[key] = start..<Int32(count)
        }
        func numberTexts(of condition: Condition?) {
            for context in condition?.context ?? [] {
                guard let key = contextKeyIndex[context.key] else { continue }
                for test in context.tests {
                    switch test {
                    case .equals(let values), .not(let values):
                        for case .string(let text) in values { number(text, key: key) }
                    case .prefix, .range, .exists:
                        continue
                    }
                }
            }
        }
        for journey in definition.journeys {
            for stage in journey.stages { numberTexts(of: stage.when) }
        }
        // Each rule's condition read where it stands: `for rule in rules` copied every rule (a
        // retain and a release of each of its fields), a quarter of numbering the values.
        definition.rules.withUnsafeBufferPointer { rules in
            for position in rules.indices { numberTexts(of: rules[position].when) }
        }
        // Every content language under the `language` key, last (the numbers before are as they were):
        // the walk compares an item's language with the request's by number
        // (``CompiledContent/Filter/language``). A number no condition has matches no test, as text
        // no condition compares with (``unknownText``) matched none.
        if let languageKey = contextKeyIndex["language"] {
            for index in definition.content.indices {
                if let language = definition.content[index].language { number(language, key: languageKey) }
            }
        }
        self.keys = byKey.indices.map { key in
            Key(table: byKey[key].isEmpty ? nil : IDTable(byKey[key]), declared: declared[key], closed: closed[key])
        }
    }

    /// The number of text `text` of context key `key`, if it has one.
    func number(of text: String, key: Int) -> Int32? {
        keys[key].table?[text].map(Int32.init)
    }

    /// The number of `element` of a context key whose table is `table`: ``notText`` for a number
    /// or a boolean, ``unknownText`` for text no condition compares with, ``undecided`` when the
    /// table cannot tell without calling out (``IDTable/plainIndex(of:)``).
    @inline(__always)
    static func plainNumber(of element: ContextScalar, in table: IDTable?) -> Int32 {
        guard case .string(let text) = element else { return notText }
        guard let table else { return unknownText }
        let index = table.plainIndex(of: text)
        return index >= 0 ? Int32(truncatingIfNeeded: index) : index == IDTable.undecided ? undecided : unknownText
    }

    /// The numbers of `values` when every one is text, else nil.
    func numbers(of values: [ContextScalar], key: Int) -> [Int32]? {
        var numbers: [Int32] = []
        numbers.reserveCapacity(values.count)
        for value in values {
            // Every text of a condition was numbered when the table was built.
            guard case .string(let text) = value, let number = number(of: text, key: key) else { return nil }
            numbers.append(number)
        }
        return numbers
    }
}
