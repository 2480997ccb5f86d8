import DuwtjeRules
import DuwtjeStore
import Foundation

/// Issue 3's figure: what one request costs as the rule set grows, and whether it stays flat.
///
/// Two timings of the same requests, because each hides something the other shows:
/// - single: `ContinuousClock.now` around every `evaluate` — gives the real distribution (p90, p99),
///   at the price of one clock read (≈ the "clock" column) inside each sample;
/// - batch: 100 evaluations per clock pair, divided by 100 — no clock overhead, but tails averaged away.
/// Caps live in one `MemoryCapStore` per size for the whole run, so after the warm-up many nudges are
/// capped and the walk goes on looking for one: the steady state of a busy site, not the first visit.
struct EvaluationBenchmark {
    var sizes = [100, 1_000, 10_000, 100_000]
    var requestCount = 1_000
    var warmUpPasses = 3
    var timedPasses = 20
    let batchSize = 100

    struct Row {
        let ruleCount: Int
        let journeys: Int
        let counts: CandidateCounter.Counts
        let single: Percentiles
        let batch: Percentiles
        let clockOverhead: Double
    }

    func run() async throws {
        var rows: [Row] = []
        var sink = 0
        for size in sizes {
            let set = try GeneratedRuleSet(ruleCount: size)
            defer { set.remove() }
            let (ruleSet, output) = try set.load()
            print("Evaluation benchmark: \(set.description); "
                + "\(output.diagnostics.errors.count) errors, \(output.diagnostics.warnings.count) warnings")
            let requests = RequestMix.make(set.shape, count: requestCount)
            let caps = MemoryCapStore(maxVisitors: 100_000)
            let clock = ContinuousClock()

            for _ in 0..<warmUpPasses {
                for request in requests { sink &+= try await ruleSet.evaluate(request, caps: caps).recommendationCount }
            }

            // How many rules the walk looks at (see CandidateCounter), from one explained pass.
            let counter = CandidateCounter(ruleSet.definition)
            var total = CandidateCounter.Counts()
            for var request in requests {
                request.explain = true
                let counts = counter.counts(request, explained: try await ruleSet.evaluate(request, caps: caps))
                total.journey += counts.journey
                total.pool += counts.pool
                total.consulted += counts.consulted
                total.matched += counts.matched
            }

            var single: [Double] = []
            single.reserveCapacity(timedPasses * requests.count)
            var batch: [Double] = []
            for _ in 0..<timedPasses {
                for request in requests {
                    let start = clock.now
                    let answer = try await ruleSet.evaluate(request, caps: caps)
                    let end = clock.now
                    single.append((end - start).seconds * 1e6)
                    sink &+= answer.recommendationCount
                }
                for first in stride(from: 0, to: requests.count, by: batchSize) {
                    let slice = requests[first..<min(requests.count, first + batchSize)]
                    let start = clock.now
                    for request in slice { sink &+= try await ruleSet.evaluate(request, caps: caps).recommendationCount }
                    batch.append((clock.now - start).seconds * 1e6 / Double(slice.count))
                }
            }
            var overhead: [Double] = []
            for _ in 0..<10_000 {
                let start = clock.now
                overhead.append((clock.now - start).seconds * 1e6)
            }
            rows.append(Row(ruleCount: size, journeys: set.shape.journeys.count, counts: total, single: Percentiles(single),
                            batch: Percentiles(batch), clockOverhead: Percentiles(overhead).median))
        }
        report(rows)
        print("(checksum \(sink))")
    }

    func report(_ rows: [Row]) {
        let n = Double(requestCount)
        print("""

        Per evaluation, µs — single: each evaluate timed alone (\(timedPasses * requestCount) samples); \
        batch: mean of \(batchSize) (\(timedPasses * requestCount / batchSize) batches).
        Rules consulted: averages per request over the \(requestCount)-request mix (journey = rules in the \
        request's journey, pool = handed over by the index, consulted = looked at before the walk stopped, matched = \
        rules of the journey whose when + active hold).
        """)
        print("""
        |   rules | journeys | journey rules |  pool | consulted | matched | single median | single p90 | single p99 \
        | batch median | batch p90 | clock |
        |--------:|---------:|--------------:|------:|----------:|--------:|--------------:|-----------:|-----------:\
        |-------------:|----------:|------:|
        """)
        for row in rows {
            let cells = [
                padLeft(String(row.ruleCount), 7), padLeft(String(row.journeys), 8),
                padLeft(format(Double(row.counts.journey) / n, 1), 13), padLeft(format(Double(row.counts.pool) / n, 1), 5),
                padLeft(format(Double(row.counts.consulted) / n, 1), 9), padLeft(format(Double(row.counts.matched) / n, 1), 7),
                padLeft(format(row.single.median, 3), 13), padLeft(format(row.single[0.9], 3), 10),
                padLeft(format(row.single[0.99], 3), 10), padLeft(format(row.batch.median, 3), 12),
                padLeft(format(row.batch[0.9], 3), 9), padLeft(format(row.clockOverhead, 3), 5),
            ]
            print("| " + cells.joined(separator: " | ") + " |")
        }
        if let small = rows.first(where: { $0.ruleCount == 100 }), let large = rows.first(where: { $0.ruleCount == 100_000 }) {
            let singleRatio = large.single.median / small.single.median
            let batchRatio = large.batch.median / small.batch.median
            print("\nratio 100,000-rule median / 100-rule median: single \(format(singleRatio, 2))×, batch \(format(batchRatio, 2))× "
                + "(goal ≤ 1.5×: \(max(singleRatio, batchRatio) <= 1.5 ? "met" : "MISSED"))")
        }
        if let mid = rows.first(where: { $0.ruleCount == 10_000 }) {
            let median = max(mid.single.median, mid.batch.median)
            print("median at 10,000 rules: \(format(mid.single.median, 3)) µs single, \(format(mid.batch.median, 3)) µs batch "
                + "(goal ≤ 2 µs: \(median <= 2 ? "met" : "MISSED"))")
        }
    }
}
