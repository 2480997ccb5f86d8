import Foundation

/// What the walk matches one journey's rules with, flat and contiguous: per rule its active window
/// and where its context conditions start in ``program``, one run of words holding each condition's
/// key, tests and the tests' value numbers (``ValueNumbers``).
///
/// The walk consults a dozen rules per request, and most of them fail. Reading them from the rules
/// themselves (``CompiledRule``, a class with arrays of enums holding strings) retained and released
/// each array and enum payload on the way and touched each rule's own allocations, scattered over
/// the heap (cache misses, which grow with the rule set). Here a rule that fails costs its entry in
/// `rules` and its words in `program`, read through pointers (``View``): two cache lines where the
/// rules are not in the caches; the rule itself is read only when it matches.
struct MatchTable: Sendable {
    /// A rule in rank order: where its record starts in ``program`` (see below), and its first
    /// condition's index in ``conditions`` (for explanations, which name the key) and where its
    /// effects start (for the compiler). The walk reads the record only: the bucket lists hold
    /// records, not positions.
    struct Rule: Sendable, BitwiseCopyable {
        let conditionStart: Int32
        let record: Int32
        /// Where the rule's effects start in ``program`` (`MatchTable+Effects.swift`).
        let effectsStart: Int32
    }

    /// A context condition: its code starts at `programStart` in ``program``.
    struct Condition: Sendable, BitwiseCopyable {
        let programStart: Int32
    }

    /// A test's kind in ``program``: `equals` or `not` with text values only, followed by their
    /// numbers; or any other, followed by its index in `others`, checked on the value itself.
    enum TestKind: Int32, Sendable, BitwiseCopyable {
        case equals
        case not
        case other
        /// `prefix` with an ASCII prefix: its index in `others`, its length in bytes and its bytes,
        /// four to a word (``View/hasPrefix(_:key:_:)``).
        case prefix
        /// `exists`: 1 when the key must be there, 0 when it must not (``View/failedCondition(at:count:_:)``).
        case exists
        /// A numeric range: its index in `others`, which bounds it has (``RangeFlags``), then its
        /// lower and its upper bound as the bit patterns of two `Double`s (``View/inRange(_:key:_:)``).
        case range
    }

    /// Which bounds a ``TestKind/range`` test has, and whether each is inclusive.
    enum RangeFlags {
        static let lower: Int32 = 1
        static let lowerInclusive: Int32 = 2
        static let upper: Int32 = 4
        static let upperInclusive: Int32 = 8
    }

    private(set) var rules: ContiguousArray<Rule> = []
    private(set) var conditions: ContiguousArray<Condition> = []
    /// Each condition's key as the rules name it, for explanations (`context.<key>`).
    private(set) var names: [String] = []
    private(set) var others: [ValueTest] = []
    /// What the walk reads: each condition as `key, test count`, then each of its tests as `kind,
    /// count` and `count` words (the value numbers of `equals` and `not`, the index in `others` of
    /// any other test), one condition after the other. A rule's conditions are one run of words,
    /// where the conditions, their tests and the tests' numbers used to be three arrays: each rule
    /// the walk consults cost a cache miss in each at 100,000 rules, where the tables of 200
    /// journeys do not stay in the caches.
    ///
    /// Each rule is one record, in rank order (so that record offsets rank as positions do): its
    /// position, a header (its condition count times two, plus one when it has an active window),
    /// its conditions, its window when it has one (``windowWords``: from and until as the bit
    /// patterns of two `Double`s, NaN for no bound), then its effects
    /// (``addEffects(exclusive:nudge:recommend:variants:seed:notes:checked:)``). The buckets' lists
    /// hold record offsets: a consulted rule is one run of words, where its entry in ``rules`` and
    /// its words here were two cache lines, the second found only once the first had arrived.
    /// A record that would straddle two cache lines and fits in one starts at the next line instead,
    /// after padding words that nothing reads (``endRecord(notes:aligning:)``; word 0 starts a line,
    /// ``trim(aligning:)``). After the rules come the journey's ``Bucket``s' lists, their blocks (from a
    /// line's start, ``CompiledJourney/bucketBlocks``), its filed keys and its filed values
    /// (``CompiledJourney/filedKeys``, ``CompiledJourney/filedValues``), which the compiler appends.
    var program: ContiguousArray<Int32> = []

    /// The words of an active window in a record: from and until, two words each.
    static let windowWords = 4

    /// The words of a cache line (64 bytes on the machines measured), which records are laid out
    /// by (``endRecord(notes:aligning:)``).
    static let lineWords = 16

    /// How many words of ``program`` come before its word 0 as the view reads it (``withView(_:)``):
    /// the padding ``trim(aligning:)`` puts in front so that word 0 starts a cache line, as the layout of the
    /// records (``endRecord(notes:aligning:)``) assumes.
    private(set) var lead = 0

    /// How many elements ``rules``, ``conditions``, ``program`` (past ``lead``) and ``others`` hold, as
    /// ``withView(_:)`` hands them over: kept here, beside the arrays' references, by
    /// ``trim(aligning:)``, which ends the table's writing. Read from each array's own header, they
    /// were four cache lines a request besides the journey's (issue 15, branch walk16: at 100,000
    /// rules, where the headers of 200 journeys' arrays do not stay in the caches, ~0.7 L2 misses an
    /// evaluation), for counts the walk never reads (it reads within its records and lists).
    private(set) var counts = Counts()

    /// The region that holds the program's words once ``placed(in:at:)`` moved them there (then
    /// ``program`` is empty), and the address of word 0 in it; nil and 0 before. The address is kept
    /// beside the reference so that a request reads no line of the region's object to find its words.
    private(set) var region: WordRegion?
    private(set) var programAddress = 0

    /// Where the nudges' offers start in ``program`` (a line's start), set by ``addOffers(_:)``, which
    /// the compiler calls once a journey's rules are compiled; -1 before (`MatchTable+Offers.swift`).
    var offerStart: Int32 = -1

    /// Runs `body` with the program's words past the ``lead`` (``Counts/program`` of them), where
    /// they are: in the ``region`` once placed, else in ``program``.
    @inline(__always)
    func withProgram<Result>(_ body: (UnsafeBufferPointer<Int32>) -> Result) -> Result {
        if programAddress != 0 {
            return body(UnsafeBufferPointer(start: UnsafePointer(bitPattern: programAddress), count: Int(counts.program)))
        }
        return program.withUnsafeBufferPointer { all in
            body(UnsafeBufferPointer(start: all.baseAddress?.advanced(by: lead), count: Int(counts.program)))
        }
    }

    /// The words ``withProgram(_:)`` hands over, written to `words` (as many), for a region.
    func copyProgram(to words: UnsafeMutableBufferPointer<Int32>) {
        withProgram { program in _ = words.initialize(fromContentsOf: program) }
    }

    /// The table with its program read from `region` at word `offset` (where ``copyProgram(to:)``
    /// wrote it, from a line's start), and its ``program`` array let go. Trimmed tables only.
    func placed(in region: WordRegion, at offset: Int) -> MatchTable {
        var table = self
        table.program = []
        table.lead = 0
        table.region = region
        table.programAddress = region.address(ofWord: offset)
        return table
    }

    /// Appends zero words up to the next line's start of ``program`` (word 0 starts a line once
    /// ``trim(aligning:)`` has run), so that what is appended next starts a cache line.
    mutating func padToLine() {
        program.append(contentsOf: repeatElement(0, count: (Self.lineWords - program.count % Self.lineWords) % Self.lineWords))
    }

    /// See ``counts``.
    struct Counts: Sendable, BitwiseCopyable, Equatable {
        var rules: Int32 = 0
        var conditions: Int32 = 0
        var program: Int32 = 0
        var others: Int32 = 0
    }

    /// Drops the room the arrays grew by (appending doubles an array's capacity: up to half of a
    /// journey's program was spare), once the journey is compiled; `aligning`: with the padding in
    /// front of the program that lets word 0 start a cache line (``lead``).
    mutating func trim(aligning: Bool) {
        func exact<Element>(_ array: ContiguousArray<Element>) -> ContiguousArray<Element> {
            guard array.capacity > array.count else { return array }
            return ContiguousArray(unsafeUninitializedCapacity: array.count) { buffer, count in
                _ = buffer.initialize(fromContentsOf: array)
                count = array.count
            }
        }
        program = aligning ? Self.lineAligned(program, lead: &lead) : exact(program)
        rules = exact(rules)
        conditions = exact(conditions)
        counts = Counts(rules: Int32(rules.count), conditions: Int32(conditions.count), program: Int32(program.count - lead),
                        others: Int32(others.count))
    }

    /// `words` in storage of their own, exactly sized but for up to a line's worth of leading
    /// zeros: `lead` of them, so that word 0 as the view reads it starts a cache line (the storage
    /// of an array is 16-byte aligned only: its elements start 32 bytes into a heap object).
    private static func lineAligned(_ words: ContiguousArray<Int32>, lead: inout Int) -> ContiguousArray<Int32> {
        var padding = 0
        let aligned = ContiguousArray<Int32>(unsafeUninitializedCapacity: words.count + lineWords - 1) { buffer, count in
            let address = Int(bitPattern: buffer.baseAddress)
            let lineBytes = lineWords * MemoryLayout<Int32>.stride
            padding = (lineBytes - address % lineBytes) % lineBytes / MemoryLayout<Int32>.stride
            _ = buffer[..<padding].initialize(from: repeatElement(0, count: padding))
            _ = UnsafeMutableBufferPointer(rebasing: buffer[padding...]).initialize(fromContentsOf: words)
            count = padding + words.count
        }
        lead = padding
        return aligned
    }

    /// Ends the record of the rule added last (``startRecord()`` to its effects' end), which
    /// ``addEffects(exclusive:nudge:recommend:variants:seed:notes:checked:)`` wrote with `notes`.
    /// With `aligning`, moves it to the next cache line when the part a rule that fails reads (up to
    /// its effects' first item; the whole record when that fits in a line) would straddle two lines
    /// and fits in one: a consulted rule is then one line where it was two about half of the time
    /// (a record is ~14 words of the 16 a line holds).
    mutating func endRecord(notes: inout RecordNotes, aligning: Bool) {
        defer {
            notes.positionWords.removeAll(keepingCapacity: true)
            notes.recordQueries.removeAll(keepingCapacity: true)
        }
        guard aligning, let rule = rules.last else { return }
        let start = Int(rule.record)
        let length = program.count - start
        let read = length <= Self.lineWords ? length : min(length, Int(rule.effectsStart) + 3 - start)
        let column = start % Self.lineWords
        guard column + read > Self.lineWords, read <= Self.lineWords else { return }
        let shift = Self.lineWords - column
        program.insert(contentsOf: repeatElement(0, count: shift), at: start)
        let by = Int32(shift)
        rules[rules.count - 1] = Rule(conditionStart: rule.conditionStart, record: rule.record + by, effectsStart: rule.effectsStart + by)
        for index in Int(rule.conditionStart)..<conditions.count {
            conditions[index] = Condition(programStart: conditions[index].programStart + by)
        }
        // Only positions in the record itself move (a query's items may be in an earlier record).
        for word in notes.positionWords where program[word + shift] >= rule.record { program[word + shift] += by }
        for key in notes.recordQueries {
            if let at = notes.queries[key] { notes.queries[key] = at + by }
        }
    }

    /// Starts the record of the next rule (the one ``addRule(conditions:from:until:)`` adds): its
    /// position and header. Its conditions (``addCondition(key:name:tests:numbering:)``) follow.
    mutating func startRecord() -> Int32 {
        let record = Int32(program.count)
        program.append(Int32(rules.count))
        program.append(0)
        return record
    }

    /// Adds the rule whose record starts at `record` (``startRecord()``), with the conditions in
    /// `range`, added since, and its active window. Its effects
    /// (``addEffects(exclusive:nudge:recommend:variants:seed:notes:checked:)``) must follow at once.
    mutating func addRule(record: Int32, conditions range: Range<Int32>, from: Date?, until: Date?) {
        let hasWindow = from != nil || until != nil
        program[Int(record) + 1] = Int32(range.count) << 1 | (hasWindow ? 1 : 0)
        if hasWindow {
            appendDouble(from?.timeIntervalSinceReferenceDate ?? .nan)
            appendDouble(until?.timeIntervalSinceReferenceDate ?? .nan)
        }
        rules.append(Rule(conditionStart: range.lowerBound, record: record, effectsStart: Int32(program.count)))
    }

    private mutating func appendDouble(_ value: Double) {
        program.append(Int32(truncatingIfNeeded: Int64(bitPattern: value.bitPattern)))
        program.append(Int32(truncatingIfNeeded: Int64(bitPattern: value.bitPattern) >> 32))
    }

    /// Adds `conditions` (each with its context key's index) and returns where they are.
    mutating func addConditions(_ conditions: [(key: Int, name: String, tests: [ValueTest])],
                                numbering: ValueNumbers) -> Range<Int32> {
        let start = conditionCount
        for condition in conditions { addCondition(key: condition.key, name: condition.name, tests: condition.tests, numbering: numbering) }
        return start..<conditionCount
    }

    /// How many conditions the table holds: where the next one added will be.
    var conditionCount: Int32 { Int32(conditions.count) }

    /// Adds one condition on the context key at `key` (``addConditions(_:numbering:)`` one by one,
    /// without an array of them made for every rule).
    mutating func addCondition(key: Int, name: String, tests: [ValueTest], numbering: ValueNumbers) {
        conditions.append(Condition(programStart: Int32(program.count)))
        names.append(name)
        program.append(Int32(key))
        program.append(Int32(tests.count))
        for test in tests { addTest(test, key: key, numbering: numbering) }
    }

    private mutating func addTest(_ test: ValueTest, key: Int, numbering: ValueNumbers) {
        let kind: TestKind
        let values: [ContextScalar]
        switch test {
        case .equals(let allowed):
            (kind, values) = (.equals, allowed)
        case .not(let excluded) where !excluded.isEmpty:
            // `not` with no values holds for anything, which `.other` keeps (it checks no types).
            (kind, values) = (.not, excluded)
        case .prefix(let text) where text.utf8.allSatisfy({ $0 < 0x80 }):
            return addPrefix(test, bytes: Array(text.utf8))
        case .exists(let expected):
            // Decided by whether the request has the key, read in the facts' numbers: `holds` copied
            // the test out of `others` and was called for it (with ranges, ~80 instructions an evaluation).
            program.append(TestKind.exists.rawValue)
            program.append(1)
            program.append(expected ? 1 : 0)
            return
        case .range(let range):
            return addRange(test, range)
        default:
            return addOther(test)
        }
        // The numbers go straight into the program (an array of them was made for every test); a
        // value without a number (not text) takes them out again, and the test is checked as written.
        let mark = program.count
        program.append(kind.rawValue)
        program.append(Int32(values.count))
        for value in values {
            guard case .string(let text) = value, let number = numbering.number(of: text, key: key) else {
                program.removeSubrange(mark...)
                return addOther(test)
            }
            program.append(number)
        }
    }

    private mutating func addPrefix(_ test: ValueTest, bytes: [UInt8]) {
        program.append(TestKind.prefix.rawValue)
        program.append(Int32(2 + (bytes.count + 3) / 4))
        program.append(Int32(others.count))
        others.append(test)
        program.append(Int32(bytes.count))
        for start in stride(from: 0, to: bytes.count, by: 4) {
            var word: UInt32 = 0
            for offset in 0..<min(4, bytes.count - start) { word |= UInt32(bytes[start + offset]) << (8 * offset) }
            // Stored little-endian, so the bytes lie in the words' memory in order, where
            // `String.asciiPrefix` reads them.
            program.append(Int32(bitPattern: word.littleEndian))
        }
    }

    private mutating func addRange(_ test: ValueTest, _ range: NumericRange) {
        var flags: Int32 = 0
        if range.lower != nil { flags |= RangeFlags.lower }
        if range.lowerInclusive { flags |= RangeFlags.lowerInclusive }
        if range.upper != nil { flags |= RangeFlags.upper }
        if range.upperInclusive { flags |= RangeFlags.upperInclusive }
        program.append(TestKind.range.rawValue)
        program.append(2 + 4)
        program.append(Int32(others.count))
        others.append(test)
        program.append(flags)
        appendDouble(range.lower ?? 0)
        appendDouble(range.upper ?? 0)
    }

    private mutating func addOther(_ test: ValueTest) {
        program.append(TestKind.other.rawValue)
        program.append(1)
        program.append(Int32(others.count))
        others.append(test)
    }

    /// The `equals` test with the fewest values (all text) among the conditions in `range`, the
    /// first of equals: the rule need only be looked at for requests carrying one of them. Its key,
    /// and where its value numbers are in ``program`` (the compiler files the rule under them; an
    /// array of them made for every rule was a share of the compile).
    func discriminator(_ range: Range<Int32>) -> (key: Int, numbers: Range<Int>)? {
        var best: (key: Int, numbers: Range<Int>)?
        for condition in conditions[Int(range.lowerBound)..<Int(range.upperBound)] {
            var offset = Int(condition.programStart)
            let key = Int(program[offset])
            var testsLeft = Int(program[offset + 1])
            offset += 2
            while testsLeft > 0 {
                testsLeft -= 1
                let kind = program[offset]
                let count = Int(program[offset + 1])
                let payload = offset + 2
                offset = payload + count
                guard kind == TestKind.equals.rawValue else { continue }
                if let current = best, current.numbers.count <= count { continue }
                best = (key, payload..<offset)
            }
        }
        return best
    }

    /// Runs `body` with pointers into the table, valid while it runs; the table must be trimmed
    /// (``trim(aligning:)``, as every compiled journey's is). The buffers' counts are ``counts``: only
    /// their base addresses come from the arrays, which the optimizer computes from the references
    /// without reading the arrays' headers.
    func withView<Result>(_ body: (View) -> Result) -> Result {
        assert(counts == Counts(rules: Int32(rules.count), conditions: Int32(conditions.count),
                                program: programAddress != 0 ? counts.program : Int32(program.count - lead),
                                others: Int32(others.count)), "a view of a table that was not trimmed")
        return rules.withUnsafeBufferPointer { rules in
            conditions.withUnsafeBufferPointer { conditions in
                withProgram { program in
                    others.withUnsafeBufferPointer { others in
                        body(View(rules: UnsafeBufferPointer(start: rules.baseAddress, count: Int(counts.rules)),
                                  conditions: UnsafeBufferPointer(start: conditions.baseAddress, count: Int(counts.conditions)),
                                  program: program,
                                  others: UnsafeBufferPointer(start: others.baseAddress, count: Int(counts.others))))
                    }
                }
            }
        }
    }

    /// The table as the walk reads it: pointers only, so that handing it around retains nothing.
    struct View {
        let rules: UnsafeBufferPointer<Rule>
        let conditions: UnsafeBufferPointer<Condition>
        let program: UnsafeBufferPointer<Int32>
        let others: UnsafeBufferPointer<ValueTest>

        /// The index of the first condition in `start ..< end` (added together) that does not hold
        /// for `facts`, or nil.
        func failedCondition(_ start: Int32, _ end: Int32, _ facts: Facts) -> Int? {
            guard start < end else { return nil }
            var offset = Int(conditions[Int(start)].programStart)
            return failedCondition(at: &offset, count: Int(end &- start), facts).map { Int(start) &+ $0 }
        }

        /// The index among the `count` conditions whose code starts at `offset` of ``program`` of the
        /// first that does not hold for `facts`, or nil: ``failedCondition(_:_:_:)`` without reading
        /// the first condition's start in ``conditions`` (for the stage signals, whose starts the
        /// journey keeps beside their counts, ``CompiledJourney/signalWords``).
        func failedCondition(atProgram offset: Int, count: Int, _ facts: Facts) -> Int? {
            var offset = offset
            return failedCondition(at: &offset, count: count, facts)
        }

        /// The rank position of the rule whose record starts at `record`.
        @inline(__always)
        func position(ofRecord record: Int) -> Int { Int(program[record]) }

        /// Why the rule whose record starts at `record` does not match `facts` at `time` (seconds
        /// since the reference date), or nil; and, when it matches, where its effects start. A
        /// failed condition is named by its index among the rule's own conditions.
        ///
        /// `@_transparent`, not `@inline(__always)`: the optimizer inlines the latter into a caller of
        /// more than 64 blocks only when the callee has at most 64, and the indexed walk called it
        /// (~25 instructions a consulted rule).
        @_transparent
        func check(record: Int, _ facts: Facts, time: Double) -> (failure: Failure?, effects: Int) {
            let header = Int(program[record &+ 1])
            var offset = record &+ 2
            if let condition = failedCondition(at: &offset, count: header &>> 1, facts) {
                return (.context(rule: Int(program[record]), condition: condition), 0)
            }
            guard header & 1 != 0 else { return (nil, offset) }
            // NaN (no bound) compares false.
            let from = double(at: offset)
            let until = double(at: offset &+ 2)
            if time < from || time >= until { return (.active, 0) }
            return (nil, offset &+ MatchTable.windowWords)
        }

        /// A `Double` kept as two words at `offset`.
        @inline(__always)
        private func double(at offset: Int) -> Double {
            let low = UInt64(UInt32(bitPattern: program[offset]))
            let high = UInt64(UInt32(bitPattern: program[offset &+ 1]))
            return Double(bitPattern: low | high << 32)
        }

        /// The index among the `count` conditions whose code starts at `offset` of the first that
        /// does not hold for `facts`, or nil, with `offset` then just past them. Plain loops over
        /// the numbers: `contains(where: allowed.contains)` cost a closure context and a call per
        /// element, about half of matching a rule.
        ///
        /// Inlined into the walk: a consulted rule checks two conditions or so, and the call (its
        /// frame, the arguments kept across it) was about a third of them. `@_transparent` (see
        /// ``check(record:_:time:)``): marked `@inline(__always)`, it was called from the indexed walk.
        @_transparent
        private func failedCondition(at offset: inout Int, count: Int, _ facts: Facts) -> Int? {
            var index = 0
            while index < count {
                let key = Int(program[offset])
                var testsLeft = Int(program[offset &+ 1])
                offset &+= 2
                let requested = facts.numbers[key]
                while testsLeft > 0 {
                    testsLeft &-= 1
                    let kind = program[offset]
                    let count = Int(program[offset &+ 1])
                    let payload = offset &+ 2
                    offset = payload &+ count
                    switch kind {
                    case TestKind.equals.rawValue:
                        // A missing key has no numbers; neither unknown text nor another type has one allowed.
                        var found = false
                        for number in requested where number >= 0 && contains(number, payload, count) {
                            found = true
                            break
                        }
                        if !found { return index }
                    case TestKind.not.rawValue:
                        // An element of another type than the (text) excluded values is excluded too.
                        for number in requested where number == ValueNumbers.notText || contains(number, payload, count) {
                            return index
                        }
                    case TestKind.prefix.rawValue:
                        guard hasPrefix(payload, key: key, facts) else { return index }
                    case TestKind.exists.rawValue:
                        // A missing key has no entry.
                        guard (facts.numbers.entry(of: key) != nil) == (program[payload] != 0) else { return index }
                    case TestKind.range.rawValue:
                        guard inRange(payload, key: key, facts) else { return index }
                    default:
                        guard holds(Int(program[payload]), key: key, facts) else { return index }
                    }
                }
                index &+= 1
            }
            return nil
        }

        /// Whether the test at `test` of `others` holds for the request's value of `key`. A missing
        /// key satisfies only `exists: false` and `not`; a list value satisfies a positive test when
        /// any element does, and `not` when no element is excluded. An element of the wrong type never
        /// satisfies a test. The test and the value are read where they stand: handed over as
        /// arguments, both were copied (an enum's payload retained and released) for every test.
        private func holds(_ test: Int, key: Int, _ facts: Facts) -> Bool {
            let entry = facts.numbers.entry(of: key)
            switch others[test] {
            case .exists(let expected):
                return (entry != nil) == expected
            case .not(let excluded):
                guard let entry else { return true }
                return !facts.entries[entry].value.contains { element in
                    if excluded.contains(element) { return true }
                    if let first = excluded.first, !MatchTable.sameType(first, element) { return true }
                    return false
                }
            case .equals(let allowed):
                guard let entry else { return false }
                return facts.entries[entry].value.contains(where: allowed.contains)
            case .prefix(let prefix):
                guard let entry else { return false }
                return facts.entries[entry].value.contains {
                    if case .string(let text) = $0 { text.hasPrefixComparingBytes(prefix) } else { false }
                }
            case .range(let range):
                guard let entry else { return false }
                return facts.entries[entry].value.contains { if case .number(let number) = $0 { range.contains(number) } else { false } }
            }
        }

        /// The `prefix` test whose words start at `payload` (``TestKind/prefix``), on the request's
        /// value of `key`: as ``holds(_:key:_:)`` decides it, comparing a text's UTF-8 (a scalar's or
        /// each of a list's) with the prefix's bytes in place. `String.hasPrefix` (and copying the test
        /// and the value to call it) was about half of `holds`, where a rule set tests pages by prefix.
        /// Only a text whose bytes leave the answer open (see ``String/asciiPrefix(_:_:)``) goes to
        /// ``holds(_:key:_:)``: a list went there whole, ~580 instructions a call (0.12 calls an
        /// evaluation in the benchmark's mix, 70 instructions of it, where 10 % of the requests send
        /// pages as a list).
        ///
        /// Out of line, as ``inRange(_:key:_:)``: the check (``check(record:_:time:)``) is inlined into
        /// the walk, and these rarer tests need not be (2.1 prefix tests an evaluation, 1.3 of them
        /// the stage signals'). One call: the text's bytes are compared here, where a call to
        /// `startsWith` and its tail call to `String.asciiPrefix` were ~20 instructions a test.
        @inline(never)
        private func hasPrefix(_ payload: Int, key: Int, _ facts: Facts) -> Bool {
            guard let entry = facts.numbers.entry(of: key) else { return false }
            switch facts.entries[entry].value {
            case .scalar(.string(let text)):
                if let decided = startsWith(text, payload) { return decided }
            case .scalar:
                return false
            case .list(let elements):
                // Any text element with the prefix; one that the bytes leave open, and those after
                // it, are left to `holds`.
                for element in elements {
                    guard case .string(let text) = element else { continue }
                    guard let decided = startsWith(text, payload) else { return holds(Int(program[payload]), key: key, facts) }
                    if decided { return true }
                }
                return false
            }
            return holds(Int(program[payload]), key: key, facts)
        }

        /// The ``TestKind/range`` test whose words start at `payload`, on the request's value of
        /// `key`: as ``holds(_:key:_:)`` decides it, reading a number in place. A list value is left
        /// to ``holds(_:key:_:)``.
        @inline(never)
        private func inRange(_ payload: Int, key: Int, _ facts: Facts) -> Bool {
            guard let entry = facts.numbers.entry(of: key) else { return false }
            switch facts.entries[entry].value {
            case .scalar(.number(let number)):
                return Self.range(flags: program[payload &+ 1], lower: double(at: payload &+ 2), upper: double(at: payload &+ 4),
                                  contains: number)
            case .scalar:
                return false
            case .list:
                return holds(Int(program[payload]), key: key, facts)
            }
        }

        /// `NumericRange.contains(_:)` over the bounds as the program keeps them.
        @inline(__always)
        static func range(flags: Int32, lower: Double, upper: Double, contains value: Double) -> Bool {
            if flags & MatchTable.RangeFlags.lower != 0,
               flags & MatchTable.RangeFlags.lowerInclusive != 0 ? value < lower : value <= lower { return false }
            if flags & MatchTable.RangeFlags.upper != 0,
               flags & MatchTable.RangeFlags.upperInclusive != 0 ? value > upper : value >= upper { return false }
            return true
        }

        /// Whether `text` starts with the ASCII prefix at `payload`, as `String.hasPrefix` says; nil
        /// when a non-ASCII byte decides it (``String/asciiPrefix(_:_:)``, reading the prefix's bytes
        /// in the program's words, where they lie in order).
        ///
        /// `@_transparent`: marked `@inline(__always)` it became a call from ``hasPrefix(_:key:_:)`` once
        /// the buckets' blocks were added to the module (branch walk15: +12 instructions an evaluation,
        /// and `String.asciiPrefix` +7).
        @_transparent
        private func startsWith(_ text: String, _ payload: Int) -> Bool? {
            text.utf8.withContiguousStorageIfAvailable { startsWith($0, payload) } ?? nil
        }

        /// ``startsWith(_:_:)`` on a text's UTF-8 `bytes`. A prefix of eight bytes or more on a longer
        /// text (pages under a journey's path: nearly every prefix test) is compared here, eight
        /// bytes at a time, the last word overlapping the one before: the compiler keeps only ASCII
        /// prefixes in the program (``TestKind/prefix``), so no word of it needs the test for bytes past
        /// ASCII that `String.asciiPrefix` makes, and the call to it (~65 instructions a test, 1.4
        /// tests an evaluation) is left to the rest. As there, where the bytes differ an ASCII byte of
        /// the text decides (false) and a byte past ASCII does not (nil); after the prefix, the next
        /// byte must start a new `Character`: an ASCII byte does, but a line feed after a carriage return.
        @inline(__always)
        private func startsWith(_ bytes: UnsafeBufferPointer<UInt8>, _ payload: Int) -> Bool? {
            let length = Int(program[payload &+ 1])
            // Never nil here: the program holds this test's words (`program[payload + 1]` was read).
            guard let base = program.baseAddress else { return nil }
            let prefix = UnsafeRawPointer(base + (payload &+ 2))
            guard length >= 8, bytes.count > length, let start = bytes.baseAddress else {
                return String.asciiPrefix(UnsafeRawBufferPointer(bytes), UnsafeRawBufferPointer(start: prefix, count: length))
            }
            let text = UnsafeRawPointer(start)
            let last = length &- 8
            var offset = 0
            while true {
                let at = Swift.min(offset, last)
                let expected = UInt64(littleEndian: prefix.loadUnaligned(fromByteOffset: at, as: UInt64.self))
                let word = UInt64(littleEndian: text.loadUnaligned(fromByteOffset: at, as: UInt64.self))
                if word != expected {
                    // The first byte that differs (the bytes before it are the prefix's, ASCII).
                    let byte = UInt8(truncatingIfNeeded: word &>> UInt64((word ^ expected).trailingZeroBitCount & ~7))
                    return byte >= 0x80 ? nil : false
                }
                if at == last { break }
                offset &+= 8
            }
            let next = start[length]
            if next >= 0x80 { return nil }
            return !(next == 0x0A && prefix.load(fromByteOffset: length &- 1, as: UInt8.self) == 0x0D)
        }

        /// Whether `program[start ..< start + count]` holds `number`.
        @inline(__always)
        private func contains(_ number: Int32, _ start: Int, _ count: Int) -> Bool {
            var index = start
            let end = start &+ count
            while index < end {
                if program[index] == number { return true }
                index &+= 1
            }
            return false
        }
    }

    static func sameType(_ a: ContextScalar, _ b: ContextScalar) -> Bool {
        switch (a, b) {
        case (.string, .string), (.number, .number), (.bool, .bool): return true
        default: return false
        }
    }
}
