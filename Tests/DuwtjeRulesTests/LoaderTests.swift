import DuwtjeRules
import DuwtjeTestSupport
import Foundation
import Testing

/// Every error class and warning of rules.md section 7, each with its message and place.
@Suite("Loading and validating a rule set")
struct LoaderTests {
    /// The vocabulary plus one file of rules under test.
    func loadRules(_ rules: String) -> RuleSetLoader.Output {
        load(["a.yaml": vocabulary, "b.yaml": rules])
    }

    @Test("the vocabulary alone loads, with its warnings but without errors")
    func vocabularyLoads() {
        let output = load(["a.yaml": vocabulary])
        #expect(output.diagnostics.errors.isEmpty)
        #expect(output.definition?.content.count == 9)
        #expect(output.counts == .init(journeys: 1, personas: 2, content: 9, rules: 0))
    }

    @Test("malformed YAML is an error with its place, and other files are still checked")
    func malformed() {
        let output = load(["a.yaml": vocabulary, "b.yaml": "rules: [\n", "c.yaml": "personas: { ouder: {} }\n"])
        #expect(output.definition == nil)
        #expect(output.diagnostics.errors.map(\.location.file) == ["b.yaml", "c.yaml"])
        #expect(finding(output, "duplicate persona") == "1:13 duplicate persona id 'ouder' (first declared at a.yaml:13:3)")
    }

    @Test("an unknown top-level key is an error with a suggestion")
    func unknownTopLevel() {
        let output = load("journey: {}\n")
        #expect(output.diagnostics.errors.map(\.description) == [
            "rules.yaml:1:1: error: unknown field 'journey' in a rule file (did you mean 'journeys'?)",
        ])
    }

    @Test("duplicate ids name both places, across files")
    func duplicateIDs() {
        let output = loadRules("""
        content:
          - { id: c1, type: actie, title: X, url: /x }
        rules:
          - { id: r, recommend: [ { content: c1 } ], why: w }
          - { id: r, recommend: [ { content: c1 } ], why: w }
        """)
        #expect(finding(output, "duplicate content") == "2:11 duplicate content id 'c1' (first declared at a.yaml:27:11)")
        #expect(finding(output, "duplicate rule") == "5:11 duplicate rule id 'r' (first declared at b.yaml:4:11)")
    }

    @Test("rule and nudge ids repeated across several rule files: each repeat names the first place, in file order")
    func duplicateIDsAcrossRuleFiles() {
        func rule(_ id: String, nudge: String, variantNudge: String? = nil) -> String {
            var text = "  - { id: \(id), recommend: [ { content: c1 } ], why: w, nudge: { id: \(nudge), message: m, alternative: a, cap: { max: 1, per: 1d } }"
            if let variantNudge {
                text += ", variants: { a: { weight: 1, nudge: { id: \(variantNudge), message: m, alternative: a, cap: { max: 1, per: 1d } } } }"
            }
            return text + " }\n"
        }
        // Five rule files, more than there are cores: a loader that decodes files side by side must
        // still name the first place in file order (these are the errors of the one-by-one loader).
        var files = ["a.yaml": vocabulary]
        files["r1.yaml"] = "rules:\n" + rule("x", nudge: "n1", variantNudge: "n1") + rule("y", nudge: "n2")
        files["r2.yaml"] = "rules:\n" + rule("z", nudge: "n2")
        files["r3.yaml"] = "rules:\n" + rule("free", nudge: "n3")
        files["r4.yaml"] = "rules:\n" + rule("x", nudge: "n4") + rule("y2", nudge: "n3")
        files["r5.yaml"] = "rules:\n" + rule("x", nudge: "n5")
        let output = load(files)
        #expect(output.diagnostics.errors.map(\.description) == [
            "r1.yaml:2:168: error: duplicate nudge id 'n1' (first declared at r1.yaml:2:67) (ids of a kind are unique across all files)",
            "r2.yaml:2:67: error: duplicate nudge id 'n2' (first declared at r1.yaml:3:67) (ids of a kind are unique across all files)",
            "r4.yaml:2:11: error: duplicate rule id 'x' (first declared at r1.yaml:2:11) (ids of a kind are unique across all files)",
            "r4.yaml:3:68: error: duplicate nudge id 'n3' (first declared at r3.yaml:2:70) (ids of a kind are unique across all files)",
            "r5.yaml:2:11: error: duplicate rule id 'x' (first declared at r1.yaml:2:11) (ids of a kind are unique across all files)",
        ])
        #expect(output.counts.rules == 7)
    }

    @Test("a repeated rule id and another error of the same rule at the same place come out in the one-by-one loader's order")
    func duplicateIDBesideAnotherErrorAtItsPlace() {
        // Two journeys, so a rule without one is an error at its id, the place of the duplicate too.
        var files = ["a.yaml": vocabulary, "j.yaml": "journeys:\n  tweede: { stages: [ { id: s } ] }\n"]
        files["r1.yaml"] = "rules:\n  - { id: x, journey: bz, recommend: [ { content: c1 } ], why: w }\n"
        files["r2.yaml"] = "rules:\n  - { id: x, recommend: [ { content: c1 } ], why: w }\n  - { id: y, recommend: [ { content: c1 } ], why: w }\n"
        let output = load(files)
        #expect(output.diagnostics.errors.map(\.description) == [
            "r2.yaml:2:11: error: duplicate rule id 'x' (first declared at r1.yaml:2:11) (ids of a kind are unique across all files)",
            "r2.yaml:2:11: error: missing required field 'journey' in rule 'x' (there are 2 journeys: bz, tweede)",
            "r2.yaml:3:11: error: missing required field 'journey' in rule 'y' (there are 2 journeys: bz, tweede)",
        ])
    }

    @Test("missing required fields: id, type, title, url, message, weight")
    func missingFields() {
        let output = loadRules("""
        content:
          - { type: actie, title: X, url: /x }
          - { id: nt, title: X, url: /x }
          - { id: nti, type: actie, url: /x }
          - { id: nu, type: actie, title: X }
        rules:
          - id: r
            nudge: { id: n }
            variants: { a: { nudge: null } }
        """)
        #expect(finding(output, "'id' in a content item") == "2:5 missing required field 'id' in a content item")
        #expect(finding(output, "'type' in content item 'nt'") == "3:5 missing required field 'type' in content item 'nt'")
        #expect(finding(output, "'title' in content item 'nti'") == "4:5 missing required field 'title' in content item 'nti'")
        #expect(finding(output, "'url' in content item 'nu'") == "5:5 missing required field 'url' in content item 'nu'")
        #expect(finding(output, "'message'") == "8:12 missing required field 'message' in the nudge of rule 'r'")
        #expect(finding(output, "'weight'") == "9:20 missing required field 'weight' in variant 'a' of rule 'r'")
    }

    @Test("journey is required on a rule when more than one journey is declared")
    func journeyRequired() {
        let output = load(["a.yaml": vocabulary, "b.yaml": """
        journeys: { tweede: { stages: [ { id: s } ] } }
        rules:
          - { id: r, recommend: [ { content: c1 } ] }
        """])
        #expect(finding(output, "'journey'") == "3:11 missing required field 'journey' in rule 'r'")
        #expect(output.diagnostics.errors.first?.fix == "there are 2 journeys: bz, tweede")
    }

    @Test("unknown references name the nearest known ids")
    func unknownReferences() {
        let output = loadRules("""
        rules:
          - id: r1
            journey: bx
          - id: r2
            when:
              stage: besluit
              persona: ouders
              context: { proces: paspoort }
            recommend: [ { content: c5 }, { type: informatif } ]
          - id: r3
            when: { context: { process: paspoot } }
        content:
          - { id: x, type: actie, title: X, url: /x, language: de }
        """)
        let errors = output.diagnostics.errors.map { "\($0.location.line):\($0.location.column) \($0.message) (\($0.fix ?? ""))" }
        #expect(errors == [
            "3:14 unknown journey 'bx' (did you mean 'bz'?)",
            "6:14 unknown stage 'besluit' in journey 'bz' (did you mean 'besluitvorming'?)",
            "7:16 unknown persona 'ouders' (did you mean 'ouder'?)",
            "8:18 unknown context key 'proces' (did you mean 'process'?)",
            "9:29 unknown content 'c5' (did you mean 'c1' or 'c2' or 'c3'?)",
            "9:43 unknown content type 'informatif' (did you mean 'informatief'?)",
            "11:33 unknown value 'paspoot' for context key 'process' (did you mean 'paspoort'?)",
            "13:56 unknown language 'de' for content item 'x' (did you mean 'en' or 'nl'?)",
        ])
    }

    @Test("a condition of the wrong shape or type for its key")
    func wrongShapes() {
        let output = loadRules("""
        rules:
          - id: r
            when:
              context:
                visits: { prefix: "3" }
                page: { gte: 2 }
                ingelogd: ja
                channel: { exists: yes }
                process: { nott: paspoort }
                language: {}
                process: paspoort
        """)
        let errors = output.diagnostics.errors.map { "\($0.location.line):\($0.location.column) \($0.message)" }
        #expect(errors == [
            "5:27 'prefix' applies to text, but 'visits' is a number",
            "6:22 'gte' compares numbers, but 'page' is text",
            "7:19 a value of 'ingelogd' must be true or false, not 'ja'",
            "8:28 'exists' must be true or false, not 'yes'",
            "9:20 unknown field 'nott' in the condition on 'process'",
            "10:19 the condition on 'language' is empty",
            "11:9 duplicate key 'process' (first at line 9, column 9)",
        ])
    }

    @Test("a value of the wrong type for a number key, and a quoted number")
    func numbers() {
        let output = loadRules("""
        rules:
          - { id: r, when: { context: { visits: { gte: "2" } } } }
          - { id: s, when: { context: { visits: veel } } }
        """)
        #expect(finding(output, "'gte' must") == "2:48 'gte' must be a number, not the text \"2\"")
        #expect(finding(output, "visits' must") == "3:41 a value of 'visits' must be a number, not 'veel'")
    }

    @Test("numbers and ids are ASCII: other digits, a combining mark or a second point are errors; signs and one point are not")
    func asciiNumbersAndIDs() {
        let output = loadRules("""
        rules:
          - { id: r, priority: \u{0663} }
          - { id: s, priority: 5\u{0301} }
          - { id: t, priority: -7, when: { context: { visits: { gte: 1.2.3 } } } }
          - { id: u, priority: --7, when: { context: { visits: { lte: -2.5 } } } }
          - { id: v, when: { context: { visits: { gt: 2., lt: .5 } } } }
          - { id: e\u{0301} }
        """)
        #expect(output.diagnostics.errors.map(\.message) == [
            "'priority' must be a whole number, not '\u{0663}'",
            "'priority' must be a whole number, not '5\u{0301}'",
            "'gte' must be a number, not '1.2.3'",
            "'priority' must be a whole number, not '--7'",
            "'gt' must be a number, not '2.'",
            "'lt' must be a number, not '.5'",
            "invalid rule id 'e\u{0301}'",
        ])
    }

    @Test("from not before until, and a time that is neither a date nor RFC 3339")
    func windows() {
        let output = loadRules("""
        rules:
          - { id: r, active: { from: 2027-01-01, until: 2026-12-01 } }
          - { id: s, active: { from: 2026-13-01 } }
          - { id: t, active: { from: 2026-12-01T00:00:00+01:00, until: 2026-12-01 } }
        """)
        #expect(finding(output, "'from' is not before") == "2:49 'from' is not before 'until' in the active window of rule 'r'")
        #expect(finding(output, "not a date") == "3:30 'from' of rule 's' is not a date or an RFC 3339 time: '2026-13-01'")
        // Midnight in Amsterdam is the same moment as 00:00+01:00: an empty window.
        #expect(finding(output, "rule 't'") == "4:64 'from' is not before 'until' in the active window of rule 't'")
    }

    @Test("a cap without max or per, and a malformed duration")
    func caps() {
        let output = loadRules("""
        rules:
          - { id: r, why: w, nudge: { id: n1, message: m, alternative: a, cap: { max: 3 } } }
          - { id: s, why: w, nudge: { id: n2, message: m, alternative: a, cap: { per: 7d } } }
          - { id: t, why: w, nudge: { id: n3, message: m, alternative: a, cap: { max: 3, per: 1w } } }
        """)
        #expect(finding(output, "'per' in the cap") == "2:72 missing required field 'per' in the cap of the nudge of rule 'r'")
        #expect(finding(output, "'max' in the cap") == "3:72 missing required field 'max' in the cap of the nudge of rule 's'")
        #expect(finding(output, "not a duration") == "4:87 'per' is not a duration: '1w'")
    }

    @Test("limits of section 2 are errors of the load, with the file named")
    func limits() {
        let output = load(["a.yaml": vocabulary, "b.yaml": "x: " + String(repeating: "[", count: 70)])
        #expect(output.definition == nil)
        #expect(output.diagnostics.errors.map(\.description) == ["b.yaml:1:67: error: document nests deeper than 64 levels (flatten the structure)"])
    }

    @Test("all errors of a load are reported, across files, in file order")
    func allErrors() {
        let output = load(["a.yaml": vocabulary, "b.yaml": "rules: [ { id: A } ]\n", "c.yaml": "rules: [ { id: r, priority: hoog } ]\n"])
        #expect(output.diagnostics.errors.map(\.description) == [
            "b.yaml:1:16: error: invalid rule id 'A' (use 1 to 64 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit)",
            "c.yaml:1:29: error: 'priority' must be a whole number, not 'hoog'",
        ])
    }

    @Test("warnings: a nudge without cap or alternative, a rule without why")
    func nudgeWarnings() {
        let output = loadRules("""
        rules:
          - { id: r, recommend: [ { content: c1 } ], nudge: { id: n, message: m } }
        """)
        #expect(output.definition != nil)
        #expect(finding(output, "no cap") == "2:59 nudge 'n' has no cap (nudges must not nag)")
        #expect(finding(output, "no alternative") == "2:59 nudge 'n' has no alternative (citizens keep the choice of channel)")
        #expect(finding(output, "no 'why'") == "2:11 rule 'r' has no 'why': its answers cannot tell citizens why they see them")
    }

    @Test("warning: a rule an exclusive rule above it always shadows; a narrower exclusive rule shadows nothing")
    func shadowed() {
        let output = loadRules("""
        rules:
          - id: top
            when: { stage: [interesse, besluitvorming], context: { process: [paspoort, rijbewijs] } }
            recommend: [ { content: c1 } ]
            exclusive: true
            priority: 10
            why: w
          - id: under
            when: { stage: interesse, persona: ouder, context: { process: paspoort, visits: { gte: 2 } } }
            recommend: [ { content: c2 } ]
            why: w
          - id: free
            when: { stage: interesse }
            recommend: [ { content: c3 } ]
            why: w
        """)
        let shadowing = output.diagnostics.filter { $0.message.contains("can never be consulted") }
        #expect(shadowing.map { "\($0.location.line):\($0.location.column) \($0.message)" } == [
            "8:9 rule 'under' can never be consulted: exclusive rule 'top' (b.yaml:2:9) ranks above it and matches everything it matches",
        ])
    }

    @Test("warnings: content no rule can recommend, personas and stages no rule mentions")
    func unreachable() {
        let output = loadRules("""
        rules:
          - { id: r, when: { stage: interesse, persona: ouder }, recommend: [ { type: actie, tags: [paspoort] } ], why: w }
        """)
        let warnings = output.diagnostics.warnings.map { "\($0.location.file):\($0.location.line) \($0.message)" }
        #expect(warnings.contains("a.yaml:29 content item 'c3' cannot be recommended: no rule or fallback names it or its type and tags"))
        #expect(!warnings.contains { $0.contains("'c4'") })
        #expect(!warnings.contains { $0.contains("'f-stage'") })
        #expect(warnings.contains("a.yaml:14 persona 'student' is not mentioned by any rule"))
        #expect(warnings.contains("a.yaml:4 stage 'bewustwording' of journey 'bz' is not mentioned by any rule"))
        #expect(!warnings.contains { $0.contains("stage 'interesse'") })
    }

    @Test("the version is sha256 over each served file's path, length and bytes, in read order, tests excluded")
    func version() {
        // Computed independently: python3 -c "import hashlib; print(hashlib.sha256(
        //   b'a.yaml\0' + b'12\0' + b'personas: {}' + b'b/c.yml\0' + b'0\0').hexdigest())"
        let output = load(["b/c.yml": "", "a.yaml": "personas: {}", "a_test.yaml": "tests: []"])
        #expect(output.version == "sha256:\(expectedVersion)")
        #expect(output.definition?.files == ["a.yaml", "b/c.yml"])
        let changed = load(["b/c.yml": "", "a.yaml": "personas: {} "])
        #expect(changed.version != output.version)
    }

    @Test("the shipped Rules/ load without errors or warnings")
    func shippedRules() throws {
        let directory = repositoryRoot + "/Rules"
        let output = try RuleSetLoader().load(directory: directory)
        #expect(output.diagnostics.map(\.description) == [])
        let definition = try #require(output.definition)
        #expect(definition.journeys.count >= 3)
        #expect(definition.personas.count >= 8)
        #expect(definition.content.count >= 40)
        #expect(Set(definition.content.map(\.type)) == ["informatief", "persuasief", "actie"])
        #expect(definition.rules.count >= 30)
    }

    @Test("a folder without rule files is refused, not loaded as an empty rule set")
    func emptyDirectory() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("duwtje-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        try Data("cases: []\n".utf8).write(to: empty.appendingPathComponent("only_test.yaml"))
        #expect(throws: RuleDirectoryError.self) { try RuleDirectory.read(empty.path) }
        do {
            _ = try RuleDirectory.read(empty.path)
        } catch {
            #expect(error.reason == "holds no rule files (*.yaml, *.yml)")
        }
    }

    @Test("a rule directory reached through a symlink (a release switch) reads the files it points at")
    func symlinkedDirectory() throws {
        let shipped = repositoryRoot + "/Rules"
        let link = FileManager.default.temporaryDirectory.appendingPathComponent("duwtje-rules-link-\(UUID().uuidString)").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: shipped)
        defer { try? FileManager.default.removeItem(atPath: link) }
        let direct = try RuleDirectory.read(shipped)
        let linked = try RuleDirectory.read(link)
        #expect(!linked.isEmpty)
        #expect(linked.map(\.path) == direct.map(\.path))
        #expect(RuleDirectory.version(of: linked) == RuleDirectory.version(of: direct))
    }

    @Test("an invalid or missing id does not hide the entry's other mistakes (issue 18, item 11)")
    func invalidIDKeepsChecking() {
        let output = loadRules("""
        rules:
          - id: Bad_ID
            when: { persona: oudr }
            recommend: [ { content: nope } ]
            variants: { Variant_A: { weight: 0 } }
          - when: { stage: besluit }
            recommend: [ { content: c1 } ]
        content:
          - { id: Item_1, type: actie, title: X }
        """)
        let errors = output.diagnostics.errors.map { "\($0.location.line):\($0.location.column) \($0.message)" }
        #expect(errors == [
            "2:9 invalid rule id 'Bad_ID'",
            "3:22 unknown persona 'oudr'",
            "4:29 unknown content 'nope'",
            "5:17 invalid variant id 'Variant_A'",
            "5:38 'weight' of variant 'Variant_A' of rule 'Bad_ID' must be a positive whole number",
            "6:5 missing required field 'id' in a rule",
            "6:20 unknown stage 'besluit' in journey 'bz'",
            "9:5 missing required field 'url' in content item 'Item_1'",
            "9:11 invalid content id 'Item_1'",
        ])
        #expect(output.definition == nil)
    }
}
let expectedVersion = "ed4cc9bca22bea63f14986220761660502d13fd5050310bb5098c0d598858934"
