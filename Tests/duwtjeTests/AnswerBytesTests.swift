import DuwtjeTestSupport
import Foundation
import Testing

/// Answers are the same bytes in every process: Swift seeds its hashing per process, so anything
/// that followed a dictionary's order would differ between two daemons (or one daemon before and
/// after a restart). Caching, comparisons and audits rely on identical bodies.
@Suite("answers are the same bytes in two processes", .serialized, .timeLimit(.minutes(3)))
struct AnswerBytesTests {
    /// Unknown persona, stage, context keys and closed values, in many orders.
    static func requests(_ generator: inout SeededGenerator) -> [String] {
        let fields = [#""zeta": 1"#, #""alfa": "x""#, #""process": "paspoortt""#, #""process": ["rijbewij", "x", "paspoort"]"#,
                      #""visits": 4"#, #""midden": true"#, #""Alfa": "y""#]
        var bodies = [#"{"journey": "bz", "stage": "besluit", "persona": "oudr", "context": {"zeta": 1, "process": "paspoortt", "alfa": "x"}}"#]
        for _ in 0..<40 {
            var context: [String] = []
            var usedProcess = false
            for field in fields.shuffled(using: &generator) where generator.chance(0.6) {
                if field.hasPrefix(#""process""#) {
                    if usedProcess { continue }
                    usedProcess = true
                }
                context.append(field)
            }
            let persona = [#", "persona": "oudr""#, #", "persona": "ouder""#, ""][generator.below(3)]
            let stage = [#", "stage": "besluit""#, #", "stage": "bewustwording""#, ""][generator.below(3)]
            bodies.append(#"{"journey": "bz""# + persona + stage + #", "explain": true, "context": {"#
                + context.joined(separator: ", ") + "}}")
        }
        return bodies
    }

    @Test("several unknown ids: two daemons answer identical bodies, warnings in the documented order")
    func sameBytes() async throws {
        var generator = SeededGenerator.forTest("AnswerBytesTests.sameBytes")
        let bodies = Self.requests(&generator)
        let first = try DaemonProcess()
        let second = try DaemonProcess()
        try await first.start()
        try await second.start()
        for body in bodies {
            let one = try await first.client.post("/v1/recommendations", body)
            let other = try await second.client.post("/v1/recommendations", body)
            #expect(one.status == 200)
            #expect(one.body == other.body, "\(body)")
        }
        let warnings = try #require(try await first.client.post("/v1/recommendations", bodies[0]).json?["warnings"] as? [String])
        // Persona, then the context's warnings by key, then the stage (docs/api.md, "Warnings").
        #expect(warnings.map { $0.split(separator: "(").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } == [
            "unknown persona 'oudr'",
            "unknown context key 'alfa'",
            "unknown value 'paspoortt' for context key 'process'",
            "unknown context key 'zeta'",
            "unknown stage 'besluit' in journey 'bz'",
        ])
        #expect(await first.stop() == 0)
        #expect(await second.stop() == 0)
    }
}
