@testable import DuwtjeRules
import DuwtjeTestSupport
import Foundation
import Testing

/// ``JourneyStart`` is what a request's first prefetch reads in place of its journey's object: each
/// field checked against the journey's own, for the shipped rules (compiled both ways) and a set of
/// many stages and personas.
@Suite("Journey starts agree with their journeys")
struct JourneyStartTests {
    /// Every field of every journey's start against the journey it was made from.
    func check(_ rules: RuleSet) {
        #expect(rules.journeyStarts.count == rules.journeys.count)
        for (position, journey) in rules.journeys.enumerated() {
            let start = rules.journeyStarts[position]
            let program = journey.withMatch { UInt(bitPattern: $0.program.baseAddress) }
            #expect(start.program == program, "\(journey.id): the program's word 0")
            #expect(Int(start.stageIDs) == journey.stageIDWords.lowerBound, "\(journey.id)")
            #expect(Int(start.stageCount) == journey.stageCount, "\(journey.id)")
            for stage in 0..<journey.stageCount {
                for persona in [nil] + Array(0..<(journey.personaSlots - 1)) {
                    #expect(start.bucketBlock(stage: stage, persona: persona) == journey.bucketBlock(stage: stage, persona: persona),
                            "\(journey.id): stage \(stage), persona \(String(describing: persona))")
                }
            }
            // A hint only: it reads nothing and changes nothing (here, for each persona slot).
            for persona in [nil] + Array(0..<(journey.personaSlots - 1)) { start.prefetch(persona: persona) }
        }
    }

    @Test("the shipped rules, compiled in full and for serving")
    func shipped() throws {
        let output = try RuleSetLoader(timeZone: amsterdam).load(directory: repositoryRoot + "/Rules")
        let definition = try #require(output.definition)
        check(RuleSet(definition, timeZone: amsterdam))
        let again = try #require(try RuleSetLoader(timeZone: amsterdam).load(directory: repositoryRoot + "/Rules").definition)
        check(RuleSet(serving: again, timeZone: amsterdam))
    }

    @Test("journeys of one to six stages and three personas")
    func manyStages() throws {
        let journeys = (1...6).map { count in
            "j\(count): { stages: [\((0..<count).map { "{ id: s\($0) }" }.joined(separator: ", "))] }"
        }
        let rules = try compile("""
        journeys: { \(journeys.joined(separator: ", ")) }
        personas: { a: { label: A }, b: { label: B }, c: { label: C } }
        content_types: { info: {} }
        context: { process: { values: [x, y] } }
        content:
          - { id: c, type: info, title: C, url: /c }
        rules:
          - { id: r1, journey: j3, when: { stage: s1, persona: b, context: { process: x } }, recommend: [ { content: c } ], why: w }
          - { id: r2, journey: j6, when: { persona: [a, c] }, recommend: [ { content: c } ], why: w }
        """)
        check(rules)
    }
}
