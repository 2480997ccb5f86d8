@testable import DuwtjeRules
import DuwtjeTestSupport
import Testing

/// ``CompiledJourney/stagePosition(of:)`` compares a request's stage with the stage ids as bytes kept
/// in the journey's program, and asks the id table when none is equal: checked here against the id
/// table alone (what it used to ask), on the ids themselves, near misses and canonical equivalents.
@Suite("Stage positions from the program's bytes")
struct StagePositionTests {
    @Test("the stage found is the one the id table finds, for ids, near misses and other texts")
    func sameAsIDTable() throws {
        // Ids are ASCII (the schema's); request texts need not be.
        let ids = ["s", "actie", "interesse", "bewustwording", "besluitvorming", "k", "fase-met-een-heel-lange-naam-2026", "cafe"]
        let rules = try compile("""
        journeys: { j: { stages: [\(ids.map { "{ id: \"\($0)\" }" }.joined(separator: ", "))] }, ander: { stages: [ { id: s } ] } }
        content_types: { info: {} }
        content:
          - { id: c, type: info, title: C, url: /c }
        """)
        var generator = SeededGenerator.forTest("StagePositionTests.sameAsIDTable")
        var texts: [String] = ids + ["", "S", "acti", "actiex", "bewustwordinG", "\u{212A}", "K", "caf\u{E9}", "cafe\u{301}", "caf",
                                     "fase-met-een-heel-lange-naam-2027", "fase-met-een-heel-lange-naam-202", "overweging"]
        let alphabet = Array("sacteibwrknz-\u{E9}\u{308}")
        for _ in 0..<500 {
            texts.append(String((0..<generator.below(16)).map { _ in alphabet[generator.below(alphabet.count)] }))
            let id = ids[generator.below(ids.count)]
            texts.append(String(id.dropLast(generator.below(2))) + (generator.chance(0.5) ? "" : "x"))
        }
        for journey in rules.journeys {
            for text in texts {
                #expect(journey.stagePosition(of: text) == journey.stageIndex[text], "\(journey.id): '\(text)'")
            }
            #expect(journey.stagePosition(of: nil) == nil)
            for (position, id) in journey.stageIDs.enumerated() { #expect(journey.stagePosition(of: id) == position, "\(id)") }
        }
    }

    @Test("a stage id that is not ASCII (not the schema's, but compiled as given) is still found by canonical equality")
    func idNotASCII() throws {
        let loaded = try compile("""
        journeys: { j: { stages: [ { id: a }, { id: k }, { id: cafe } ] } }
        content_types: { info: {} }
        content:
          - { id: c, type: info, title: C, url: /c }
        """)
        var definition = loaded.definition
        // The Kelvin sign is canonically equal to the ASCII "K", and "é" as one scalar to "e" and U+0301.
        definition.journeys[0].stages[1].id = "\u{212A}"
        definition.journeys[0].stages[2].id = "caf\u{E9}"
        let rules = RuleSet(definition, timeZone: loaded.timeZone)
        let journey = try #require(rules.journeys.first)
        for text in ["a", "K", "k", "\u{212A}", "caf\u{E9}", "cafe\u{301}", "cafe", "b", ""] {
            #expect(journey.stagePosition(of: text) == journey.stageIndex[text], "'\(text)'")
        }
        #expect(journey.stagePosition(of: "K") == 1)
        #expect(journey.stagePosition(of: "cafe\u{301}") == 2)
    }
}
