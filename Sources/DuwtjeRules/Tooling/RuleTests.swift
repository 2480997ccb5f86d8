public import Foundation

/// One case of a `*_test.yaml` file (rules.md section 8): a request and what its answer must be.
public struct RuleTestCase: Sendable {
    public enum NudgeExpectation: Sendable, Equatable {
        case unspecified
        case none
        case id(String)
    }

    public var name: String
    public var location: SourceLocation
    public var request: EvaluationRequest
    /// How many times the request is sent (same visitor, same caps); the last answer is checked.
    public var repeatCount: Int
    public var stage: String?
    public var recommendations: [String]?
    public var includes: [String]
    public var excludes: [String]
    public var nudge: NudgeExpectation
}

/// The outcome of one case: the failures found (none means it passed) and the answer itself.
public struct RuleTestResult: Sendable {
    public var testCase: RuleTestCase
    public var failures: [String]
    public var answer: Answer?

    public var passed: Bool { failures.isEmpty }
}

/// One test file as read: the cases that can run, and what could not be read, counted so that
/// every case is one pass or one failure however many mistakes it has.
public struct RuleTestFile: Sendable {
    /// The cases without errors, in file order.
    public var cases: [RuleTestCase]
    /// Cases with at least one error: they are not run (an expectation with a typo must not pass
    /// by checking nothing), and each counts as one failure.
    public var invalidCases: Int
    /// Errors outside any case (YAML, the `tests` list itself): the file counts as one failure.
    public var hasFileErrors: Bool
    /// Every error and warning, in order of place (line, then column).
    public var diagnostics: [Diagnostic]

    /// The failures this file adds to a run before its cases are run.
    public var failuresBeforeRunning: Int { invalidCases + (hasFileErrors ? 1 : 0) }
}

/// Reads and runs rule tests against a loaded rule set.
public enum RuleTests {
    /// One test file; problems (unknown fields, unknown ids) are diagnostics with places.
    ///
    /// - Parameter now: the time for cases that give no `now` (tests that must not depend on the
    ///   clock give one).
    public static func read(_ file: RuleFile, ruleSet: RuleSet, now: Date) -> RuleTestFile {
        let read = YAMLReader.read(file.bytes, file: file.path)
        guard let document = read.document else {
            return RuleTestFile(cases: [], invalidCases: 0, hasFileErrors: read.diagnostics.hasErrors,
                                diagnostics: inOrder(read.diagnostics))
        }
        var parser = TestFileParser(ruleSet: ruleSet, now: now)
        let parsed = parser.parse(document)
        let inCases = parsed.reduce(0) { $0 + $1.errors }
        let diagnostics = read.diagnostics + parser.decoder.diagnostics
        return RuleTestFile(cases: parsed.compactMap { $0.errors == 0 ? $0.testCase : nil },
                            invalidCases: parsed.count(where: { $0.errors > 0 }),
                            hasFileErrors: diagnostics.errors.count > inCases, diagnostics: inOrder(diagnostics))
    }

    /// The runnable cases of one test file and its diagnostics (see ``read(_:ruleSet:now:)``).
    public static func parse(_ file: RuleFile, ruleSet: RuleSet, now: Date) -> (cases: [RuleTestCase], diagnostics: [Diagnostic]) {
        let file = read(file, ruleSet: ruleSet, now: now)
        return (file.cases, file.diagnostics)
    }

    /// Sorted by place; diagnostics at the same place keep the order they were found in.
    static func inOrder(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        diagnostics.enumerated().sorted { ($0.element.location, $0.offset) < ($1.element.location, $1.offset) }.map(\.element)
    }

    /// Runs one case against `caps`; give every case fresh caps, so that each starts with no nudge counted.
    public static func run(_ testCase: RuleTestCase, on ruleSet: RuleSet, caps: any CapStore) async -> RuleTestResult {
        var answer: Answer?
        do {
            for _ in 0..<testCase.repeatCount {
                var next = try ruleSet.evaluate(testCase.request)
                await next.admitNudge(for: testCase.request, caps: caps)
                answer = next
            }
        } catch {
            return RuleTestResult(testCase: testCase, failures: ["the request failed: \(error)"], answer: nil)
        }
        guard let answer else { return RuleTestResult(testCase: testCase, failures: ["no answer"], answer: nil) }
        var failures: [String] = []
        let got = answer.recommendations.map(\.content)
        if let stage = testCase.stage, stage != answer.stage {
            failures.append("expected stage \(stage), got \(answer.stage) (\(answer.stageSource.rawValue))")
        }
        if let expected = testCase.recommendations, expected != got {
            failures.append("expected recommendations \(list(expected)), got \(list(got))")
        }
        let missing = testCase.includes.filter { !got.contains($0) }
        if !missing.isEmpty { failures.append("expected recommendations to include \(list(missing)), got \(list(got))") }
        let unwanted = testCase.excludes.filter { got.contains($0) }
        if !unwanted.isEmpty { failures.append("expected recommendations to exclude \(list(unwanted)), got \(list(got))") }
        switch testCase.nudge {
        case .unspecified:
            break
        case .none:
            if let nudge = answer.nudge { failures.append("expected no nudge, got \(nudge.id) (rule \(nudge.rule))") }
        case .id(let id):
            if answer.nudge?.id != id { failures.append("expected nudge \(id), got \(answer.nudge.map(\.id) ?? "null")") }
        }
        return RuleTestResult(testCase: testCase, failures: failures, answer: answer)
    }

    static func list(_ ids: [String]) -> String { "[" + ids.joined(separator: ", ") + "]" }
}

/// Reads the `tests:` list of a test file with the rule set's vocabulary, so that context values
/// take their keys' types and expectations name only ids that exist.
struct TestFileParser {
    let ruleSet: RuleSet
    let now: Date
    var decoder = SchemaDecoder()

    /// A case as read, with the number of errors found inside it (a case with errors is not run).
    struct ParsedCase {
        var testCase: RuleTestCase?
        var errors: Int
    }

    mutating func parse(_ document: YAMLNode) -> [ParsedCase] {
        guard let top = decoder.fields(document, of: "a test file", allowed: ["tests"]),
              let tests = decoder.required(top, "tests", in: "a test file")
        else { return [] }
        guard let items = tests.sequence else {
            decoder.error("'tests' must be a list of cases", at: tests.location)
            return []
        }
        return items.map { item in
            let before = decoder.diagnostics.errors.count
            let testCase = testCase(item)
            // A case that could not be read without an error message still counts as one error.
            let errors = max(decoder.diagnostics.errors.count - before, testCase == nil ? 1 : 0)
            return ParsedCase(testCase: testCase, errors: errors)
        }
    }

    mutating func testCase(_ node: YAMLNode) -> RuleTestCase? {
        guard let fields = decoder.fields(node, of: "a test case", allowed: ["name", "request", "expect", "repeat"]) else { return nil }
        let name = decoder.required(fields, "name", in: "a test case").flatMap { decoder.text($0, "a name") } ?? "(unnamed)"
        let what = "test '\(name)'"
        guard let requestNode = decoder.required(fields, "request", in: what),
              let expectNode = decoder.required(fields, "expect", in: what),
              let request = request(requestNode, what: what)
        else { return nil }
        var repeatCount = 1
        if let node = fields.present("repeat") {
            guard let count = decoder.integer(node, "'repeat'"), (1...1_000).contains(count) else {
                decoder.error("'repeat' must be a whole number from 1 to 1000", at: node.location)
                return nil
            }
            repeatCount = count
        }
        guard let expect = decoder.fields(expectNode, of: "the expect of \(what)",
                                          allowed: ["stage", "recommendations", "includes", "excludes", "nudge"])
        else { return nil }
        let content = Set(ruleSet.definition.content.map(\.id))
        func contentIDs(_ key: String) -> [String]? {
            guard let node = expect[key] else { return nil }
            if node.sequence?.isEmpty == true { return [] }
            guard let ids = decoder.idList(node, "content") else { return nil }
            for id in ids { _ = decoder.reference(id, kind: "content", known: content) }
            return ids.map(\.value)
        }
        var nudge = RuleTestCase.NudgeExpectation.unspecified
        if let node = expect["nudge"] {
            if node.isNull {
                nudge = .none
            } else if let id = decoder.id(node, "nudge") {
                let nudges = Set(ruleSet.definition.rules.flatMap { $0.allNudges.map(\.id) })
                _ = decoder.reference(id, kind: "nudge", known: nudges)
                nudge = .id(id.value)
            }
        }
        return RuleTestCase(name: name, location: node.location, request: request, repeatCount: repeatCount,
                            stage: expect.present("stage").flatMap { decoder.text($0, "a stage") },
                            recommendations: contentIDs("recommendations"), includes: contentIDs("includes") ?? [],
                            excludes: contentIDs("excludes") ?? [], nudge: nudge)
    }

    mutating func request(_ node: YAMLNode, what: String) -> EvaluationRequest? {
        let allowed = ["journey", "stage", "persona", "context", "visitor", "limit", "now", "explain"]
        guard let fields = decoder.fields(node, of: "the request of \(what)", allowed: allowed) else { return nil }
        var request = EvaluationRequest(now: now)
        request.journey = fields.present("journey").flatMap { decoder.text($0, "a journey") }
        request.stage = fields.present("stage").flatMap { decoder.text($0, "a stage") }
        request.persona = fields.present("persona").flatMap { decoder.text($0, "a persona") }
        request.visitor = fields.present("visitor").flatMap { decoder.text($0, "a visitor") }
        if let limit = fields.present("limit") {
            guard let value = decoder.integer(limit, "'limit'"), value >= 1 else { return nil }
            request.limit = value
        }
        if let nowNode = fields.present("now") {
            guard let text = decoder.text(nowNode, "'now'"), let date = TimeParsing.rfc3339(text) else {
                decoder.error("'now' must be an RFC 3339 time", at: nowNode.location, fix: "e.g. 2026-11-22T10:00:00+01:00")
                return nil
            }
            request.now = date
        }
        if let context = fields.present("context") {
            guard let pairs = context.mapping else {
                decoder.error("'context' must be a mapping", at: context.location)
                return nil
            }
            for pair in pairs {
                let kind = ruleSet.definition.contextKeys.first { $0.id == pair.name }?.kind ?? .string
                let items = pair.value.sequence
                var values: [ContextScalar] = []
                for item in pair.value.itemsOrSelf {
                    guard let value = scalar(item, kind: kind, key: pair.name) else { return nil }
                    values.append(value)
                }
                request.context[pair.name] = items == nil ? .scalar(values[0]) : .list(values)
            }
        }
        return request
    }

    /// A request value as a client would send it: numbers for number keys, booleans for boolean keys.
    mutating func scalar(_ node: YAMLNode, kind: ContextKeyKind, key: String) -> ContextScalar? {
        switch kind {
        case .number: return decoder.number(node, "a value of '\(key)'").map(ContextScalar.number)
        case .boolean: return decoder.bool(node, "a value of '\(key)'").map(ContextScalar.bool)
        case .closed, .string: return decoder.text(node, "a value of '\(key)'").map(ContextScalar.string)
        }
    }
}
