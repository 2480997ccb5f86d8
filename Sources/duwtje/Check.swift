import ArgumentParser
import DuwtjeRules
import DuwtjeServer

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

    @Argument(help: "The folder with the rule files.")
    var directory: String = "Rules"

    @Option(help: "The time zone in which 'active' dates start at midnight.")
    var timezone: String = "Europe/Amsterdam"

    @Option(help: "A daemon configuration file whose store.retention the cap windows are checked against (default 400d).")
    var config: String?

    @Flag(help: "Make the ethics checks errors (for CI).")
    var strict = false

    func run() throws {
        var retention = RuleSetLoader.defaultRetention
        if let config {
            do {
                let configuration = try DaemonOptions(configFile: config).loadConfiguration()
                retention = Int64(configuration.store.retentionDays) * 86_400
            } catch {
                printError("duwtje: \(error.description)")
                throw ExitCode(1)
            }
        }
        let loader = try RuleSetLoader(timeZone: TimeZoneOption.parse(timezone), retention: retention)
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
