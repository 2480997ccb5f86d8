import DuwtjeRules
import DuwtjeStore
import Foundation
import Testing

/// The ethics checks of `duwtje check` (rules.md 7): each with a rule set that fails it and one that passes.
@Suite("Ethics checks")
struct EthicsCheckTests {
    /// One journey, a vulnerable and an ordinary persona, and one rule with `nudge` (YAML lines at
    /// the nudge's indentation) for `persona`, plus `extra` lines at the rule's level.
    static func ruleSet(persona: String = "ouder", nudge: String, extra: String = "") -> String {
        """
        journeys:
          bz: { stages: [{ id: start }] }
        personas:
          ouder: { label: Ouder }
          nieuwkomer: { label: Nieuwkomer, vulnerable: true }
        content_types:
          informatief: { label: Informatief }
          persuasief: { label: Persuasief, persuasive: true }
        content:
          - { id: c1, type: informatief, title: C1, url: /c1 }
        rules:
          - id: r1
            when: { persona: \(persona) }
            recommend: [{ content: c1 }]
            why: U ziet dit omdat het past.
            nudge:
        \(nudge.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
        \(extra.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        """
    }

    static let fair = """
        id: n1
        message: Maak online een afspraak.
        alternative: Of bel 14 020.
        cap: { max: 1, per: 7d }
        type: informatief
        """

    /// The `check` ids raised by loading `text` with `retention` (seconds).
    static func checks(_ text: String, retention: Int64 = RuleSetLoader.defaultRetention) -> [String] {
        let output = RuleSetLoader(retention: retention).load(files: [RuleFile(path: "rules.yaml", bytes: Array(text.utf8))])
        #expect(!output.diagnostics.hasErrors, "\(output.diagnostics.errors)")
        return output.diagnostics.compactMap(\.check).filter { $0 != "no-register" }
    }

    @Test("a fair nudge raises no ethics warning")
    func fairNudge() {
        #expect(Self.checks(Self.ruleSet(persona: "nieuwkomer", nudge: Self.fair)) == [])
    }

    @Test("a nudge without a cap, and with one")
    func cap() {
        let without = Self.fair.replacingOccurrences(of: "cap: { max: 1, per: 7d }\n", with: "")
        #expect(Self.checks(Self.ruleSet(nudge: without)) == ["no-cap"])
        #expect(Self.checks(Self.ruleSet(nudge: Self.fair)) == [])
    }

    @Test("a nudge without an alternative, and with one")
    func alternative() {
        let without = Self.fair.replacingOccurrences(of: "alternative: Of bel 14 020.\n", with: "")
        #expect(Self.checks(Self.ruleSet(nudge: without)) == ["no-alternative"])
        #expect(Self.checks(Self.ruleSet(nudge: Self.fair)) == [])
    }

    @Test("a vulnerable persona gets no persuasive nudge: typed persuasive or untyped fails, informative passes")
    func vulnerablePersuasive() {
        let persuasive = Self.fair.replacingOccurrences(of: "type: informatief", with: "type: persuasief")
        let untyped = Self.fair.replacingOccurrences(of: "type: informatief", with: "")
        #expect(Self.checks(Self.ruleSet(persona: "nieuwkomer", nudge: persuasive)) == ["vulnerable-persuasive"])
        #expect(Self.checks(Self.ruleSet(persona: "[ouder, nieuwkomer]", nudge: untyped)) == ["vulnerable-persuasive"])
        // The same persuasive nudge for a persona that is not vulnerable is fine.
        #expect(Self.checks(Self.ruleSet(persona: "ouder", nudge: persuasive)) == [])
        #expect(Self.checks(Self.ruleSet(persona: "nieuwkomer", nudge: Self.fair)) == [])
    }

    @Test("a vulnerable persona is nudged at most once a week: twice a week fails, once a fortnight passes")
    func vulnerableCap() {
        let twice = Self.fair.replacingOccurrences(of: "max: 1, per: 7d", with: "max: 2, per: 7d")
        let daily = Self.fair.replacingOccurrences(of: "max: 1, per: 7d", with: "max: 1, per: 6d")
        let fortnight = Self.fair.replacingOccurrences(of: "max: 1, per: 7d", with: "max: 1, per: 14d")
        #expect(Self.checks(Self.ruleSet(persona: "nieuwkomer", nudge: twice)) == ["vulnerable-cap"])
        #expect(Self.checks(Self.ruleSet(persona: "nieuwkomer", nudge: daily)) == ["vulnerable-cap"])
        #expect(Self.checks(Self.ruleSet(persona: "nieuwkomer", nudge: fortnight)) == [])
        #expect(Self.checks(Self.ruleSet(persona: "ouder", nudge: twice)) == [])
    }

    @Test("a message stating a share or a norm needs a source", arguments: [
        "73% van de inwoners regelt het online.", "De meeste inwoners regelen het online.",
        "Negen van de tien ouders doen het online.", "Al 3 op de 4 inwoners gingen u voor.", "Ruim 60 procent doet het al.",
    ])
    func normWithoutSource(message: String) {
        let claim = Self.fair.replacingOccurrences(of: "Maak online een afspraak.", with: message)
        #expect(Self.checks(Self.ruleSet(nudge: claim)) == ["norm-without-source"])
        let sourced = claim + "\nsource: Monitor Dienstverlening 2026, gemeente (n = 1.204)"
        #expect(Self.checks(Self.ruleSet(nudge: sourced)) == [])
    }

    @Test("plain figures that are no share or norm pass without a source")
    func figuresWithoutNorm() {
        for message in ["Binnen 5 minuten online een afspraak.", "Deze week zoeken we 500 nieuwe deelnemers.", "Bel 14 020."] {
            let text = Self.fair.replacingOccurrences(of: "Maak online een afspraak.", with: message)
            #expect(Self.checks(Self.ruleSet(nudge: text)) == [], "\(message)")
        }
    }

    @Test("an experiment without a holdout, and with one (by nudge: null or by name)")
    func holdout() {
        let none = "variants:\n  a: { weight: 50 }\n  b: { weight: 50 }"
        #expect(Self.checks(Self.ruleSet(nudge: Self.fair, extra: none)) == ["no-holdout"])
        let removed = "variants:\n  zonder: { weight: 10, nudge: null }\n  a: { weight: 90 }"
        #expect(Self.checks(Self.ruleSet(nudge: Self.fair, extra: removed)) == [])
        let named = "variants:\n  controle: { weight: 10 }\n  a: { weight: 90 }"
        #expect(Self.checks(Self.ruleSet(nudge: Self.fair, extra: named)) == [])
    }

    @Test("a cap window longer than the store's retention, and one within it")
    func capBeyondRetention() {
        let long = Self.fair.replacingOccurrences(of: "max: 1, per: 7d", with: "max: 1, per: 500d")
        #expect(Self.checks(Self.ruleSet(nudge: long)) == ["cap-beyond-retention"])
        #expect(Self.checks(Self.ruleSet(nudge: long), retention: 600 * 86_400) == [])
        #expect(Self.checks(Self.ruleSet(nudge: Self.fair), retention: 30 * 86_400) == [])
        // Within the cap, but the default dismissal (30d) outlives a 7-day retention.
        #expect(Self.checks(Self.ruleSet(nudge: Self.fair), retention: 7 * 86_400) == ["dismissal-beyond-retention"])
        #expect(Self.checks(Self.ruleSet(nudge: Self.fair), retention: 6 * 86_400) == ["cap-beyond-retention"])
    }

    @Test("a nudge's type must be a declared content type")
    func unknownType() {
        let text = Self.ruleSet(nudge: Self.fair.replacingOccurrences(of: "type: informatief", with: "type: informatif"))
        let output = RuleSetLoader().load(files: [RuleFile(path: "rules.yaml", bytes: Array(text.utf8))])
        #expect(output.diagnostics.errors.map(\.message) == ["unknown content type 'informatif' for the nudge of rule 'r1'"])
        #expect(output.diagnostics.errors.first?.fix == "did you mean 'informatief'?")
    }
}

/// `dismiss_for` on a nudge and its use in admission (rules.md 5 and 6, step 7).
@Suite("Dismissals")
struct DismissalTests {
    static func rules(_ nudgeExtra: String) -> String {
        EthicsCheckTests.ruleSet(nudge: EthicsCheckTests.fair + "\n" + nudgeExtra)
    }

    @Test("dismiss_for defaults to 30 days, at least the cap window, and may not be shorter than it")
    func window() throws {
        let plain = try #require(load(["rules.yaml": Self.rules("")]).definition?.rules.first?.nudge)
        #expect(plain.dismissWindow == 30 * 86_400)
        let long = try #require(load(["rules.yaml": Self.rules("dismiss_for: 90d")]).definition?.rules.first?.nudge)
        #expect(long.dismissWindow == 90 * 86_400)
        let capped = EthicsCheckTests.fair.replacingOccurrences(of: "max: 1, per: 7d", with: "max: 1, per: 60d")
        let wide = try #require(load(["rules.yaml": EthicsCheckTests.ruleSet(nudge: capped)]).definition?.rules.first?.nudge)
        #expect(wide.dismissWindow == 60 * 86_400)
        let short = load(["rules.yaml": Self.rules("dismiss_for: 3d")])
        #expect(short.diagnostics.errors.map(\.message) == ["'dismiss_for' (3d) is shorter than the cap window (7d) of the nudge of rule 'r1'"])
        #expect(load(["rules.yaml": Self.rules("dismiss_for: soon")]).diagnostics.errors.map(\.message) == ["'dismiss_for' is not a duration: 'soon'"])
    }

    @Test("a dismissal longer than the store's retention is an ethics warning")
    func beyondRetention() {
        #expect(EthicsCheckTests.checks(Self.rules("dismiss_for: 500d")) == ["dismissal-beyond-retention"])
        #expect(EthicsCheckTests.checks(Self.rules("dismiss_for: 400d")) == [])
    }

    @Test("admission passes over a dismissed nudge, capped or not, until the dismissal ends; other visitors are not affected")
    func admission() async throws {
        let text = EthicsCheckTests.ruleSet(nudge: EthicsCheckTests.fair.replacingOccurrences(of: "cap: { max: 1, per: 7d }\n", with: ""))
        let rules = try compile(["rules.yaml": text])
        let caps = MemoryCapStore(maxVisitors: 10)
        let start = date("2026-11-29T10:00:00Z")
        caps.dismiss(visitor: "v", nudge: "n1", until: start.addingTimeInterval(3_600))
        func nudge(_ visitor: String, _ offset: Double) async -> String? {
            let request = EvaluationRequest(journey: "bz", persona: "ouder", visitor: visitor, now: start.addingTimeInterval(offset))
            guard var answer = try? rules.evaluate(request) else { return "no answer" }
            await answer.admitNudge(for: request, caps: caps)
            return answer.nudge?.id
        }
        #expect(await nudge("v", 0) == nil)
        #expect(await nudge("v", 3_599) == nil)
        #expect(await nudge("other", 0) == "n1")
        #expect(await nudge("v", 3_600) == "n1")
    }
}
