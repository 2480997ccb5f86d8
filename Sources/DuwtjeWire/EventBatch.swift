public import DuwtjeRules
public import Foundation
import Synchronization

/// One `POST /v1/events` body, decoded and checked against the rule set being served, and turned
/// into the aggregate cells it adds to. All or nothing: one bad event refuses the whole batch.
///
/// The visitor id an event may carry is read and dropped here: aggregates never hold it. Only a
/// `dismiss` of a nudge keeps it, in ``dismissals``, for the cap store to hash before anything is stored.
public struct EventBatch: Sendable {
    /// The event types, as the website sends them.
    public static let types = ["impression", "click", "conversion", "dismiss"]
    static let fields: Set<String> = ["type", "journey", "stage", "persona", "rule", "variant", "content", "nudge", "visitor", "at"]

    /// How many events the batch had.
    public var count: Int
    /// What it adds to each cell.
    public var counts: [EventCountKey: Int]
    /// The nudges visitors closed: `dismiss` events that name a `nudge` and a `visitor`.
    public var dismissals: [Dismissal] = []
    /// The client's id for this batch (the body's `batch` or the `Idempotency-Key` header), so that
    /// a retry is counted once (``BatchKey``).
    public var key: String?
    /// What a retry under the same key must match (``BatchKey/digest(of:)``); set when `key` is.
    public var digest: [UInt8]?

    /// A visitor closed a nudge at a time.
    public struct Dismissal: Sendable, Equatable {
        public var visitor: String
        public var nudge: String
        public var at: Date
    }

    /// Why a batch was refused: 400 for a malformed one, 413 for one too large, 422 for one that
    /// names ids the rule set does not have. `errors` lists every mistake, not only the first.
    static func refusal(slug: String, title: String, status: Int, detail: String, errors: [Problem.Mistake] = []) -> Problem {
        Problem(slug: slug, title: title, status: status, detail: detail, instance: "/v1/events", errors: errors)
    }

    /// Decodes and checks `body` (`{"events": [ … ], "batch": "…"}`) against `ruleSet`.
    ///
    /// - Parameters:
    ///   - idempotencyKey: the `Idempotency-Key` header's value, when the request has one.
    ///   - now: events without `at` are counted on today; an `at` more than a day ahead is refused.
    ///   - retentionDays: an `at` older than the retention is refused (it would be deleted at once).
    public static func decode(_ body: [UInt8], idempotencyKey: String? = nil, ruleSet: RuleSet, maxBatch: Int,
                              retentionDays: Int, now: Date = Date()) throws(Problem) -> EventBatch {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(body), options: [])
        } catch {
            throw Self.refusal(slug: "malformed-json", title: "Malformed JSON", status: 400,
                          detail: "the body is not JSON: send {\"events\": [ … ]}")
        }
        guard let object = parsed as? [String: Any] else {
            throw Self.refusal(slug: "malformed-json", title: "Malformed JSON", status: 400,
                          detail: "the body must be a JSON object: {\"events\": [ … ]}")
        }
        if let unknown = object.keys.sorted().first(where: { $0 != "events" && $0 != "batch" }) {
            throw Self.refusal(slug: "unknown-field", title: "Unknown field", status: 400,
                          detail: "'\(unknown)' is not a field of an event batch; the fields are 'events' and 'batch'",
                          errors: [Problem.Mistake(field: unknown, detail: "unknown field")])
        }
        let key = try BatchKey.resolve(body: object["batch"], header: idempotencyKey)
        guard let events = object["events"] as? [Any] else {
            throw Self.refusal(slug: object["events"] == nil ? "missing-field" : "wrong-type",
                          title: object["events"] == nil ? "Missing field" : "Wrong type", status: 400,
                          detail: "'events' must be an array of events", errors: [Problem.Mistake(field: "events", detail: "an array")])
        }
        guard events.count <= maxBatch else {
            throw Self.refusal(slug: "batch-too-large", title: "Batch too large", status: 413,
                          detail: "the batch has \(events.count) events, over events.max_batch (\(maxBatch)); send smaller batches")
        }
        let vocabulary = EventVocabulary.cached(for: ruleSet)
        var malformed: [Problem.Mistake] = []
        var unknown: [Problem.Mistake] = []
        var counts: [EventCountKey: Int] = [:]
        var dismissals: [Dismissal] = []
        let today = EventCountKey.day(of: now, in: ruleSet.timeZone)
        let oldest = EventCountKey.day(of: now.addingTimeInterval(-Double(retentionDays) * 86_400), in: ruleSet.timeZone)

        for (index, element) in events.enumerated() {
            guard let event = element as? [String: Any] else {
                malformed.append(Problem.Mistake(index: index, detail: "event \(index) must be a JSON object"))
                continue
            }
            var text: [String: String] = [:]
            var bad = false
            for (key, value) in event {
                guard fields.contains(key) else {
                    let hint = SpellingSuggestions.hint(for: key, in: fields.sorted())
                    malformed.append(Problem.Mistake(index: index, field: key, detail: "unknown field '\(key)'" + (hint.map { " (\($0))" } ?? "")))
                    bad = true
                    continue
                }
                if value is NSNull { continue }
                guard let string = value as? String else {
                    malformed.append(Problem.Mistake(index: index, field: key, detail: "'\(key)' must be a string"))
                    bad = true
                    continue
                }
                text[key] = string
            }
            // Absent or null: a key present as `null` must not pass for a value (the event would be
            // skipped below and the batch acknowledged with it uncounted). A value of the wrong type
            // was named above already.
            for required in ["type", "journey", "stage", "rule"]
            where text[required] == nil && (event[required] == nil || event[required] is NSNull) {
                malformed.append(Problem.Mistake(index: index, field: required, detail: "'\(required)' is required"))
                bad = true
            }
            if text["content"] != nil && text["nudge"] != nil {
                malformed.append(Problem.Mistake(index: index, field: "nudge", detail: "an event is about content or a nudge, not both"))
                bad = true
            }
            if let type = text["type"], !types.contains(type) {
                malformed.append(Problem.Mistake(index: index, field: "type", value: type,
                                         detail: "'type' must be one of \(types.joined(separator: ", "))"))
                bad = true
            }
            var day = today
            var moment = now
            if let at = text["at"] {
                // The one RFC 3339 parser of `now` and the rules (rules.md section 9, Times); ICU's date
                // parser behind ISO8601DateFormatter died of SIGFPE on a long fraction (events fuzzer).
                guard let date = TimeParsing.rfc3339(at) else {
                    malformed.append(Problem.Mistake(index: index, field: "at", value: at, detail: "'at' must be an RFC 3339 time"))
                    continue
                }
                guard date.timeIntervalSince(now) <= 86_400 else {
                    malformed.append(Problem.Mistake(index: index, field: "at", value: at, detail: "'at' is more than a day in the future"))
                    continue
                }
                day = EventCountKey.day(of: date, in: ruleSet.timeZone)
                moment = date
                guard day >= oldest else {
                    malformed.append(Problem.Mistake(index: index, field: "at", value: at,
                                             detail: "'at' is older than store.retention (\(retentionDays)d)"))
                    continue
                }
            }
            if bad { continue }
            guard let type = text["type"], let journey = text["journey"], let stage = text["stage"], let rule = text["rule"] else {
                continue
            }
            let before = unknown.count
            vocabulary.check(journey: journey, stage: stage, persona: text["persona"], rule: rule, variant: text["variant"],
                             content: text["content"], nudge: text["nudge"], index: index, into: &unknown)
            guard unknown.count == before else { continue }
            let key = EventCountKey(day: day, journey: journey, stage: stage, persona: text["persona"] ?? "", rule: rule,
                                    variant: text["variant"] ?? "",
                                    itemKind: text["content"] != nil ? "content" : (text["nudge"] != nil ? "nudge" : ""),
                                    item: text["content"] ?? text["nudge"] ?? "", type: type)
            counts[key, default: 0] += 1
            if type == "dismiss", let nudge = text["nudge"], let visitor = text["visitor"], !visitor.isEmpty {
                dismissals.append(Dismissal(visitor: visitor, nudge: nudge, at: moment))
            }
        }
        if !malformed.isEmpty {
            throw Self.refusal(slug: "invalid-event", title: "Invalid event", status: 400,
                          detail: "\(malformed.count) mistake(s) in the batch, first: event \(malformed[0].index.map(String.init) ?? "-"): \(malformed[0].detail); nothing was stored",
                          errors: malformed + unknown)
        }
        if !unknown.isEmpty {
            let names = unknown.prefix(5).map { "event \($0.index ?? 0) \($0.field ?? ""): '\($0.value ?? "")'" }
            throw Self.refusal(slug: "unknown-ids", title: "Unknown ids", status: 422,
                          detail: "the batch names ids the rule set being served does not have (\(names.joined(separator: ", "))\(unknown.count > 5 ? ", …" : "")); nothing was stored",
                          errors: unknown)
        }
        return EventBatch(count: events.count, counts: counts, dismissals: dismissals, key: key,
                          digest: key == nil ? nil : BatchKey.digest(of: events))
    }
}

/// The ids an event may name, per rule set version, so that checking a batch is a few lookups.
struct EventVocabulary: Sendable {
    struct Rule: Sendable {
        var journey: String
        var variants: Set<String>
        var nudges: Set<String>
    }

    var version: String
    var stages: [String: Set<String>]
    var personas: Set<String>
    var content: Set<String>
    var rules: [String: Rule]

    init(_ ruleSet: RuleSet) {
        let definition = ruleSet.definition
        version = ruleSet.version
        stages = Dictionary(definition.journeys.map { ($0.id, Set($0.stages.map(\.id))) }, uniquingKeysWith: { first, _ in first })
        personas = Set(definition.personas.map(\.id))
        content = Set(definition.content.map(\.id))
        var rules: [String: Rule] = [:]
        for rule in definition.rules {
            var nudges = Set<String>()
            if let nudge = rule.nudge { nudges.insert(nudge.id) }
            for variant in rule.variants {
                if case .replace(let nudge) = variant.nudge { nudges.insert(nudge.id) }
            }
            rules[rule.id] = Rule(journey: rule.journey, variants: Set(rule.variants.map(\.id)), nudges: nudges)
        }
        self.rules = rules
    }

    private static let cache = Mutex<EventVocabulary?>(nil)

    /// The vocabulary of `ruleSet`, built once per version.
    static func cached(for ruleSet: RuleSet) -> EventVocabulary {
        if let hit = cache.withLock({ $0 }), hit.version == ruleSet.version { return hit }
        let built = EventVocabulary(ruleSet)
        cache.withLock { $0 = built }
        return built
    }

    func check(journey: String, stage: String, persona: String?, rule: String, variant: String?, content: String?,
               nudge: String?, index: Int, into mistakes: inout [Problem.Mistake]) {
        func unknown(_ field: String, _ value: String, _ detail: String) {
            mistakes.append(Problem.Mistake(index: index, field: field, value: value, detail: detail))
        }
        if let journeyStages = stages[journey] {
            if !journeyStages.contains(stage) { unknown("stage", stage, "journey '\(journey)' has no stage '\(stage)'") }
        } else {
            unknown("journey", journey, "no journey '\(journey)'")
        }
        if let persona, !personas.contains(persona) { unknown("persona", persona, "no persona '\(persona)'") }
        guard let definition = rules[rule] else {
            unknown("rule", rule, "no rule '\(rule)'")
            return
        }
        if definition.journey != journey, stages[journey] != nil {
            unknown("rule", rule, "rule '\(rule)' belongs to journey '\(definition.journey)', not '\(journey)'")
        }
        if let variant, !definition.variants.contains(variant) {
            unknown("variant", variant, "rule '\(rule)' has no variant '\(variant)'")
        }
        if let content, !self.content.contains(content) { unknown("content", content, "no content '\(content)'") }
        if let nudge, !definition.nudges.contains(nudge) { unknown("nudge", nudge, "rule '\(rule)' has no nudge '\(nudge)'") }
    }
}
