import ArgumentParser
import DuwtjeRules

/// `duwtje check [DIR]`: loads a rule set and reports every error and warning with its place.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load and validate a rule set; print errors and warnings as path:line:col.",
        discussion: "Exits 0 when the rule set has no errors, 1 otherwise."
    )

    @Argument(help: "The folder with the rule files.")
    var directory: String = "Rules"

    @Option(help: "The time zone in which 'active' dates start at midnight.")
    var timezone: String = "Europe/Amsterdam"

    func run() throws {
        let loader = try RuleSetLoader(timeZone: TimeZoneOption.parse(timezone))
        let output: RuleSetLoader.Output
        do {
            output = try loader.load(directory: directory)
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        for diagnostic in output.diagnostics {
            print(diagnostic.formatted(directory: directory))
        }
        let counts = output.counts
        let errors = output.diagnostics.errors.count
        let warnings = output.diagnostics.warnings.count
        print("\(directory): \(plural(output.fileCount, "file")), \(plural(counts.journeys, "journey")), "
            + "\(plural(counts.personas, "persona")), \(plural(counts.content, "content item")), "
            + "\(plural(counts.rules, "rule")): \(plural(errors, "error")), \(plural(warnings, "warning"))"
            + (errors == 0 ? " (\(output.version))" : ""))
        if errors > 0 { throw ExitCode(1) }
    }
}

func plural(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}
