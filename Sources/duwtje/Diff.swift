import ArgumentParser
import DuwtjeRules
import DuwtjeServer
import Foundation
import DuwtjeWire

/// `duwtje diff`: what a change of the rules does to answers, before it is loaded. Operations run
/// it before a reload; a rule repository can run it in CI. It informs: exit 0 whatever changed.
struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show how many answers a rule change alters, grouped by the rules responsible.",
        discussion: "Both rule sets answer the same requests: those of --requests (one JSON request per line, the "
            + "shape of POST /v1/recommendations), or else every journey × stage × persona × combination of the closed "
            + "context values (each also absent; above \(RuleSetDiff.maxCombinations) an even sample). Requests carry "
            + "no caps. On a terminal, a progress line on standard error. Exit 0 whatever changed; 1 only when a rule set "
            + "or the requests cannot be read."
    )

    @Argument(help: "The rule folder as it is now.")
    var old: String

    @Argument(help: "The rule folder as it would be.")
    var new: String

    @Option(help: "A file of requests, one JSON object per line (blank lines and lines starting with # are skipped).")
    var requests: String?

    @Option(help: "The time zone in which 'active' dates start at midnight.")
    var timezone: String = "Europe/Amsterdam"

    @Option(help: "The moment to evaluate at, RFC 3339 (default: now); a request's own `now` wins.")
    var now: String?

    @Flag(help: "Print the diff as JSON.")
    var json = false

    func run() throws {
        let moment = try parseNow(now)
        let before = try RuleSetOptions.load(directory: old, timezone: timezone).ruleSet
        let after = try RuleSetOptions.load(directory: new, timezone: timezone).ruleSet
        let diff: RuleSetDiff
        if let requests {
            let sample = try Self.read(requests, now: moment)
            let progress = ProgressLine("Comparing answers", total: sample.count)
            diff = RuleSetDiff(before: before, after: after, requests: sample, source: "sample", progress: progress?.advance)
            progress?.finish()
        } else {
            let (sample, total) = RuleSetDiff.combinations(before, after, now: moment)
            let progress = ProgressLine("Comparing answers", total: sample.count)
            diff = RuleSetDiff(before: before, after: after, requests: sample, source: "combinations", combinations: total,
                               progress: progress?.advance)
            progress?.finish()
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(diff), as: UTF8.self))
        } else {
            print(diff.text())
        }
    }

    /// The requests of a JSON-lines file, each checked as the daemon checks a body; a bad line
    /// stops the diff with its file and line.
    static func read(_ path: String, now: Date) throws -> [EvaluationRequest] {
        guard let data = FileManager.default.contents(atPath: path) else {
            printError("error: cannot read \(path)")
            throw ExitCode(1)
        }
        let decoder = RequestDecoder(endpoint: .recommendations, maxLimit: 100)
        var requests: [EvaluationRequest] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let text = line.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
            if text.isEmpty || text.first == UInt8(ascii: "#") { continue }
            do {
                requests.append(try decoder.decode(Array(text), now: now))
            } catch {
                printError("\(path):\(index + 1): error: \(error.detail)" + (error.field.map { " (field '\($0)')" } ?? ""))
                throw ExitCode(1)
            }
        }
        return requests
    }
}
