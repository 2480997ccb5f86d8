import ArgumentParser
import DuwtjeRules
import DuwtjeStore
import DuwtjeWire
import Foundation

/// `duwtje query`: evaluates one request offline and shows the answer with its explanation, so a
/// marketeer or operator can see what the website would get and why.
struct Query: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate one request offline and explain the answer.",
        discussion: "Context values take their key's type: --context visits=3 is a number when 'visits' is declared "
            + "`type: number`. Repeat a key for a list value: --context page=/a --context page=/b."
    )

    @OptionGroup var options: RuleSetOptions

    @Option(help: "The journey (may be omitted when the rule set has one).")
    var journey: String?

    @Option(help: "The stage; without it the stage follows from the signals or is the journey's first.")
    var stage: String?

    @Option(help: "The persona.")
    var persona: String?

    @Option(name: .customLong("context"), help: "A context value as key=value; repeat for more keys or a list.")
    var contextPairs: [String] = []

    @Option(help: "An opaque visitor id (picks variants).")
    var visitor: String?

    @Option(help: "How many items to recommend.")
    var limit: Int = 3

    @Option(help: "The moment to evaluate at, RFC 3339 (default: now).")
    var now: String?

    @Flag(help: "Print the answer as the daemon's body: the bytes POST /v1/recommendations answers, then a newline.")
    var json = false

    @Flag(help: "With --json: include the explanation, as a request with \"explain\": true gets it.")
    var explain = false

    @Flag(help: "With --json: indent the JSON for reading (keys still sorted).")
    var pretty = false

    func run() async throws {
        guard json || !pretty && !explain else { throw ValidationError("--pretty and --explain go with --json") }
        let (ruleSet, _) = try options.load()
        // The text form always explains; the JSON carries the explanation only when asked, as the daemon's does.
        var request = EvaluationRequest(journey: journey, stage: stage, persona: persona, visitor: visitor,
                                        limit: limit, now: Date(), explain: !json || explain)
        if let now {
            guard let date = TimeParsing.rfc3339(now) else {
                throw ValidationError("--now must be an RFC 3339 time such as 2026-11-22T10:00:00+01:00")
            }
            request.now = date
        }
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
        request.context = RequestContext(try Self.context(contextPairs, definition: ruleSet.definition))
        var answer: Answer
        do {
            answer = try ruleSet.evaluate(request)
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        // As the daemon answers a visitor's first request: caps admit the first candidate.
        await answer.admitNudge(for: request, caps: MemoryCapStore(maxVisitors: 1))
        if json {
            var bytes = AnswerWriter.bytes(answer)
            if pretty {
                let tree = try JSONSerialization.jsonObject(with: Data(bytes))
                bytes = Array(try JSONSerialization.data(withJSONObject: tree, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
            }
            FileHandle.standardOutput.write(Data(bytes + [UInt8(ascii: "\n")]))
        } else {
            print(Self.render(answer))
        }
    }

    static func context(_ pairs: [String], definition: RuleSetDefinition) throws -> [String: ContextValue] {
        var values: [String: [ContextScalar]] = [:]
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "=") else {
                throw ValidationError("--context takes key=value, not '\(pair)'")
            }
            let key = String(pair[..<equals])
            let text = String(pair[pair.index(after: equals)...])
            let kind = definition.contextKeys.first { $0.id == key }?.kind ?? .string
            let value: ContextScalar
            switch kind {
            case .number:
                guard let number = Double(text) else { throw ValidationError("context key '\(key)' is a number, not '\(text)'") }
                value = .number(number)
            case .boolean:
                guard text == "true" || text == "false" else { throw ValidationError("context key '\(key)' is true or false") }
                value = .bool(text == "true")
            case .closed, .string:
                value = .string(text)
            }
            values[key, default: []].append(value)
        }
        return values.mapValues { $0.count == 1 ? .scalar($0[0]) : .list($0) }
    }

    static func render(_ answer: Answer) -> String {
        var lines = ["Rule set \(answer.ruleset)",
                     "Journey \(answer.journey), stage \(answer.stage) (\(answer.stageSource.rawValue))", ""]
        lines.append(answer.recommendations.isEmpty ? "No recommendations." : "Recommendations:")
        for (index, item) in answer.recommendations.enumerated() {
            lines.append("  \(index + 1). \(item.content) [\(item.type)] \(item.title)")
            lines.append("     \(item.url)")
            if let rule = item.rule {
                lines.append("     from rule \(rule)" + (item.variant.map { ", variant \($0)" } ?? ""))
            } else if let fallback = item.fallback {
                lines.append("     from the \(fallback.rawValue) fallback")
            }
            if let why = item.why { lines.append("     Waarom zie ik dit? \(why)") }
        }
        lines.append("")
        if let nudge = answer.nudge {
            lines.append("Nudge \(nudge.id): \(nudge.message)")
            if let cta = nudge.cta { lines.append("  [\(cta.label)] → \(cta.url)") }
            if let alternative = nudge.alternative { lines.append("  Other route: \(alternative)") }
            lines.append("  from rule \(nudge.rule)" + (nudge.variant.map { ", variant \($0)" } ?? ""))
        } else {
            lines.append("No nudge.")
        }
        if !answer.warnings.isEmpty {
            lines.append("")
            lines.append("Warnings:")
            lines += answer.warnings.map { "  - \($0)" }
        }
        if let explanation = answer.explanation {
            lines.append("")
            lines.append("Explanation (every rule of the journey, in rank order):")
            for entry in explanation {
                var line = entry.matched ? "  #\(entry.rank.map(String.init) ?? "-") matched  \(entry.rule)" : "     no match \(entry.rule)"
                if let variant = entry.variant { line += " (variant \(variant))" }
                if let failed = entry.failed { line += " — failed: \(failed)" }
                if let cut = entry.cutBy { line += " — not consulted: below exclusive rule \(cut)" }
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n")
    }
}
