import ArgumentParser
import DuwtjeRules

/// `duwtje check [DIR]`: loads a rule set and reports every error and warning with its place.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load and validate a rule set; print errors and warnings as path:line:col.",
        discussion: """
            Exits 0 when the rule set has no errors, 1 otherwise. The ethics checks (nudges without a cap or \
            an alternative, vulnerable personas, norms without a source, experiments without a holdout, cap \
            windows beyond the store's retention, a set without a register entry) are warnings; with --strict \
            they are errors. The retention is read from --config when given, else the default 400d.
            """
    )

    @OptionGroup var rules: RuleSetOptions
    @OptionGroup var store: RetentionOptions

    @Flag(help: "Make the ethics checks errors (for CI).")
    var strict = false

    func run() throws {
        let directory = rules.directory
        let retention = Int64(try store.retentionDays()) * 86_400
        let loader = try RuleSetLoader(timeZone: TimeZoneOption.parse(rules.timezone), retention: retention)
        let output: RuleSetLoader.Output
        do {
            output = try loader.load(directory: directory)
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        let diagnostics = strict ? output.diagnostics.map(\.strict) : output.diagnostics
        for diagnostic in diagnostics {
            print(diagnostic.formatted(directory: directory))
        }
        let counts = output.counts
        let errors = diagnostics.errors.count
        let warnings = diagnostics.warnings.count
        print("\(directory): \(plural(output.fileCount, "file")), \(plural(counts.journeys, "journey")), "
            + "\(plural(counts.personas, "persona")), \(plural(counts.content, "content item")), "
            + "\(plural(counts.rules, "rule")): \(plural(errors, "error")), \(plural(warnings, "warning"))"
            + (errors == 0 ? " (\(output.version))" : ""))
        if errors > 0 { throw ExitCode(1) }
    }
}

extension Diagnostic {
    /// An ethics warning made an error; every other finding as it is.
    var strict: Diagnostic {
        guard check != nil, severity == .warning else { return self }
        var copy = self
        copy.severity = .error
        copy.message += " [\(check ?? "")]"
        return copy
    }
}

func plural(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}
