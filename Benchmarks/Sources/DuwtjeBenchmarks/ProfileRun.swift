import DuwtjeRules
import DuwtjeStore
import Foundation

/// `profile RULES [PASSES]`: loads a generated set, then only evaluates the request mix, so a
/// profiler sees evaluation and nothing else. Use with
/// `valgrind --tool=callgrind --toggle-collect='*ProfileRun*evaluatePasses*'` (collects only inside
/// the loop) or `perf record -e cpu-clock -g` (samples the whole run; the load is a few seconds).
struct ProfileRun {
    var ruleCount = 10_000
    var passes = 200

    func run() async throws {
        let set = try GeneratedRuleSet(ruleCount: ruleCount)
        defer { set.remove() }
        let (ruleSet, _) = try set.load()
        let requests = RequestMix.make(set.shape).map(HeldRequest.init)
        let caps = MemoryCapStore(maxVisitors: 100_000)
        print("profile: \(set.description); evaluating \(passes) × \(requests.count) requests")
        let start = ContinuousClock.now
        let touching = ProcessInfo.processInfo.environment["DUWTJE_PROFILE_TOUCH"] == "1"
        let sink = touching
            ? try await Self.evaluatePassesTouching(ruleSet, requests, caps, passes)
            : try await Self.evaluatePasses(ruleSet, requests, caps, passes)
        let elapsed = (ContinuousClock.now - start).seconds
        print("done: \(format(elapsed / Double(passes * requests.count) * 1e6, 3)) µs per evaluation (checksum \(sink))")
    }

    /// Not inlined, so profilers can find (and callgrind can toggle collection on) exactly this loop.
    ///
    /// Each request is lent where it is held (``HeldRequest``) and its answer is not returned, as in
    /// the daemon, which evaluates the request it decoded and writes the answer where it evaluated it:
    /// `for request in requests` copied each request (its strings and context retained, then
    /// released), so did `requests[index]` of an array of requests (~280 instructions), and the
    /// returned answer was copied and destroyed once more, ~400 instructions of the per-evaluation
    /// figure (`Benchmarks/Scripts/instructions.sh`) that were the harness's own.
    @inline(never)
    static func evaluatePasses(_ ruleSet: RuleSet, _ requests: [HeldRequest], _ caps: MemoryCapStore, _ passes: Int) async throws -> Int {
        var sink = 0
        for _ in 0..<passes {
            for held in requests { sink &+= try await ruleSet.recommendationCount(for: held.request, caps: caps) }
        }
        return sink
    }

    /// ``evaluatePasses(_:_:_:_:)`` with every byte of each request read first
    /// (``EvaluationRequest/touchEveryByte()``), for cache measurements only (`DUWTJE_PROFILE_TOUCH=1`): the mix's 1,000
    /// requests are not in the caches when a large rule set has been walked since their last turn,
    /// while the daemon evaluates a request its decoder has just written. Read here first, the
    /// request's cache misses are counted in ``EvaluationRequest/touchEveryByte()`` instead of in the engine's functions,
    /// which then keep the misses the daemon would also have (issue 15, branch miss15-req).
    @inline(never)
    static func evaluatePassesTouching(_ ruleSet: RuleSet, _ requests: [HeldRequest], _ caps: MemoryCapStore,
                                       _ passes: Int) async throws -> Int {
        var sink = 0
        for _ in 0..<passes {
            for held in requests {
                sink &+= held.request.touchEveryByte()
                sink &+= try await ruleSet.recommendationCount(for: held.request, caps: caps)
            }
        }
        return sink
    }
}
