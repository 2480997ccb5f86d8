import ArgumentParser
import DuwtjeRules
import DuwtjeServer
import Foundation

/// `duwtje report`: the campaign report, read straight from the store file (the daemon need not run).
///
/// Reads on a read-only connection, so it can run beside a live daemon without holding up its writes.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Campaign evaluation per rule and variant, with 95% intervals and tests against the holdout.",
        discussion: """
            Reads the event store named by the configuration's store.path (or --store). Counts below 10 are \
            shown as <10; a rate or comparison that would reveal such a count is withheld. Without --json or \
            --html, prints a table.
            """
    )

    @Option(help: "The configuration file (default: Config/duwtje.yaml when it exists).")
    var config: String?

    @Option(help: "The store file (overrides the configuration's store.path).")
    var store: String?

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
    }

    func run() throws {
        let options = DaemonOptions(configFile: config)
        let configuration: DaemonConfiguration
        do {
            configuration = try options.loadConfiguration()
        } catch {
            printError("duwtje: \(error.description)")
            throw ExitCode(1)
        }
        let path = store.map { DaemonConfiguration.resolve($0, against: options.workingDirectory) } ?? configuration.store.path
        // The rule set, when it loads, orders variants and names holdouts; the report works without it.
        let experiments = (try? ServingSnapshot.load(configuration)).map { Report.Experiment.all(in: $0.ruleSet) } ?? [:]
        let report: Report
        do {
            let (totals, days) = try EventStore.totals(path: path, journey: journey, from: from, until: until)
            report = Report(totals: totals, days: days, journey: journey, from: from, until: until, experiments: experiments)
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
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = (try? encoder.encode(report)) ?? Data()
            print(String(decoding: data, as: UTF8.self))
        } else if html == nil {
            print(ReportText.render(report), terminator: "")
        }
    }
}

/// The report as a plain-text table for the terminal.
enum ReportText {
    static func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }

    static func rate(_ rate: Report.Rate?) -> String {
        guard let rate else { return "—" }
        return "\(percent(rate.value)) (\(percent(rate.low))–\(percent(rate.high)))"
    }

    static func comparison(_ comparison: Report.Comparison?) -> String {
        guard let comparison else { return "—" }
        var text = String(format: "%+.1f pp (%+.1f … %+.1f)", comparison.difference * 100, comparison.low * 100, comparison.high * 100)
        if let z = comparison.z, let p = comparison.p { text += String(format: ", z = %.2f, p = %.3g", z, p) }
        if let low = comparison.sequenceLow, let high = comparison.sequenceHigh, let adjusted = comparison.pAdjusted {
            text += String(format: "; anytime %+.1f … %+.1f, Holm p = %.3g", low * 100, high * 100, adjusted)
        }
        text += comparison.holds ? " HOLDS" : ""
        return text
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    static func render(_ report: Report) -> String {
        var out = "Campaign report"
        if let journey = report.journey { out += ", journey \(journey)" }
        out += ": \(report.firstDay ?? "no data")\(report.lastDay.map { " … \($0)" } ?? "")\n"
        out += "Rates per impression with 95% Wilson intervals; counts below 10 shown as <10. A difference HOLDS when its\n"
            + "anytime-valid p, Holm-adjusted across the experiment, is below 0.05 and the split follows the weights.\n"
        if report.rules.isEmpty { out += "\nNo events stored for this selection.\n" }
        for section in report.rules {
            out += "\n\(section.journey) / \(section.rule)" + (section.reference.map { " (reference: \($0))" } ?? "") + "\n"
            if let ratio = section.sampleRatio {
                let figures = ratio.p.map { String(format: "chi-square p = %.3g", $0) } ?? "figures withheld (small counts)"
                out += ratio.mismatch ? "  SPLIT BROKEN (\(figures)): the impressions do not follow the weights; trust no comparison of this experiment\n"
                    : "  split follows the weights (\(figures))\n"
            }
            out += pad("variant", 10) + pad("shown", 7) + pad("clicks", 7) + pad("click rate", 22) + pad("conv.", 7)
                + pad("conversion rate", 22) + "dismissed\n"
            for variant in section.variants {
                out += pad(variant.variant ?? "-", 10) + pad(variant.impressions.text, 7) + pad(variant.clicks.text, 7)
                    + pad(rate(variant.clickRate), 22) + pad(variant.conversions.text, 7) + pad(rate(variant.conversionRate), 22)
                    + variant.dismissals.text + "\n"
            }
            for variant in section.variants where variant.variant != section.reference && section.reference != nil {
                out += "  \(variant.variant ?? "-") vs \(section.reference ?? "-"): clicks \(comparison(variant.clickComparison)); "
                    + "conversions \(comparison(variant.conversionComparison))\n"
            }
        }
        return out
    }
}
