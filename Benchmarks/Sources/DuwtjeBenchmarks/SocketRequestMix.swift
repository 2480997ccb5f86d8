import DuwtjeRules
import Foundation

/// The JSON bodies the socket load generator sends, drawn from a loaded rule set (the shipped
/// `Rules/` or a generated set), so the daemon answers the kinds of question its own rules make
/// interesting instead of a single hot request that caches well.
///
/// Values come from the vocabulary (journeys, stages, personas, closed context values) and from
/// the values the rules themselves test (`equals`, `prefix`, numeric bounds), so a good share of
/// requests match rules and serve nudges. Like ``RequestMix`` some requests carry an unknown stage
/// or persona (the daemon answers those with 200 and a warning), none are malformed: every request
/// should be answered 2xx, so a non-2xx count is a finding.
enum SocketRequestMix {
    /// The requests' own clock, as in ``RequestMix``: 2026-11-22T10:00:00+01:00.
    static let now = "2026-11-22T10:00:00+01:00"

    /// `count` request bodies for `/v1/recommendations`, seeded.
    static func bodies(_ definition: RuleSetDefinition, count: Int, seed: UInt64 = 0x5EED_0002) -> [String] {
        let values = ruleValues(definition)
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in body(definition, values: values, &rng) }
    }

    /// Per context key, the values the rules test: equality values and prefixes (extended into pages).
    static func ruleValues(_ definition: RuleSetDefinition) -> [String: [ContextScalar]] {
        var values: [String: Set<ContextScalar>] = [:]
        for rule in definition.rules {
            for condition in rule.when.context {
                for test in condition.tests {
                    switch test {
                    case .equals(let scalars), .not(let scalars):
                        values[condition.key, default: []].formUnion(scalars)
                    case .prefix(let prefix):
                        values[condition.key, default: []].insert(.string(prefix + "aanvragen"))
                    case .range(let range):
                        if let lower = range.lower { values[condition.key, default: []].insert(.number(lower.rounded(.up))) }
                        if let upper = range.upper { values[condition.key, default: []].insert(.number(upper.rounded(.down))) }
                    case .exists:
                        continue
                    }
                }
            }
        }
        // Sorted, so that the mix does not depend on Set's per-process hash seed.
        return values.mapValues { $0.sorted { $0.description < $1.description } }
    }

    static func body(_ definition: RuleSetDefinition, values: [String: [ContextScalar]], _ rng: inout SplitMix64) -> String {
        var fields: [(String, String)] = []
        let journey = definition.journeys[rng.below(definition.journeys.count)]
        fields.append(("journey", quoted(journey.id)))
        let stageRoll = rng.unit()
        if stageRoll < 0.47, !journey.stages.isEmpty {
            fields.append(("stage", quoted(journey.stages[rng.below(journey.stages.count)].id)))
        } else if stageRoll < 0.50 {
            fields.append(("stage", quoted("onbekende-fase")))
        }
        let personaRoll = rng.unit()
        if personaRoll < 0.57, !definition.personas.isEmpty {
            fields.append(("persona", quoted(definition.personas[rng.below(definition.personas.count)].id)))
        } else if personaRoll < 0.60 {
            fields.append(("persona", quoted("toerist")))
        }
        var context: [String] = []
        for key in definition.contextKeys {
            guard rng.chance(0.7) else { continue }
            let candidates = values[key.id] ?? []
            let value: ContextScalar
            switch key.kind {
            case .closed(let allowed):
                let pool = candidates.isEmpty || rng.chance(0.3) ? allowed.map(ContextScalar.string) : candidates
                guard !pool.isEmpty else { continue }
                value = pool[rng.below(pool.count)]
            case .string:
                value = candidates.isEmpty || rng.chance(0.2) ? .string("/nieuws/\(rng.below(100))") : candidates[rng.below(candidates.count)]
            case .number:
                value = candidates.isEmpty || rng.chance(0.3) ? .number(Double(rng.int(in: 1...12))) : candidates[rng.below(candidates.count)]
            case .boolean:
                value = .bool(rng.chance(0.5))
            }
            context.append("\(quoted(key.id)):\(json(value))")
        }
        if !context.isEmpty { fields.append(("context", "{" + context.joined(separator: ",") + "}")) }
        if rng.chance(0.7) { fields.append(("visitor", quoted("bezoeker-\(rng.below(5_000))"))) }
        fields.append(("limit", "3"))
        fields.append(("now", quoted(now)))
        return "{" + fields.map { "\(quoted($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    static func json(_ value: ContextScalar) -> String {
        switch value {
        case .string(let text): return quoted(text)
        case .number: return value.description
        case .bool(let flag): return flag ? "true" : "false"
        }
    }

    /// A JSON string literal; rule values are plain text, but escape the two characters that matter anyway.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for character in text.unicodeScalars {
            switch character {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(character)
            }
        }
        return out + "\""
    }
}
