import DuwtjeRules
import Foundation
import Testing

/// `register:` and the Algoritmeregister entry (publication standard 1.0.0) built from it.
@Suite("Algoritmeregister entry")
struct RegisterTests {
    static let rules = """
        journeys:
          bz:
            label: Burgerzaken
            stages:
              - id: start
              - id: verder
                when: { context: { page: { prefix: /paspoort } } }
        personas:
          ouder: { label: Ouder }
        content_types:
          informatief: { label: Informatief }
        context:
          process: { values: [paspoort, rijbewijs], description: Het product waar de bezoeker mee bezig is }
          page: { type: string }
          unused: { type: string }
        content:
          - { id: c1, type: informatief, title: C1, url: /c1 }
        rules:
          - id: r1
            when: { persona: ouder, context: { process: paspoort } }
            recommend: [{ content: c1 }]
            why: U ziet dit omdat u een paspoort aanvraagt.
            nudge: { id: n1, message: Maak online een afspraak., alternative: Of bel 14 020., cap: { max: 3, per: 7d } }
            variants:
              controle: { weight: 10, nudge: null }
              a: { weight: 90 }

        """

    static let register = """
        register:
          name: Tips op de website
          description_short: U ziet soms een tip. Regels bepalen welke.
          organization: Gemeente Voorbeeldstad
          contact_email: algoritmes@example.nl
          publication_category: Overige algoritmes
          category: [Werk]
          goal: Sneller vinden wat u zoekt.
          proportionality: Tips met een andere route.
          human_intervention: Medewerkers schrijven elke regel.
          risks: Te veel sturen; daarom een maximum.

        """

    static func entry(_ register: String, files extra: [String: String] = [:]) -> (AlgorithmRegisterEntry?, RuleSetLoader.Output) {
        var files = extra
        files["rules.yaml"] = rules
        files["register.yaml"] = register
        let output = load(files)
        guard let definition = output.definition else { return (nil, output) }
        return (AlgorithmRegisterEntry(definition, now: date("2026-11-29T12:00:00Z"), retentionDays: 400, timeZone: amsterdam), output)
    }

    @Test("a complete register gives an entry keyed as standard 1.0.0, without errors or warnings")
    func complete() throws {
        let (made, output) = Self.entry(Self.register)
        let entry = try #require(made)
        #expect(entry.diagnostics == [])
        #expect(output.diagnostics.filter { $0.check != nil } == [])
        let keys = Set(entry.values.map(\.key))
        #expect(keys.isSubset(of: Set(AlgorithmRegisterEntry.fields.map(\.key))))
        for required in ["name", "description_short", "organization", "status", "contact_email", "publication_category", "lang", "standard_version"] {
            #expect(keys.contains(required), "\(required)")
        }
        let json = try #require(try JSONSerialization.jsonObject(with: Data(entry.json().utf8)) as? [String: Any])
        #expect(json["name"] as? String == "Tips op de website")
        #expect(json["category"] as? [String] == ["Werk"])
        #expect(json["lang"] as? String == "nld")
        #expect(json["standard_version"] as? String == "1.0.0")
        #expect(json["status"] as? String == "In gebruik")
        #expect(json["source_id"] as? String == output.version)
        #expect(json["opt_out"] == nil, "the page's opt_out text is not a field of the standard")
    }

    @Test("the machine fills the technical working, the data used and the tags from the rules")
    func machineFilled() throws {
        let entry = try #require(Self.entry(Self.register).0)
        let methods = try #require(entry.text("methods_and_models"))
        #expect(methods.contains("niet zelflerend"))
        #expect(methods.contains("1 regels") || methods.contains("Werking: 1 regels"))
        #expect(methods.contains("1 daarvan met een controlegroep"))
        let data = try #require(entry.text("source_data"))
        // Every key a rule or a stage signal reads, and no other.
        #expect(data.contains("process, page"))
        #expect(!data.contains("unused"))
        #expect(data.contains("totalen per dag"))
        #expect(data.contains("HMAC-SHA256"))
        #expect(data.contains("hoogstens 7 dagen"))
        #expect(data.contains("tot het weer mag verschijnen (hoogstens 30 dagen)"))
        #expect(data.contains("na 400 dagen"))
        #expect(entry.text("tags")?.contains("regelgebaseerd") == true)
        #expect(entry.text("tags")?.contains("Burgerzaken") == true)
    }

    @Test("a required field left empty is an error naming the field and the register's place")
    func missingField() {
        let without = Self.register.replacingOccurrences(of: "  organization: Gemeente Voorbeeldstad\n", with: "")
        let (entry, _) = Self.entry(without)
        let errors = entry?.diagnostics.errors.map(\.description) ?? []
        #expect(errors == ["register.yaml:1:1: error: the register entry lacks required field 'organization' (Organisatie) (add `organization: …` under register:)"])
    }

    @Test("a text over its maximum length is an error at the field's place, with the excess")
    func tooLong() {
        let long = String(repeating: "a", count: 351)
        let text = Self.register.replacingOccurrences(of: "U ziet soms een tip. Regels bepalen welke.", with: long)
        let errors = Self.entry(text).0?.diagnostics.errors.map(\.description) ?? []
        #expect(errors == ["register.yaml:3:22: error: 'description_short' (Korte omschrijving) is 351 characters, at most 350 (shorten it by 1 characters)"])
    }

    @Test("closed values are checked: publication category, status, themes, month")
    func closedValues() {
        var text = Self.register.replacingOccurrences(of: "Overige algoritmes", with: "Overig")
        text = text.replacingOccurrences(of: "[Werk]", with: "[Werk, Wonen, Recht, Economie]")
        text += "  begin_date: 2026-13\n"
        let messages = Self.entry(text).0?.diagnostics.errors.map(\.message) ?? []
        #expect(messages.contains { $0.hasPrefix("'publication_category' (Publicatiecategorie) must be one of") })
        #expect(messages.contains("'category' (Thema) has 4 items, at most 3"))
        #expect(messages.contains("'begin_date' (Begindatum) must be a month as YYYY-MM, not '2026-13'"))
    }

    @Test("duwtje check warns on a set without register:, and on an incomplete one")
    func checkWarns() {
        var files = ["rules.yaml": Self.rules]
        #expect(load(files).diagnostics.filter { $0.check == "no-register" }.count == 1)
        files["register.yaml"] = Self.register.replacingOccurrences(of: "  name: Tips op de website\n", with: "")
        let output = load(files)
        #expect(output.definition != nil, "a register problem never refuses the set")
        #expect(output.diagnostics.filter { $0.check == "register" }.map(\.message) == ["the register entry lacks required field 'name' (Naam)"])
        #expect(output.diagnostics.filter { $0.check == "register" }.allSatisfy { $0.severity == .warning })
    }

    @Test("a set has at most one register:")
    func second() {
        let output = load(["rules.yaml": Self.rules, "a.yaml": Self.register, "b.yaml": Self.register])
        #expect(output.diagnostics.errors.map(\.description) == ["b.yaml:1:1: error: a rule set has one 'register' (first at a.yaml:1:1) (merge the two into one register: section)"])
    }

    @Test("the public page lists every active nudge with its why, alternative and frequency, the data used and the opt-out")
    func publicPage() throws {
        let files = ["rules.yaml": Self.rules, "register.yaml": Self.register]
        let definition = try #require(load(files).definition)
        let entry = AlgorithmRegisterEntry(definition, now: date("2026-11-29T12:00:00Z"), timeZone: amsterdam)
        let page = entry.publicPage(definition, generatedAt: date("2026-11-29T12:00:00Z"), retentionDays: 400, timeZone: amsterdam)
        #expect(page.contains("<h1>Waarom zie ik dit?</h1>"))
        #expect(page.contains("Maak online een afspraak."))
        #expect(page.contains("U ziet dit omdat u een paspoort aanvraagt."))
        #expect(page.contains("Of bel 14 020."))
        #expect(page.contains("hoogstens 3 keer per week"))
        #expect(page.contains("Het product waar de bezoeker mee bezig is"))
        #expect(page.contains("Geen duwtjes meer?"))
        #expect(page.contains("mailto:algoritmes@example.nl"))
        #expect(page.contains("29 november 2026"))
    }

    @Test("a nudge whose rule has ended is not on the public page")
    func endedNudge() throws {
        let ended = Self.rules.replacingOccurrences(of: "    variants:", with: "    active: { until: 2026-01-01 }\n    variants:")
        let definition = try #require(load(["rules.yaml": ended, "register.yaml": Self.register]).definition)
        #expect(AlgorithmRegisterEntry(definition, now: date("2026-11-29T12:00:00Z"), timeZone: amsterdam).activeNudges == [])
        #expect(AlgorithmRegisterEntry(definition, now: date("2025-11-29T12:00:00Z"), timeZone: amsterdam).activeNudges.count == 1)
    }

    @Test("the shipped Rules/ have a complete register entry")
    func shipped() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Rules").path
        let definition = try #require(try RuleSetLoader().load(directory: directory).definition)
        let entry = AlgorithmRegisterEntry(definition, now: Date(), timeZone: amsterdam)
        #expect(entry.diagnostics == [])
        #expect(entry.text("organization") == "Gemeente Voorbeeldstad")
    }

    @Test("a machine-filled text over its maximum is an error naming the field, at the register")
    func machineTooLong() throws {
        // 120 context keys that rules read make the data used longer than 2,500 characters.
        let keys = (0..<120).map { "kenmerk-van-het-bezoek-\($0)" }
        var text = Self.rules.replacingOccurrences(of: "  unused: { type: string }\n",
                                                   with: keys.map { "  \($0): { type: string }\n" }.joined())
        text += keys.enumerated().map { index, key in
            "  - { id: extra-\(index), when: { context: { \(key): { exists: true } } }, recommend: [{ content: c1 }], why: W }\n"
        }.joined()
        let definition = try #require(load(["rules.yaml": text, "register.yaml": Self.register]).definition)
        let entry = AlgorithmRegisterEntry(definition, now: date("2026-11-29T12:00:00Z"), timeZone: amsterdam)
        let errors = entry.diagnostics.errors.map(\.description)
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("register.yaml:1:1: error: 'source_data' (Gegevens) is ") == true)
        #expect(errors.first?.contains("characters, at most 2500") == true)
    }
}
