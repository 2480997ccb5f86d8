/// A ``ValueTest`` as the walk checks it: one that compares only text compares the numbers of the
/// values (``ValueNumbers``), which the request's values were looked up in once.
enum CompiledTest: Sendable {
    /// `equals` with text values only: holds when an element of the request's value has one of these numbers.
    case equalsNumbers([Int32])
    /// `not` with at least one value, all text: fails when an element of the request's value has one
    /// of these numbers, or is not text (an element of another type than the excluded values).
    case notNumbers([Int32])
    /// Any other test, checked on the value itself.
    case other(ValueTest)

    /// Whether the test holds for `value`, whose element numbers are `numbers` (see ``RuleSet/holds(_:_:_:)``).
    func holds(_ value: ContextValue?, _ numbers: UnsafeBufferPointer<Int32>) -> Bool {
        switch self {
        case .equalsNumbers(let allowed):
            // A missing key has no numbers; neither unknown text nor another type has a number allowed.
            for number in numbers where allowed.contains(number) { return true }
            return false
        case .notNumbers(let excluded):
            for number in numbers where number == ValueNumbers.notText || excluded.contains(number) { return false }
            return true
        case .other(let test):
            return Self.holds(test, value)
        }
    }

    /// A missing key satisfies only `exists: false` and `not`; a list value satisfies a positive test
    /// when any element does, and `not` when no element is excluded. An element of the wrong type
    /// never satisfies a test.
    static func holds(_ test: ValueTest, _ value: ContextValue?) -> Bool {
        switch test {
        case .exists(let expected):
            return (value != nil) == expected
        case .not(let excluded):
            guard let value else { return true }
            return !value.contains { element in
                if excluded.contains(element) { return true }
                if let first = excluded.first, !sameType(first, element) { return true }
                return false
            }
        case .equals(let allowed):
            guard let value else { return false }
            return value.contains(where: allowed.contains)
        case .prefix(let prefix):
            guard let value else { return false }
            return value.contains { if case .string(let text) = $0 { text.hasPrefix(prefix) } else { false } }
        case .range(let range):
            guard let value else { return false }
            return value.contains { if case .number(let number) = $0 { range.contains(number) } else { false } }
        }
    }

    static func sameType(_ a: ContextScalar, _ b: ContextScalar) -> Bool {
        switch (a, b) {
        case (.string, .string), (.number, .number), (.bool, .bool): return true
        default: return false
        }
    }
}
