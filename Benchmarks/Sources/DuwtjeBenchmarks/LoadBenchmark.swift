import DuwtjeRules
import Foundation

/// Issue 2's figure: how long a reload takes at 10,000 rules, split into the two steps a daemon
/// does — `RuleSetLoader().load(directory:)` (read, parse, validate, warnings, version hash) and
/// `RuleSet(definition, timeZone:)` (compile the index) — because they have different owners and
/// different goals (load + validate ≤ 300 ms).
struct LoadBenchmark {
    var ruleCount = 10_000
    var runs = 7

    func run() throws {
        let set = try GeneratedRuleSet(ruleCount: ruleCount)
        defer { set.remove() }
        print("Load benchmark: \(set.description)")
        let loader = RuleSetLoader()
        let clock = ContinuousClock()
        var loadTimes: [Double] = []
        var compileTimes: [Double] = []
        var diagnostics: [Diagnostic] = []
        // One unmeasured run first: page cache, allocator and lazy runtime metadata warm, as they
        // are in a daemon that reloads.
        for run in 0...runs {
            let start = clock.now
            let output = try loader.load(directory: set.directory)
            let loaded = clock.now
            guard let definition = output.definition else {
                throw BenchmarkError("generated set does not load: " + (output.diagnostics.errors.first?.description ?? "?"))
            }
            let ruleSet = RuleSet(definition, timeZone: loader.timeZone)
            let compiled = clock.now
            precondition(ruleSet.definition.rules.count == ruleCount)
            diagnostics = output.diagnostics
            guard run > 0 else { continue }
            loadTimes.append((loaded - start).seconds * 1e3)
            compileTimes.append((compiled - loaded).seconds * 1e3)
        }
        print("  diagnostics: \(diagnostics.errors.count) errors, \(diagnostics.warnings.count) warnings")
        print("  \(runs) runs after 1 warm-up, ms:")
        print("  step                 min   median      p90      max")
        for (name, times) in [("load + validate", loadTimes), ("compile (RuleSet)", compileTimes),
                              ("total", zip(loadTimes, compileTimes).map(+))] {
            let p = Percentiles(times)
            print("  " + name.padding(toLength: 17, withPad: " ", startingAt: 0)
                + [p.min, p.median, p[0.9], p.max].map { padLeft(format($0, 1), 9) }.joined())
        }
        let median = Percentiles(loadTimes).median
        print("  goal load + validate ≤ 300 ms at 10,000 rules: \(median <= 300 ? "met" : "MISSED") (median \(format(median, 1)) ms)")
    }
}
