public import Foundation

/// What the walk matches one journey's rules with, flat and contiguous: per rule its active window
/// and its context conditions, each condition's tests, and the tests' value numbers
/// (``ValueNumbers``), in arrays of plain values.
///
/// The walk consults a dozen rules per request, and most of them fail. Reading them from the rules
/// themselves (``CompiledRule``, a class with arrays of enums holding strings) retained and released
/// each array and enum payload on the way and touched each rule's own allocations, scattered over
/// the heap (cache misses, which grow with the rule set). Here a rule that fails costs a few loads
/// from five arrays per journey, read through pointers (``View``); the rule itself is read only
/// when it matches.
struct MatchTable: Sendable {
    /// A rule in rank order: `conditions[conditionStart ..< conditionEnd]` must all hold, and the
    /// time must be in `from ..< until` (seconds since the reference date; NaN for no bound, which
    /// every comparison is false with).
    struct Rule: Sendable, BitwiseCopyable {
        let from: Double
        let until: Double
        let conditionStart: Int32
        let conditionEnd: Int32
    }

    /// A context condition: every one of `tests[testStart ..< testEnd]` holds for the value of `key`.
    struct Condition: Sendable, BitwiseCopyable {
        let key: Int32
        let testStart: Int32
        let testEnd: Int32
    }

    /// A test: `equals` or `not` with text values only, whose numbers are `numbers[start ..< end]`;
    /// or any other, `others[start]`, checked on the value itself.
    struct Test: Sendable, BitwiseCopyable {
        enum Kind: UInt8, Sendable, BitwiseCopyable {
            case equals
            case not
            case other
        }

        let kind: Kind
        let start: Int32
        let end: Int32
    }

    private(set) var rules: ContiguousArray<Rule> = []
    private(set) var conditions: ContiguousArray<Condition> = []
    /// Each condition's key as the rules name it, for explanations (`context.<key>`).
    private(set) var names: [String] = []
    private(set) var tests: ContiguousArray<Test> = []
    private(set) var numbers: ContiguousArray<Int32> = []
    private(set) var others: [ValueTest] = []

    /// Adds a rule with the conditions in `range` (from ``addConditions(_:numbering:)``) and its active window.
    mutating func addRule(conditions range: Range<Int32>, from: Date?, until: Date?) {
        rules.append(Rule(from: from?.timeIntervalSinceReferenceDate ?? .nan, until: until?.timeIntervalSinceReferenceDate ?? .nan,
                          conditionStart: range.lowerBound, conditionEnd: range.upperBound))
    }

    /// Adds `conditions` (each with its context key's index) and returns where they are.
    mutating func addConditions(_ conditions: [(key: Int, name: String, tests: [ValueTest])],
                                numbering: ValueNumbers) -> Range<Int32> {
        let start = Int32(self.conditions.count)
        for condition in conditions {
            let testStart = Int32(tests.count)
            for test in condition.tests { tests.append(self.test(test, key: condition.key, numbering: numbering)) }
            self.conditions.append(Condition(key: Int32(condition.key), testStart: testStart, testEnd: Int32(tests.count)))
            names.append(condition.name)
        }
        return start..<Int32(self.conditions.count)
    }

    private mutating func test(_ test: ValueTest, key: Int, numbering: ValueNumbers) -> Test {
        let kind: Test.Kind
        let values: [ContextScalar]
        switch test {
        case .equals(let allowed):
            (kind, values) = (.equals, allowed)
        case .not(let excluded) where !excluded.isEmpty:
            // `not` with no values holds for anything, which `.other` keeps (it checks no types).
            (kind, values) = (.not, excluded)
        default:
            return other(test)
        }
        guard let numbers = numbering.numbers(of: values, key: key) else { return other(test) }
        let start = Int32(self.numbers.count)
        self.numbers += numbers
        return Test(kind: kind, start: start, end: Int32(self.numbers.count))
    }

    private mutating func other(_ test: ValueTest) -> Test {
        others.append(test)
        return Test(kind: .other, start: Int32(others.count - 1), end: Int32(others.count))
    }

    /// The `equals` test with the fewest values (all text) among the conditions in `range`, the
    /// first of equals: the rule need only be looked at for requests carrying one of them.
    func discriminator(_ range: Range<Int32>) -> (key: Int, numbers: [Int32])? {
        var best: (key: Int, numbers: [Int32])?
        for condition in conditions[Int(range.lowerBound)..<Int(range.upperBound)] {
            for test in tests[Int(condition.testStart)..<Int(condition.testEnd)] where test.kind == .equals {
                let numbers = Array(self.numbers[Int(test.start)..<Int(test.end)])
                if let current = best, current.numbers.count <= numbers.count { continue }
                best = (Int(condition.key), numbers)
            }
        }
        return best
    }

    /// Runs `body` with pointers into the table, valid while it runs.
    func withView<Result>(_ body: (View) -> Result) -> Result {
        rules.withUnsafeBufferPointer { rules in
            conditions.withUnsafeBufferPointer { conditions in
                tests.withUnsafeBufferPointer { tests in
                    numbers.withUnsafeBufferPointer { numbers in
                        others.withUnsafeBufferPointer { others in
                            body(View(rules: rules, conditions: conditions, tests: tests, numbers: numbers, others: others))
                        }
                    }
                }
            }
        }
    }

    /// The table as the walk reads it: pointers only, so that handing it around retains nothing.
    struct View {
        let rules: UnsafeBufferPointer<Rule>
        let conditions: UnsafeBufferPointer<Condition>
        let tests: UnsafeBufferPointer<Test>
        let numbers: UnsafeBufferPointer<Int32>
        let others: UnsafeBufferPointer<ValueTest>

        /// The index of the first condition in `start ..< end` that does not hold for `facts`, or nil.
        func failedCondition(_ start: Int32, _ end: Int32, _ facts: Facts) -> Int? {
            var index = Int(start)
            while index < Int(end) {
                if !holds(conditions[index], facts) { return index }
                index += 1
            }
            return nil
        }

        /// Plain loops over the numbers: `contains(where: allowed.contains)` cost a closure context
        /// and a call per element, about half of matching a rule.
        private func holds(_ condition: Condition, _ facts: Facts) -> Bool {
            let key = Int(condition.key)
            let requested = facts.numbers[key]
            var index = Int(condition.testStart)
            while index < Int(condition.testEnd) {
                let test = tests[index]
                index += 1
                switch test.kind {
                case .equals:
                    // A missing key has no numbers; neither unknown text nor another type has one allowed.
                    var found = false
                    for number in requested where number >= 0 && contains(number, test.start, test.end) {
                        found = true
                        break
                    }
                    if !found { return false }
                case .not:
                    // An element of another type than the (text) excluded values is excluded too.
                    for number in requested where number == ValueNumbers.notText || contains(number, test.start, test.end) {
                        return false
                    }
                case .other:
                    guard MatchTable.holds(others[Int(test.start)], facts.value(of: key)) else { return false }
                }
            }
            return true
        }

        /// Whether `numbers[start ..< end]` holds `number`.
        @inline(__always)
        private func contains(_ number: Int32, _ start: Int32, _ end: Int32) -> Bool {
            var index = Int(start)
            while index < Int(end) {
                if numbers[index] == number { return true }
                index += 1
            }
            return false
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
