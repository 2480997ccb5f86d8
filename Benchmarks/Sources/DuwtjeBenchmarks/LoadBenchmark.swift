import DuwtjeRules
import Foundation

/// Issue 2's figure: how long a reload takes at 10,000 rules, split into the two steps a daemon
/// does — `RuleSetLoader().load(directory:)` (read, parse, validate, warnings, version hash) and
/// `RuleSet(definition, timeZone:)` (compile the index) — because they have different owners and
/// different goals (load + validate ≤ 300 ms) — and, in the same runs, the floor (issue 15):
/// libyaml's bare event parser over the same files (`YAMLFloor`), which loading is measured against.
struct LoadBenchmark {
    var ruleCount = 10_000
    var runs = 7

    func run() throws {
        let set = try GeneratedRuleSet(ruleCount: ruleCount)
        defer { set.remove() }
        print("Load benchmark: \(set.description)")
        let loader = RuleSetLoader()
        let clock = ContinuousClock()
        var floorTimes: [Double] = []
        var loadTimes: [Double] = []
        var compileTimes: [Double] = []
        var concurrentTimes: [Double] = []
        var events = 0
        let concurrentLoader = RuleSetLoader(parsesConcurrently: true)
        var diagnostics: [Diagnostic] = []
        // One unmeasured run first: page cache, allocator and lazy runtime metadata warm, as they
        // are in a daemon that reloads.
        for run in 0...runs {
            let floorStart = clock.now
            events = try YAMLFloor.run(directory: set.directory)
            let floorEnd = clock.now
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
            // The caller's choice (issue 11): the same load with the files parsed on several threads.
            let concurrentStart = clock.now
            let concurrent = try concurrentLoader.load(directory: set.directory)
            let concurrentEnd = clock.now
            precondition(concurrent.definition?.rules.count == ruleCount)
            guard run > 0 else { continue }
            concurrentTimes.append((concurrentEnd - concurrentStart).seconds * 1e3)
            floorTimes.append((floorEnd - floorStart).seconds * 1e3)
            loadTimes.append((loaded - start).seconds * 1e3)
            compileTimes.append((compiled - loaded).seconds * 1e3)
        }
        print("  diagnostics: \(diagnostics.errors.count) errors, \(diagnostics.warnings.count) warnings")
        print("  \(runs) runs after 1 warm-up, ms:")
        print("  step                                    min   median      p90      max")
        let totals = zip(loadTimes, compileTimes).map(+)
        for (name, times) in [("libyaml floor (read + parse)", floorTimes), ("load + validate", loadTimes),
                              ("compile (RuleSet)", compileTimes), ("total", totals),
                              ("load + validate, parsed concurrently", concurrentTimes)] {
            let p = Percentiles(times)
            print("  " + name.padding(toLength: 36, withPad: " ", startingAt: 0)
                + [p.min, p.median, p[0.9], p.max].map { padLeft(format($0, 1), 9) }.joined())
        }
        // Each run's total over the floor measured just before it: the pair shares the machine's load.
        let ratio = Percentiles(zip(totals, floorTimes).map { $0 / $1 }).median
        print("  floor: \(events) libyaml events, one thread, nothing built")
        print("  goal load + validate + compile ≤ 1.5 × floor: \(ratio <= 1.5 ? "met" : "MISSED") "
            + "(median of per-run ratios \(format(ratio, 2)) ×)")
        let median = Percentiles(loadTimes).median
        print("  goal load + validate ≤ 300 ms at 10,000 rules: \(median <= 300 ? "met" : "MISSED") (median \(format(median, 1)) ms)")
    }
}
