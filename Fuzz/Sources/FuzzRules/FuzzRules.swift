import DuwtjeRules
import Foundation
import FuzzSupport
import Synchronization

/// The whole rule loader: up to 12 files (separated by NUL bytes; a file that starts with `#test` is a
/// `*_test.yaml`), read, checked, compiled and, when they load, evaluated for every journey and stage
/// and run against their rule tests. A refused set must name at least one error with a place; a
/// loaded one must answer without trapping.
private let zone = TimeZone(identifier: "Europe/Amsterdam") ?? .gmt
private let now = Date(timeIntervalSince1970: 1_795_338_000)  // 2026-11-22, a fixed clock
private let testMarker = Array("#test".utf8)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRules(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let parts = FuzzInput.parts(FuzzInput.bytes(data, size), max: 12)
    let files = parts.enumerated().map { index, part in
        let name = index < 10 ? "f0\(index)" : "f\(index)"
        return RuleFile(path: name + (part.starts(with: testMarker) ? "_test.yaml" : ".yaml"), bytes: Array(part))
    }
    let output = RuleSetLoader(timeZone: zone).load(files: files)
    for diagnostic in output.diagnostics {
        require(diagnostic.location.line >= 1 && diagnostic.location.column >= 1, "unplaced: \(diagnostic)")
    }
    guard let definition = output.definition else {
        require(output.diagnostics.hasErrors, "refused without an error")
        return 0
    }
    let ruleSet = RuleSet(definition, timeZone: zone)
    let caps = CountingCaps()
    for journey in definition.journeys {
        for stage in [nil] + journey.stages.map(\.id) {
            let request = EvaluationRequest(journey: journey.id, stage: stage, persona: definition.personas.first?.id,
                                            visitor: "v", now: now, explain: true)
            if let answer = try? ruleSet.evaluate(request) {
                _ = runBlocking { () -> String? in
                    var admitted = answer
                    await admitted.admitNudge(for: request, caps: caps)
                    return admitted.nudge?.id
                }
            }
            _ = try? ruleSet.nudges(for: request)
        }
    }
    for file in files where file.isTest {
        let parsed = RuleTests.parse(file, ruleSet: ruleSet, now: now)
        // A case may repeat a request many times; a few are enough to reach the caps.
        for testCase in parsed.cases.prefix(20) where testCase.repeatCount <= 20 {
            _ = runBlocking { await RuleTests.run(testCase, on: ruleSet, caps: CountingCaps()).passed }
        }
    }
    return 0
}

/// Caps for the fuzzer: a count per visitor and nudge, without time (the store's own caps have
/// their tests; here the admission step only has to run on whatever the rules declare).
private final class CountingCaps: CapStore {
    private let counts = Mutex<[String: Int]>([:])

    func admit(visitor: String, nudge: String, cap: Cap, now: Date) -> Bool {
        counts.withLock { counts in
            let key = visitor + "\u{0}" + nudge
            guard counts[key, default: 0] < cap.max else { return false }
            counts[key, default: 0] += 1
            return true
        }
    }

    /// Nothing is dismissed: dismissals come from events, which the rules alone never send.
    func isDismissed(visitor: String, nudge: String, now: Date) -> Bool { false }
}
