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
        if let low = comparison.sequenceLow, let high = comparison.sequenceHigh, let adjusted = comparison.pAdjusted {
            text += String(format: "; anytime %+.1f … %+.1f, Holm p = %.3g", low * 100, high * 100, adjusted)
        }
        text += comparison.holds ? " HOLDS" : ""
        return text
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    public static func render(_ report: Report) -> String {
        var out = "Campaign report"
        if let journey = report.journey { out += ", journey \(journey)" }
        out += ": \(report.firstDay ?? "no data")\(report.lastDay.map { " … \($0)" } ?? "")\n"
        out += "Rates per impression with 95% Wilson intervals; counts below 10 shown as <10. A difference HOLDS when its\n"
            + "anytime-valid p, Holm-adjusted across the experiment, is below 0.05 and the split follows the weights.\n"
        if report.rules.isEmpty { out += "\nNo events stored for this selection.\n" }
        for section in report.rules {
            out += "\n\(section.journey) / \(section.rule)" + (section.reference.map { " (reference: \($0))" } ?? "") + "\n"
            switch section.referenceStatus {
            case .noData?:
                out += "  The reference \(section.reference ?? "-") has no events in this range yet: nothing is compared.\n"
            case .rulesUnknown?:
                out += "  The rules were not read (pass --config or --rules), so the holdout is unknown: nothing is compared.\n"
            case .ok?, nil:
                break
            }
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
