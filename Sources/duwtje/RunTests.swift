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
        let (ruleSet, testFiles) = try options.load()
        let directory = options.directory
        // Each case counts once, as passed or failed, however many mistakes it has; a case with
        // errors is not run. A file whose errors lie outside every case counts as one failure.
        var passed = 0
        var failed = 0
        for file in testFiles {
            let testFile = RuleTests.read(file, ruleSet: ruleSet, now: Date())
            for diagnostic in testFile.diagnostics {
                print(diagnostic.formatted(directory: directory))
            }
            failed += testFile.failuresBeforeRunning
            for testCase in testFile.cases {
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
        print("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }
}
