import Foundation

/// The report as a plain-text table for the terminal.
public enum ReportText {
    static func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }

    static func rate(_ rate: Report.Rate?) -> String {
        guard let rate else { return "—" }
        return "\(percent(rate.value)) (\(percent(rate.low))–\(percent(rate.high)))"
    }

    static func comparison(_ comparison: Report.Comparison?) -> String {
        guard let comparison else { return "—" }
        var text = String(format: "%+.1f pp (%+.1f … %+.1f)", comparison.difference * 100, comparison.low * 100, comparison.high * 100)
        if let z = comparison.z, let p = comparison.p { text += String(format: ", z = %.2f, p = %.3g", z, p) }
        return text
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    public static func render(_ report: Report) -> String {
        var out = "Campaign report"
        if let journey = report.journey { out += ", journey \(journey)" }
        out += ": \(report.firstDay ?? "no data")\(report.lastDay.map { " … \($0)" } ?? "")\n"
        out += "Rates per impression with 95% Wilson intervals; counts below 10 shown as <10.\n"
        if report.rules.isEmpty { out += "\nNo events stored for this selection.\n" }
        for section in report.rules {
            out += "\n\(section.journey) / \(section.rule)" + (section.reference.map { " (reference: \($0))" } ?? "") + "\n"
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
