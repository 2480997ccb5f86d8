import DuwtjeRules
import DuwtjeStore
import DuwtjeTestSupport
import Foundation
import Testing

@Suite("Rule tests (*_test.yaml)")
struct RuleTestRunnerTests {
    @Test("a failing case reports its expectation, what came back and its place")
    func failingCase() async throws {
        let rules = try compile(["a.yaml": vocabulary, "b.yaml": """
        rules:
          - { id: r, recommend: [ { content: c1 } ], nudge: { id: n, message: m, alternative: a, cap: { max: 1, per: 1d } }, why: w }
        """])
        let file = RuleFile(path: "t/x_test.yaml", bytes: Array("""
        tests:
          - name: goed
            request: { journey: bz, stage: actie, visitor: v, now: 2026-11-22T10:00:00+01:00 }
            expect: { recommendations: [c1, f-journey, f-stage], nudge: n, stage: actie }
          - name: fout
            request: { journey: bz, context: { visits: 3 }, now: 2026-11-22T10:00:00+01:00 }
            expect: { includes: [c2], excludes: [c1], nudge: null, stage: actie }
          - name: tweede keer geen nudge
            repeat: 2
            request: { journey: bz, visitor: v, now: 2026-11-22T10:00:00+01:00 }
            expect: { nudge: null }
        """.utf8))
        let (cases, diagnostics) = RuleTests.parse(file, ruleSet: rules, now: Date())
        #expect(diagnostics.isEmpty)
        var results: [RuleTestResult] = []
        for testCase in cases { results.append(await RuleTests.run(testCase, on: rules, caps: MemoryCapStore(maxVisitors: 1_000))) }
        #expect(results.map(\.passed) == [true, false, true])
        #expect(results[1].testCase.location.description == "t/x_test.yaml:5:5")
        #expect(results[1].failures == [
            "expected stage actie, got besluitvorming (signals)",
            "expected recommendations to include [c2], got [c1, f-stage, f-journey]",
            "expected recommendations to exclude [c1], got [c1, f-stage, f-journey]",
            "expected no nudge, got n (rule r)",
        ])
    }

    @Test("a test file naming unknown content or nudges is refused with places")
    func unknownIDs() throws {
        let rules = try compile(["a.yaml": vocabulary])
        let file = RuleFile(path: "x_test.yaml", bytes: Array("""
        tests:
          - name: typo
            request: { journey: bz }
            expect: { includes: [c11], nudge: nudje }
            extra: 1
        """.utf8))
        let (_, diagnostics) = RuleTests.parse(file, ruleSet: rules, now: Date())
        #expect(diagnostics.map(\.description).sorted() == [
            "x_test.yaml:4:26: error: unknown content 'c11' (did you mean 'c1'?)",
            "x_test.yaml:4:39: error: unknown nudge 'nudje'",
            "x_test.yaml:5:5: error: unknown field 'extra' in a test case (allowed: name, request, expect, repeat)",
        ])
    }

    @Test("the shipped Rules/ pass their own tests")
    func shippedRulesPass() async throws {
        let files = try RuleDirectory.read(repositoryRoot + "/Rules")
        let definition = try #require(RuleSetLoader().load(files: files).definition)
        let rules = RuleSet(definition, timeZone: amsterdam)
        var total = 0
        for file in files where file.isTest {
            let (cases, diagnostics) = RuleTests.parse(file, ruleSet: rules, now: Date())
            #expect(diagnostics.isEmpty)
            for testCase in cases {
                total += 1
                let result = await RuleTests.run(testCase, on: rules, caps: MemoryCapStore(maxVisitors: 1_000))
                #expect(result.passed, "\(testCase.location): \(testCase.name): \(result.failures)")
            }
        }
        #expect(total >= 40)
    }
}
