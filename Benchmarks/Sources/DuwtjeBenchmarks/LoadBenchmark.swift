internal import CYAMLFloor
import DuwtjeRules
import Foundation

/// Issues 2 and 15: how long a reload takes at 10,000 rules, against libyaml's own floor.
///
/// Each measured round times, one after the other:
/// - *floor*: libyaml's bare event parse of the same files (`yaml_parser_parse` over every event,
///   each deleted, nothing built; in C, `CYAMLFloor`), one file after the other on one thread, over
///   bytes already in memory — so the floor has no file reading, no hashing and no Swift in it;
/// - *load + validate*: `RuleSetLoader().load(directory:)` (read, parse, validate, warnings,
///   version hash), which parses files on as many threads as there are cores;
/// - *compile*: `RuleSet(serving:timeZone:)`, as the daemon compiles (rank and index the rules, let go
///   of the conditions compiled).
///
/// Issue 15's goal: load + validate + compile ≤ 1.5 × the floor (wall time), both from the same run.
/// CPU times (all threads of the process) are reported beside the wall times: on a shared machine
/// they move less, and they tell a gain from the second core apart from a gain in work.
struct LoadBenchmark {
    var ruleCount = 10_000
    /// 21 rounds (~8 s): with 7, a run's median still moved with one busy second of the host's
    /// neighbours (the floor's own median 105–200 ms from run to run on 2026-12-01).
    var runs = 21

    func run() throws {
        let set = try GeneratedRuleSet(ruleCount: ruleCount)
        defer { set.remove() }
        print("Load benchmark: \(set.description)")
        let loader = RuleSetLoader()
        let clock = ContinuousClock()
        let files = try RuleDirectory.read(set.directory).filter { !$0.isTest }
        var floorTimes: [Double] = []
        var floorCPUTimes: [Double] = []
        var loadTimes: [Double] = []
        var loadCPUTimes: [Double] = []
        var compileTimes: [Double] = []
        var compileCPUTimes: [Double] = []
        var diagnostics: [Diagnostic] = []
        var events = 0
        // One unmeasured round first: page cache, allocator and lazy runtime metadata warm, as they
        // are in a daemon that reloads.
        for run in 0...runs {
            let floorCPUStart = Self.processCPUTime()
            let floorStart = clock.now
            events = try Self.floorParse(files)
            let floorEnd = clock.now
            let floorCPUEnd = Self.processCPUTime()
            let start = clock.now
            let cpuStart = Self.processCPUTime()
            var output = try loader.load(directory: set.directory)
            let cpuEnd = Self.processCPUTime()
            let loaded = clock.now
            guard let definition = output.definition.take() else {
                throw BenchmarkError("generated set does not load: " + (output.diagnostics.errors.first?.description ?? "?"))
            }
            let compileCPUStart = Self.processCPUTime()
            let ruleSet = RuleSet(serving: consume definition, timeZone: loader.timeZone)
            let compiled = clock.now
            let compileCPUEnd = Self.processCPUTime()
            precondition(ruleSet.definition.rules.count == ruleCount)
            diagnostics = output.diagnostics
            guard run > 0 else { continue }
            floorTimes.append((floorEnd - floorStart).seconds * 1e3)
            floorCPUTimes.append((floorCPUEnd - floorCPUStart) * 1e3)
            loadTimes.append((loaded - start).seconds * 1e3)
            loadCPUTimes.append((cpuEnd - cpuStart) * 1e3)
            compileTimes.append((compiled - loaded).seconds * 1e3)
            compileCPUTimes.append((compileCPUEnd - compileCPUStart) * 1e3)
        }
        let totals = zip(loadTimes, compileTimes).map(+)
        let totalCPUTimes = zip(loadCPUTimes, compileCPUTimes).map(+)
        print("  diagnostics: \(diagnostics.errors.count) errors, \(diagnostics.warnings.count) warnings; "
            + "floor: \(events) libyaml events in \(files.count) files")
        print("  \(runs) rounds after 1 warm-up (each: floor, load, compile), ms:")
        print("  step                                    min   median      p90      max")
        for (name, times) in [("floor: libyaml bare parse, 1 thread", floorTimes), ("  its CPU time", floorCPUTimes),
                              ("load + validate", loadTimes), ("  its CPU time (all threads)", loadCPUTimes),
                              ("compile (RuleSet)", compileTimes), ("load + validate + compile", totals),
                              ("  its CPU time (all threads)", totalCPUTimes)] {
            let p = Percentiles(times)
            print("  " + name.padding(toLength: 36, withPad: " ", startingAt: 0)
                + [p.min, p.median, p[0.9], p.max].map { padLeft(format($0, 1), 9) }.joined())
        }
        let floor = Percentiles(floorTimes).median
        let total = Percentiles(totals).median
        let perRound = Percentiles(zip(totals, floorTimes).map { $0 / $1 }).median
        let cpuRatio = Percentiles(zip(totalCPUTimes, floorCPUTimes).map { $0 / $1 }).median
        print("  load + validate + compile ÷ floor: \(format(total / floor, 2)) (medians), \(format(perRound, 2)) "
            + "(median of the rounds' ratios); in CPU time: \(format(cpuRatio, 2)) (median of the rounds' ratios)")
        print("  goal ≤ 1.5 × floor: \(total / floor <= 1.5 ? "met" : "MISSED")")
    }

    /// The floor: every file through libyaml's event parser, one after the other; the events in all.
    static func floorParse(_ files: [RuleFile]) throws -> Int {
        var events = 0
        for file in files {
            let count = file.bytes.withUnsafeBufferPointer { buffer in
                duwtje_yaml_floor_parse(buffer.baseAddress, buffer.count)
            }
            guard count >= 0 else { throw BenchmarkError("libyaml cannot parse \(file.path)") }
            events += count
        }
        return events
    }

    /// CPU time of the whole process (user + system, every thread), in seconds.
    static func processCPUTime() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}
