import ArgumentParser
import DuwtjeRules
import DuwtjeStore
import Foundation

/// `duwtje test [DIR]`: runs every `*_test.yaml` case below DIR against the rule set of DIR.
struct RunTests: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the *_test.yaml cases of a rule set.",
        discussion: "Every *_test.yaml below DIR runs against the rule set of DIR. Exits 1 on any failure."
    )

    @OptionGroup var options: RuleSetOptions

    @Flag(name: .shortAndLong, help: "Also list the cases that pass.")
    var verbose = false

    func run() async throws {
        let (ruleSet, files) = try options.load()
        let directory = options.directory
        var passed = 0
        var failed = 0
        var invalid = 0
        for file in files where file.isTest {
            let (cases, diagnostics) = RuleTests.parse(file, ruleSet: ruleSet, now: Date())
            for diagnostic in diagnostics {
                print(diagnostic.formatted(directory: directory))
                if diagnostic.severity == .error { invalid += 1 }
            }
            for testCase in cases {
                let result = await RuleTests.run(testCase, on: ruleSet, caps: MemoryCapStore(maxVisitors: 1_000))
                let place = testCase.location.formatted(directory: directory)
                if result.passed {
                    passed += 1
                    if verbose { print("\(place): pass: \(testCase.name)") }
                } else {
                    failed += 1
                    print("\(place): FAIL: \(testCase.name)")
                    for failure in result.failures { print("    \(failure)") }
                    if let answer = result.answer {
                        let nudge = answer.nudge.map { "\($0.id) (rule \($0.rule))" } ?? "null"
                        print("    answer: stage \(answer.stage) (\(answer.stageSource.rawValue)), recommendations "
                            + "[\(answer.recommendations.map { "\($0.content) ← \($0.rule ?? "fallback:" + ($0.fallback?.rawValue ?? ""))" }.joined(separator: ", "))], nudge \(nudge)")
                    }
                }
            }
        }
        print("\(passed) passed, \(failed + invalid) failed")
        if failed + invalid > 0 { throw ExitCode(1) }
    }
}
