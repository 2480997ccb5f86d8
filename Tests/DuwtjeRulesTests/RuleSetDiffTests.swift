@testable import DuwtjeRules
import Foundation
import Testing

/// `duwtje diff` explains only the answers that changed, and only with the rules the index hands
/// over; these tests hold it to the slow reference that explains every rule of every request.
@Suite("Comparing two rule sets")
struct RuleSetDiffTests {
    let now = date("2026-11-22T10:00:00+01:00")

    /// A random rule of the shared vocabulary (`vocabulary` in Support.swift).
    static func rule(_ id: String, _ random: inout SplitMix) -> String {
        var when: [String] = []
        if random.chance(0.4) {
            let stages = ["bewustwording", "interesse", "besluitvorming", "actie"]
            when.append("stage: [\(stages[random.below(4)]), \(stages[random.below(4)])]")
        }
        if random.chance(0.3) { when.append("persona: \(["ouder", "student"][random.below(2)])") }
        var context: [String] = []
        if random.chance(0.5) { context.append("process: \(["paspoort", "rijbewijs", "verhuizing"][random.below(3)])") }
        if random.chance(0.4) { context.append("channel: " + (random.chance(0.5) ? "{ not: balie }" : "[web, app]")) }
        if random.chance(0.2) { context.append("language: \(["nl", "en"][random.below(2)])") }
        if !context.isEmpty { when.append("context: { \(context.joined(separator: ", ")) }") }
        let contents = ["c1", "c2", "c3", "c4", "c-en", "c-nl", "f-stage"]
        var recommend = ["{ content: \(contents[random.below(contents.count)]) }"]
        if random.chance(0.3) { recommend.append("{ type: informatief, tags: [paspoort], limit: 2 }") }
        var fields = ["id: \(id)", "when: { \(when.joined(separator: ", ")) }", "recommend: [ \(recommend.joined(separator: ", ")) ]",
                      "why: w", "priority: \(random.below(4) - 1)"]
        if random.chance(0.1) { fields.append("exclusive: true") }
        if random.chance(0.4) { fields.append("nudge: { id: n-\(id), message: m, alternative: a, cap: { max: 1, per: 1d } }") }
        return "  - { " + fields.joined(separator: ", ") + " }"
    }

    @Test("the diff names the same answers and rules as explaining every rule of every request, on random rule changes")
    func agreesWithFullExplanation() throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["DIFF_SEED"].flatMap(UInt64.init) ?? 0xD1FF)
        print("RuleSetDiffTests seed \(seed) (rerun with DIFF_SEED=\(seed))")
        var random = SplitMix(seed: seed)
        var comparedChanges = 0
        for round in 0..<25 {
            var ids = (0..<12).map { "r\($0)" }
            var rules = ids.map { Self.rule($0, &random) }
            let before = try compile(["a.yaml": vocabulary, "b.yaml": "rules:\n" + rules.joined(separator: "\n")])
            for change in 0..<(1 + random.below(3)) {
                let index = random.below(rules.count)
                switch random.below(3) {
                case 0:
                    rules[index] = Self.rule(ids[index], &random)
                case 1:
                    rules.remove(at: index)
                    ids.remove(at: index)
                default:
                    ids.append("x\(change)")
                    rules.append(Self.rule("x\(change)", &random))
                }
            }
            let after = try compile(["a.yaml": vocabulary, "b.yaml": "rules:\n" + rules.joined(separator: "\n")])
            let (requests, total) = RuleSetDiff.combinations(before, after, now: now)
            #expect(requests.count == total)
            let fast = RuleSetDiff(before: before, after: after, requests: requests, source: "combinations")
            let reference = RuleSetDiff(before: before, after: after, requests: requests, source: "combinations", combinations: nil,
                                        explaining: .everyRule, progress: nil)
            #expect(fast.changed == reference.changed, "seed \(seed) round \(round)")
            #expect(fast.changes == reference.changes, "seed \(seed) round \(round)")
            #expect(fast.groups.map(\.rules) == reference.groups.map(\.rules), "seed \(seed) round \(round)")
            #expect(fast.groups.map(\.answers) == reference.groups.map(\.answers), "seed \(seed) round \(round)")
            #expect(fast.groups.map { $0.examples.map(\.request) } == reference.groups.map { $0.examples.map(\.request) },
                    "seed \(seed) round \(round)")
            comparedChanges += reference.changed
        }
        // The rounds must change answers, or the comparison above proves nothing.
        #expect(comparedChanges > 100)
    }

    @Test("the combinations are built as read, in the order and with the step of the whole grid")
    func combinationsAreLazyAndOrdered() throws {
        let rules = try compile(["a.yaml": vocabulary, "b.yaml": """
        rules:
          - { id: r, when: { context: { process: paspoort, channel: web } }, recommend: [ { content: c1 } ], why: w }
        """])
        let (all, total) = RuleSetDiff.combinations(rules, rules, now: now)
        // 4 stages × 3 persona rows × process (4) × channel (4) × language (3).
        #expect(total == 4 * 3 * 4 * 4 * 3)
        #expect(all.count == total)
        #expect(RuleSetDiff.describe(all[0]) == #"{"journey":"bz","stage":"bewustwording"}"#)
        #expect(RuleSetDiff.describe(all[1]) == #"{"context":{"process":"paspoort"},"journey":"bz","stage":"bewustwording"}"#)
        let (sample, sampledTotal) = RuleSetDiff.combinations(rules, rules, now: now, limit: 100)
        #expect(sampledTotal == total)
        #expect(sample.count <= 100)
        #expect(sample.count >= 50)
        for index in [0, 1, sample.count / 2, sample.count - 1] {
            #expect(RuleSetDiff.describe(sample[index]) == RuleSetDiff.describe(all[index * sample.step]), "index \(index)")
        }
    }
}
