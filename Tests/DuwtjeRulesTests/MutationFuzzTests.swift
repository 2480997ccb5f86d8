import DuwtjeRules
import DuwtjeTestSupport
import Foundation
import Testing

/// A small, seeded mutation fuzzer over the shipped rule files: whatever bytes an editor or a
/// broken deploy leaves behind, loading must end in a rule set or in errors that name a place —
/// never a crash, a hang or an error without a location. `DUWTJE_FUZZ_ITERATIONS` runs it longer
/// (e.g. 10000: about ten minutes of a debug build); CI runs the default. Each run prints its seed;
/// `DUWTJE_SEED` reruns one.
@Suite("Loading mutated rule files never crashes")
struct MutationFuzzTests {
    @Test("every mutation of the shipped rules loads or is refused with located errors")
    func mutations() throws {
        let files = try RuleDirectory.read(repositoryRoot + "/Rules").filter { !$0.isTest }
        let iterations = ProcessInfo.processInfo.environment["DUWTJE_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 150
        var rng = SeededGenerator.forTest("MutationFuzzTests.mutations")
        var refused = 0
        // Fragments YAML hazards are made of, spliced in at random places.
        let fragments: [[UInt8]] = ["&a ", "*a", "<<: *a", "[", "]", "{", "}", "- ", ": ", "\n  ", "\t", "'", "\"", "#",
                                    "!!str ", "!custom ", "---\n", "no", "~", "null", "-1", "1e400", "\u{0}", "\u{FEFF}",
                                    "é", "%YAML 1.1\n", "? ", "|\n", ">-\n", "&b [*b]"].map { Array($0.utf8) }
        for iteration in 0..<iterations {
            var mutated = files
            let index = Int(rng.next() % UInt64(mutated.count))
            var bytes = mutated[index].bytes
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let position = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 5 {
                case 0: if !bytes.isEmpty { bytes.remove(at: position) }
                case 1: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: position)
                case 2: if !bytes.isEmpty { bytes[position] = UInt8(truncatingIfNeeded: rng.next()) }
                case 3: bytes.insert(contentsOf: fragments[Int(rng.next() % UInt64(fragments.count))], at: position)
                default:
                    // Duplicate a slice: repeated keys, ids and anchors.
                    let length = min(bytes.count - position, Int(rng.next() % 200))
                    bytes.insert(contentsOf: bytes[position..<(position + length)], at: position)
                }
            }
            mutated[index] = RuleFile(path: mutated[index].path, bytes: bytes)
            let output = RuleSetLoader().load(files: mutated)
            if let definition = output.definition {
                // What loads must also compile and answer.
                let ruleSet = RuleSet(definition, timeZone: amsterdam)
                for journey in definition.journeys {
                    do {
                        _ = try ruleSet.evaluate(EvaluationRequest(journey: journey.id, now: Date(timeIntervalSince1970: 1_795_338_000)))
                    } catch {
                        let seed = SeededGenerator.hex(rng.seed)
                        Issue.record("iteration \(iteration) (seed \(seed)): a loaded rule set does not answer for '\(journey.id)': \(error)")
                    }
                }
            } else {
                refused += 1
                let errors = output.diagnostics.filter { $0.severity == .error }
                #expect(!errors.isEmpty, "iteration \(iteration)")
                #expect(errors.allSatisfy { $0.location.line >= 1 && $0.location.column >= 1 && !$0.message.isEmpty })
            }
        }
        // The mutations must reach the error paths, or the test proves little.
        #expect(refused > iterations / 4)
    }
}
