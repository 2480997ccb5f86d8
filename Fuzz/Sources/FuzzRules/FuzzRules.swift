import DuwtjeRules
import Foundation
import FuzzSupport

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
    let caps = MemoryCapStore(maxVisitors: 4)
    for journey in definition.journeys {
        for stage in [nil] + journey.stages.map(\.id) {
            let request = EvaluationRequest(journey: journey.id, stage: stage, persona: definition.personas.first?.id,
                                            visitor: "v", now: now, explain: true)
            _ = try? ruleSet.evaluate(request, caps: caps)
            _ = try? ruleSet.nudges(for: request)
        }
    }
    for file in files where file.isTest {
        let parsed = RuleTests.parse(file, ruleSet: ruleSet, now: now)
        // A case may repeat a request many times; a few are enough to reach the caps.
        for testCase in parsed.cases.prefix(20) where testCase.repeatCount <= 20 {
            _ = RuleTests.run(testCase, on: ruleSet)
        }
    }
    return 0
}
