public import DuwtjeRules
public import Foundation

/// The rule set in the repository's `Rules/`, compiled once per fuzzer process: request and event
/// fuzzers check their inputs against what is really deployed.
public enum ShippedRules {
    /// The fuzzers' fixed clock (2026-11-22 10:00 in Amsterdam), inside the shipped campaigns.
    public static let now = Date(timeIntervalSince1970: 1_795_338_000)

    public static let ruleSet: RuleSet = {
        // Fuzz/Sources/FuzzSupport/ShippedRules.swift → the repository's root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let zone = TimeZone(identifier: "Europe/Amsterdam") ?? .gmt
        let output: RuleSetLoader.Output
        do {
            output = try RuleSetLoader(timeZone: zone).load(directory: root.appendingPathComponent("Rules").path)
        } catch {
            fatalError("fuzz setup: cannot read Rules/: \(error)")
        }
        guard let definition = output.definition else {
            fatalError("fuzz setup: Rules/ does not load: \(output.diagnostics.first.map(String.init(describing:)) ?? "")")
        }
        return RuleSet(definition, timeZone: zone)
    }()
}
