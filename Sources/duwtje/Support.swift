import ArgumentParser
import Foundation

/// Writes one line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

enum TimeZoneOption {
    static func parse(_ identifier: String) throws -> TimeZone {
        guard let zone = TimeZone(identifier: identifier) else {
            throw ValidationError("unknown time zone '\(identifier)' (use an IANA name such as Europe/Amsterdam)")
        }
        return zone
    }
}

import DuwtjeRules

/// Options shared by the commands that load a rule set.
struct RuleSetOptions: ParsableArguments {
    @Argument(help: "The folder with the rule files.")
    var directory: String = "Rules"

    @Option(help: "The time zone in which 'active' dates start at midnight.")
    var timezone: String = "Europe/Amsterdam"

    /// Loads and compiles the rule set, with its test files; on errors prints them (path:line:col)
    /// and exits 1.
    func load() throws -> (ruleSet: RuleSet, testFiles: [RuleFile]) {
        try Self.load(directory: directory, timezone: timezone)
    }

    static func load(directory: String, timezone: String) throws -> (ruleSet: RuleSet, testFiles: [RuleFile]) {
        let (definition, zone, testFiles) = try loadDefinition(directory: directory, timezone: timezone)
        return (RuleSet(definition, timeZone: zone), testFiles)
    }

    /// The checked definition, not compiled (`duwtje matrix` compiles it a journey at a time); on
    /// errors prints them and exits 1.
    /// `warnings` false: the load does not look for warnings the command would not show.
    func loadDefinition(warnings: Bool = true) throws -> (definition: RuleSetDefinition, timeZone: TimeZone) {
        let (definition, zone, _) = try Self.loadDefinition(directory: directory, timezone: timezone, warnings: warnings)
        return (definition, zone)
    }

    /// The rule files are handed over to the loader, which lets each file's bytes go once it is parsed:
    /// at 100,000 rules they are 52 MB the definition does not need (`duwtje matrix` within 256 MB).
    static func loadDefinition(directory: String, timezone: String, warnings: Bool = true) throws
        -> (definition: RuleSetDefinition, timeZone: TimeZone, testFiles: [RuleFile]) {
        let zone = try TimeZoneOption.parse(timezone)
        var files: [RuleFile]
        do {
            files = try RuleDirectory.read(directory)
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        let testFiles = files.filter(\.isTest)
        var loader = RuleSetLoader(timeZone: zone)
        loader.warnings = warnings
        let output = loader.load(files: consume files)
        guard let definition = output.definition else {
            for diagnostic in output.diagnostics.errors { printError(diagnostic.formatted(directory: directory)) }
            printError("error: \(directory) has \(plural(output.diagnostics.errors.count, "error")); run `duwtje check \(directory)`")
            throw ExitCode(1)
        }
        return (definition, zone, testFiles)
    }
}

import DuwtjeServer

/// `--config FILE`: the daemon configuration whose `store.retention` a rule-set command states or checks
/// against. Without it the default (400 days): a command on a rule folder does not depend on the
/// directory it runs in.
struct RetentionOptions: ParsableArguments {
    @Option(help: "A daemon configuration file whose store.retention applies (default 400d).")
    var config: String?

    func retentionDays() throws -> Int {
        guard let config else { return Int(RuleSetLoader.defaultRetention / 86_400) }
        do {
            return try DaemonOptions(configFile: config).loadConfiguration().store.retentionDays
        } catch {
            printError("duwtje: \(error.description)")
            throw ExitCode(1)
        }
    }
}
