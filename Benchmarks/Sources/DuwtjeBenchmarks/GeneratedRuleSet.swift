import DuwtjeRules
import Foundation

/// A generated rule set written to a fresh temporary directory, loaded once, and removed again, so
/// that benchmarks measure the real path — files on disk through `RuleSetLoader` — and leave no
/// stray files behind.
struct GeneratedRuleSet {
    let shape: RuleSetShape
    let directory: String
    let summary: RuleSetGenerator.Summary

    init(ruleCount: Int) throws {
        let generator = RuleSetGenerator(ruleCount: ruleCount)
        shape = generator.shape
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("duwtje-bench-\(ruleCount)-\(ProcessInfo.processInfo.processIdentifier)").path
        try? FileManager.default.removeItem(atPath: directory)
        summary = try generator.write(to: directory)
    }

    /// Loads and compiles the set, failing loudly if the generator ever produced an invalid one.
    func load() throws -> (RuleSet, RuleSetLoader.Output) {
        let output = try RuleSetLoader(parsesConcurrently: true).load(directory: directory)
        guard let definition = output.definition else {
            let errors = output.diagnostics.errors
            throw BenchmarkError("generated \(shape.ruleCount)-rule set does not load: \(errors.count) errors, first: "
                + (errors.first.map { $0.formatted(directory: directory) } ?? "?"))
        }
        return (RuleSet(definition, timeZone: RuleSetLoader().timeZone), output)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    var description: String {
        "\(summary.rules) rules, \(shape.journeys.count) journeys, \(shape.processes.count) processes, "
            + "\(summary.content) content items, \(summary.files) files, \(format(Double(summary.bytes) / 1_048_576, 1)) MiB"
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
