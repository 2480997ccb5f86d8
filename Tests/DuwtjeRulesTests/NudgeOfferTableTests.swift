@testable import DuwtjeRules
import DuwtjeTestSupport
import Foundation
import Testing

/// Admission reads each candidate's ``NudgeOffer`` from the journey's offers in its program
/// (`MatchTable+Offers.swift`) instead of the rule and nudge objects: checked here against the
/// objects, for every rule and variant of the shipped rules and of seeded random sets, and through
/// evaluated answers.
@Suite("Nudge offers by rule position")
struct NudgeOfferTableTests {
    static let now = date("2026-11-22T10:00:00+01:00")

    /// `offer` equals the reference's fields (nil for nil).
    static func same(_ offer: NudgeOffer?, _ reference: NudgeOffer?) -> Bool {
        guard let offer, let reference else { return offer == nil && reference == nil }
        return offer.idHash == reference.idHash && offer.serial == reference.serial && offer.cap == reference.cap
    }

    /// Every rule (and variant) of every journey of `set`, capped or not: the table's offer is the
    /// objects' (``Answer/nudge(of:variant:)``), and it answers for every nudge (none is left to
    /// the objects, as no cap's `max` is past a word). Returns how many offers were compared.
    static func checkEveryOffer(of set: RuleSet, _ label: String) -> Int {
        var compared = 0
        for journey in set.journeys {
            for (position, rule) in journey.rules.enumerated() {
                for variant in -1..<rule.variants.count {
                    let nudge = Answer.nudge(of: rule, variant: Int32(variant))
                    for capped in [false, true] {
                        let offer = journey.offer(rule: position, variant: variant, capped: capped)
                        // What the walk records: a nudge, capped only when it has a cap.
                        guard let nudge, !capped || nudge.cap != nil else {
                            #expect(offer == nil, "\(label) \(journey.id) \(rule.id) variant \(variant) capped \(capped)")
                            continue
                        }
                        let reference = NudgeOffer(idHash: nudge.idHash, serial: nudge.serial, cap: capped ? nudge.cap : nil)
                        #expect(offer != nil && same(offer, reference), "\(label) \(journey.id) \(rule.id) variant \(variant) capped \(capped)")
                        compared += 1
                    }
                }
            }
        }
        return compared
    }

    /// A random rule with a nudge or none, capped or not, and variants that inherit it, drop it or
    /// have their own (capped or not).
    static func rule(_ index: Int, _ generator: inout SeededGenerator) -> String {
        func pick(_ values: [String]) -> String { values[generator.below(values.count)] }
        func nudge(_ id: String) -> String {
            generator.chance(0.3) ? "{ id: \(id), message: m }"
                : "{ id: \(id), message: m, cap: { max: \(1 + generator.below(5)), per: \(pick(["1h", "1d", "7d", "30d"])) } }"
        }
        var out = "  - id: r\(index)\n    recommend: [ { content: \(pick(["c1", "c2", "c3", "c4"])) } ]\n    why: w\n"
        if generator.chance(0.7) { out += "    when: { context: { process: \(pick(["paspoort", "rijbewijs", "verhuizing"])) } }\n" }
        if generator.chance(0.3) { out += "    priority: \(generator.below(4))\n" }
        if generator.chance(0.6) { out += "    nudge: \(nudge("n\(index)"))\n" }
        if generator.chance(0.3) {
            out += "    variants:\n"
            for variant in 0..<(1 + generator.below(4)) {
                let kind = generator.below(3)
                let own = kind == 0 ? "" : kind == 1 ? ", nudge: null" : ", nudge: \(nudge("n\(index)v\(variant)"))"
                out += "      v\(variant): { weight: \(1 + generator.below(50))\(own) }\n"
            }
        }
        return out
    }

    @Test("the offers of the shipped rules equal the objects', for every rule and variant")
    func shippedRules() throws {
        let directory = repositoryRoot + "/Rules"
        let definition = try #require(RuleSetLoader().load(files: try RuleDirectory.read(directory)).definition)
        let set = RuleSet(definition, timeZone: amsterdam)
        #expect(Self.checkEveryOffer(of: set, "Rules") > 0)
        #expect(set.journeys.contains { $0.rules.contains { !$0.variants.isEmpty } }, "the shipped rules have variants")
    }

    @Test("the offers of random sets equal the objects', for every rule and variant, and in evaluated answers")
    func randomSets() throws {
        var generator = SeededGenerator.forTest("NudgeOfferTableTests.randomSets")
        var compared = 0
        var answered = 0
        for round in 0..<10 {
            let rules = "rules:\n" + (0..<(20 + generator.below(80))).map { Self.rule($0, &generator) }.joined()
            let set = try compile(["a.yaml": vocabulary, "b.yaml": rules])
            compared += Self.checkEveryOffer(of: set, "round \(round)")
            // Through the answers admission is handed: every candidate's offer, from the table and
            // from the objects.
            for step in 0..<200 {
                var context = RequestContext()
                if generator.chance(0.8) { context["process"] = .scalar(.string(["paspoort", "rijbewijs", "verhuizing"][generator.below(3)])) }
                let request = EvaluationRequest(journey: "bz", stage: nil, persona: nil, context: context,
                                                visitor: generator.chance(0.8) ? "bezoeker-\(generator.below(30))" : nil,
                                                limit: generator.below(4), now: Self.now)
                let answer = try set.evaluate(request)
                for rank in 0..<answer.candidates.count {
                    let offer = answer.offer(at: rank)
                    #expect(offer != nil && Self.same(offer, answer.objectOffer(at: rank)), "round \(round) step \(step) rank \(rank)")
                    answered += 1
                }
            }
        }
        #expect(compared > 200 && answered > 100, "compared \(compared), answered \(answered)")
    }

    @Test("a cap whose max is past a word, and a rule without a nudge, are left to the objects")
    func leftToTheObjects() {
        let when = CompiledWhen(stages: nil, personas: nil, conditions: 0..<0)
        func rule(_ nudge: CompiledNudge?, variants: [CompiledVariant] = []) -> CompiledRule {
            CompiledRule(id: "r", when: when, from: nil, until: nil, why: nil, nudge: nudge, exclusive: false, variants: variants,
                         mayNudge: nudge != nil)
        }
        let wide = CompiledNudge(id: "wide", message: "m", cta: nil, alternative: nil, cap: Cap(max: Int(Int32.max) + 1, per: 60))
        let negative = CompiledNudge(id: "negative", message: "m", cta: nil, alternative: nil, cap: Cap(max: -1, per: 60))
        let plain = CompiledNudge(id: "plain", message: "m", cta: nil, alternative: nil, cap: Cap(max: Int(Int32.max), per: -5))
        var table = MatchTable()
        table.program.append(contentsOf: [1, 2, 3])
        #expect(table.offer(rule: 0, variant: -1, capped: true) == nil, "no offers added")
        table.addOffers([rule(wide), rule(nil), rule(negative),
                         rule(plain, variants: [CompiledVariant(id: "a", nudge: nil), CompiledVariant(id: "b", nudge: .some(nil)),
                                                CompiledVariant(id: "c", nudge: .some(wide))])])
        table.trim(aligning: true)
        #expect(table.offerStart % Int32(MatchTable.lineWords) == 0)
        #expect(table.offer(rule: 0, variant: -1, capped: true) == nil)
        #expect(table.offer(rule: 1, variant: -1, capped: false) == nil)
        #expect(table.offer(rule: 2, variant: -1, capped: true) == nil)
        #expect(Self.same(table.offer(rule: 3, variant: -1, capped: true),
                          NudgeOffer(idHash: plain.idHash, serial: plain.serial, cap: plain.cap)))
        #expect(Self.same(table.offer(rule: 3, variant: 0, capped: true),
                          NudgeOffer(idHash: plain.idHash, serial: plain.serial, cap: plain.cap)))
        #expect(Self.same(table.offer(rule: 3, variant: 0, capped: false), NudgeOffer(idHash: plain.idHash, serial: plain.serial, cap: nil)))
        #expect(table.offer(rule: 3, variant: 1, capped: false) == nil)
        #expect(table.offer(rule: 3, variant: 2, capped: true) == nil)
        // Uncapped, the wide cap's `max` is not needed, but the entry is left to the objects all the same.
        #expect(table.offer(rule: 0, variant: -1, capped: false) == nil)
    }
}
