import DuwtjeRules
import DuwtjeStore
import DuwtjeWire
import Foundation
import NIOCore

/// Issue 14's figure for the wire format: what decoding a typical request body (``RequestDecoder``)
/// and encoding its answer (``AnswerWriter``) cost, apart from framing and evaluation. Goal: ≤ 1 µs each.
///
/// "Typical" is the socket load generator's request mix on the shipped `Rules/` (the bodies
/// `compare.sh` sends) and the answers the shipped rules give them. Timed in batches of 100 per
/// clock pair (the clock costs about as much as what is timed), median and p90 over the batches.
struct WireBenchmark {
    var rules = "Rules"
    var requestCount = 2_000
    var passes = 50
    let batchSize = 100

    func run() async throws {
        let loader = RuleSetLoader()
        let loaded = try loader.load(directory: rules)
        guard let definition = loaded.definition, !definition.journeys.isEmpty else {
            throw BenchmarkError("cannot load a rule set with journeys from \(rules)")
        }
        let ruleSet = RuleSet(definition, timeZone: loader.timeZone)
        let bodies = SocketRequestMix.bodies(definition, count: requestCount).map { Array($0.utf8) }
        let decoder = RequestDecoder(endpoint: .recommendations, maxLimit: 20)
        let now = Date()
        let caps = MemoryCapStore(maxVisitors: 100_000)
        let requests = try bodies.map { try decoder.decode($0, now: now) }
        var answers: [Answer] = []
        for request in requests { answers.append(try await ruleSet.evaluate(request, caps: caps)) }
        let clock = ContinuousClock()
        var sink = 0
        var decoding: [Double] = []
        var encoding: [Double] = []
        for pass in 0..<(passes + 2) {
            for first in stride(from: 0, to: bodies.count, by: batchSize) {
                let range = first..<min(bodies.count, first + batchSize)
                let start = clock.now
                for index in range { sink &+= try decoder.decode(bodies[index], now: now).limit }
                let decoded = clock.now
                for index in range { sink &+= AnswerWriter.write(answers[index]).readableBytes }
                let encoded = clock.now
                guard pass >= 2 else { continue }  // two warm-up passes
                decoding.append((decoded - start).seconds * 1e6 / Double(range.count))
                encoding.append((encoded - decoded).seconds * 1e6 / Double(range.count))
            }
        }
        let bodyBytes = bodies.reduce(0) { $0 + $1.count } / bodies.count
        let answerBytes = answers.reduce(0) { $0 + AnswerWriter.write($1).readableBytes } / answers.count
        let decode = Percentiles(decoding)
        let encode = Percentiles(encoding)
        print("Wire benchmark: \(requestCount) requests of the socket mix on \(rules) (mean body \(bodyBytes) B, "
            + "mean answer \(answerBytes) B), \(passes) passes in batches of \(batchSize)")
        print("| step | median µs | p90 µs | goal |")
        print("|---|---:|---:|---|")
        print("| decode (RequestDecoder) | \(format(decode.median, 3)) | \(format(decode[0.9], 3)) | ≤ 1 µs: \(decode.median <= 1 ? "met" : "MISSED") |")
        print("| encode (AnswerWriter) | \(format(encode.median, 3)) | \(format(encode[0.9], 3)) | ≤ 1 µs: \(encode.median <= 1 ? "met" : "MISSED") |")
        print("(checksum \(sink))")
    }
}
