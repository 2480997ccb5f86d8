import ArgumentParser
import DuwtjeRules
import DuwtjeServer
import Foundation
import DuwtjeStore
import DuwtjeReport
import DuwtjeWire
import Logging

/// `duwtje report`: the campaign report, read straight from the store file (the daemon need not run).
///
/// Reads on a read-only connection, so it can run beside a live daemon without holding up its writes.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Campaign evaluation per rule and variant, with 95% intervals and tests against the holdout.",
        discussion: """
            Reads the store the configuration names: the SQLite file of store.path (or --store), or the PostgreSQL \
            database of store.url with store.engine: postgresql. Counts below 10 are \
            shown as <10; a rate or comparison that would reveal such a count is withheld. Without --json or \
            --html, prints a table.
            """
    )

    @Option(help: "The configuration file (default: Config/duwtje.yaml when it exists).")
    var config: String?

    @Option(help: "The store file (overrides the configuration's store.path).")
    var store: String?

    @Option(help: "The rule directory that names each experiment's holdout (overrides the configuration's rules).")
    var rules: String?

    @Option(help: "Only this journey.")
    var journey: String?

    @Option(help: "The first day, yyyy-MM-dd (inclusive).")
    var from: String?

    @Option(help: "The last day, yyyy-MM-dd (inclusive).")
    var until: String?

    @Option(help: "Also write a self-contained HTML report (with charts) to this file.")
    var html: String?

    @Flag(help: "Print the report as JSON (the shape of GET /v1/report).")
    var json = false

    func validate() throws {
        for (name, value) in [("from", from), ("until", until)] {
            if let value, !ReportQuery.isDay(value) { throw ValidationError("--\(name) must be a day as yyyy-MM-dd, not '\(value)'") }
        }
        if let problem = ReportQuery.rangeProblem(from: from, until: until) {
            throw ValidationError(problem.replacingOccurrences(of: "'from'", with: "--from").replacingOccurrences(of: "'until'", with: "--until"))
        }
    }

    func run() async throws {
        let options = DaemonOptions(configFile: config, rules: rules)
        let configuration: DaemonConfiguration
        do {
            configuration = try options.loadConfiguration()
        } catch {
            printError("duwtje: \(error.description)")
            throw ExitCode(1)
        }
        let path = store.map { DaemonConfiguration.resolve($0, against: options.workingDirectory) } ?? configuration.store.path
        // The rule set, when it loads, orders variants and names holdouts; the report works without it.
        // The rules name each experiment's holdout; without them nothing is compared (the report says so).
        let experiments = (try? ServingSnapshot.load(configuration)).map { Report.Experiment.all(in: $0.ruleSet) } ?? [:]
        let report: Report
        do {
            let totals: StoreTotals
            if configuration.store.engine == .postgresql && store == nil {
                totals = try await PostgresStore.totals(try Daemon.postgresSettings(configuration).location, journey: journey,
                                                        from: from, until: until, logger: Logger(label: "duwtje.report"))
            } else {
                let (sums, days) = try EventStore.totals(path: path, journey: journey, from: from, until: until)
                totals = StoreTotals(totals: sums, days: days)
            }
            report = Report(totals: totals.totals, days: totals.days, journey: journey, from: from, until: until,
                            experiments: experiments)
        } catch {
            printError("duwtje: \(error.description)")
            throw ExitCode(1)
        }
        if let html {
            do {
                try ReportPage(report: report, generatedAt: Date()).html.write(toFile: html, atomically: true, encoding: .utf8)
            } catch {
                printError("duwtje: cannot write \(html): \(error.localizedDescription)")
                throw ExitCode(1)
            }
        }
        if json {
            let data = (try? WireJSON.encoder(pretty: true).encode(report)) ?? Data()
            print(String(decoding: data, as: UTF8.self))
        } else if html == nil {
            print(ReportText.render(report), terminator: "")
        }
    }
}
