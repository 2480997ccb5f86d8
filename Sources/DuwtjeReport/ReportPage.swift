public import Foundation

/// The report as one self-contained HTML file for marketeers: Dutch labels, a table per rule and,
/// for each experiment, an inline SVG bar chart of click and conversion rates with their 95%
/// intervals as whiskers. No scripts, fonts or images from elsewhere, so it can be mailed as is.
public struct ReportPage {
    public var report: Report
    public var generatedAt: Date

    public init(report: Report, generatedAt: Date) {
        self.report = report
        self.generatedAt = generatedAt
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func percent(_ value: Double) -> String {
        String(format: "%.1f%%", value * 100).replacingOccurrences(of: ".", with: ",")
    }

    static func rate(_ rate: Report.Rate?) -> String {
        guard let rate else { return "<span class=muted>te weinig gegevens</span>" }
        return "\(percent(rate.value)) <span class=muted>(\(percent(rate.low)) – \(percent(rate.high)))</span>"
    }

    static func comparison(_ comparison: Report.Comparison?) -> String {
        guard let comparison else { return "<span class=muted>te weinig gegevens</span>" }
        func points(_ value: Double) -> String {
            String(format: "%+.1f", value * 100).replacingOccurrences(of: ".", with: ",")
        }
        var text = "\(points(comparison.difference)) procentpunt <span class=muted>(\(points(comparison.low)) tot \(points(comparison.high)))</span>"
        if let p = comparison.p, let z = comparison.z {
            let verdict = p < 0.05 ? "<b>verschil is significant</b>" : "geen aantoonbaar verschil"
            text += "<br><span class=muted>z = \(String(format: "%.2f", z)), p = \(String(format: "%.3g", p))</span> – \(verdict)"
        }
        return text
    }

    public var html: String {
        var body = ""
        let formatter = ISO8601DateFormatter()
        let span = report.firstDay.map { "\($0) t/m \(report.lastDay ?? $0)" } ?? "geen gegevens"
        body += "<h1>Campagne-evaluatie\(report.journey.map { ": " + Self.escape($0) } ?? "")</h1>\n"
        body += "<p class=meta>Periode: \(Self.escape(span)) · gemaakt \(formatter.string(from: generatedAt))</p>\n"
        body += """
            <p class=uitleg>Per regel en variant: hoe vaak de inhoud of nudge is <b>getoond</b>, hoe vaak erop is
            <b>geklikt</b> en hoe vaak dat tot een <b>conversie</b> leidde. Percentages zijn per keer getoond, met tussen
            haakjes het 95%-betrouwbaarheidsinterval (Wilson). Aantallen onder de 10 tonen we als &lt;10 en de
            percentages daarvan niet, zodat niemand herkenbaar wordt. Bij een experiment vergelijken we elke variant met
            de controlegroep: het verschil in procentpunten met 95%-interval (Newcombe) en een z-toets.</p>

            """
        if report.rules.isEmpty { body += "<p>Er zijn nog geen gebeurtenissen opgeslagen voor deze selectie.</p>\n" }
        for section in report.rules {
            body += "<section><h2>\(Self.escape(section.rule)) <span class=muted>· \(Self.escape(section.journey))</span></h2>\n"
            if let reference = section.reference {
                body += "<p class=meta>Experiment; vergeleken met <b>\(Self.escape(reference))</b>.</p>\n"
                body += chart(section)
            }
            body += "<table><tr><th>Variant</th><th>Getoond</th><th>Kliks</th><th>Klikratio</th><th>Conversies</th><th>Conversieratio</th><th>Weggeklikt</th>"
            if section.reference != nil { body += "<th>Klikratio t.o.v. controle</th><th>Conversie t.o.v. controle</th>" }
            body += "</tr>\n"
            for variant in section.variants {
                let isReference = section.reference != nil && variant.variant == section.reference
                let marker = isReference && variant.variant != "controle" ? " <span class=muted>(controle)</span>" : ""
                body += "<tr><td>\(Self.escape(variant.variant ?? "–"))\(marker)</td>"
                body += "<td>\(Self.escape(variant.impressions.text))</td><td>\(Self.escape(variant.clicks.text))</td>"
                body += "<td>\(Self.rate(variant.clickRate))</td><td>\(Self.escape(variant.conversions.text))</td>"
                body += "<td>\(Self.rate(variant.conversionRate))</td><td>\(Self.escape(variant.dismissals.text))</td>"
                if section.reference != nil {
                    body += isReference ? "<td>–</td><td>–</td>"
                        : "<td>\(Self.comparison(variant.clickComparison))</td><td>\(Self.comparison(variant.conversionComparison))</td>"
                }
                body += "</tr>\n"
            }
            body += "</table></section>\n"
        }
        return """
            <!doctype html>
            <html lang="nl"><head><meta charset="utf-8"><title>Duwtje – campagne-evaluatie</title>
            <style>
            body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1100px; color: #1b1b1b; padding: 0 1em; }
            h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { font-size: 1.2em; margin: 1.6em 0 .3em; }
            .meta, .muted { color: #666; } .uitleg { background: #f4f6f8; padding: .8em 1em; border-radius: 6px; }
            table { border-collapse: collapse; width: 100%; margin-top: .5em; font-size: .92em; }
            th, td { text-align: left; padding: .35em .6em; border-bottom: 1px solid #ddd; vertical-align: top; }
            th { background: #eef1f4; } svg { display: block; margin: .5em 0; }
            </style></head><body>
            \(body)
            </body></html>

            """
    }

    /// Grouped bars per variant (click rate, conversion rate) with interval whiskers.
    func chart(_ section: Report.RuleSection) -> String {
        let width = 900.0, height = 260.0, left = 60.0, bottom = 40.0, top = 20.0
        let plotHeight = height - bottom - top
        let highs = section.variants.flatMap { [$0.clickRate?.high, $0.conversionRate?.high] }.compactMap { $0 }
        let maximum = max(0.01, (highs.max() ?? 0.01) * 1.1)
        func y(_ value: Double) -> Double { top + plotHeight * (1 - value / maximum) }
        let groupWidth = (width - left - 20) / Double(max(1, section.variants.count))
        let barWidth = min(60, groupWidth * 0.3)
        var svg = "<svg width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"Klik- en conversieratio per variant\">"
        for step in 0...4 {
            let value = maximum * Double(step) / 4
            svg += "<line x1=\"\(left)\" x2=\"\(width - 10)\" y1=\"\(y(value))\" y2=\"\(y(value))\" stroke=\"#e3e3e3\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(y(value) + 4)\" font-size=\"11\" text-anchor=\"end\" fill=\"#666\">\(Self.percent(value))</text>"
        }
        let colours = ["#2b6cb0", "#dd6b20"]
        for (index, variant) in section.variants.enumerated() {
            let centre = left + groupWidth * (Double(index) + 0.5)
            for (offset, rate) in [variant.clickRate, variant.conversionRate].enumerated() {
                let x = centre + (offset == 0 ? -barWidth - 2 : 2)
                guard let rate else {
                    svg += "<text x=\"\(x + barWidth / 2)\" y=\"\(y(0) - 6)\" font-size=\"10\" text-anchor=\"middle\" fill=\"#999\">&lt;10</text>"
                    continue
                }
                svg += "<rect x=\"\(x)\" y=\"\(y(rate.value))\" width=\"\(barWidth)\" height=\"\(y(0) - y(rate.value))\" fill=\"\(colours[offset])\" opacity=\"0.85\"/>"
                let mid = x + barWidth / 2
                svg += "<line x1=\"\(mid)\" x2=\"\(mid)\" y1=\"\(y(rate.low))\" y2=\"\(y(rate.high))\" stroke=\"#111\" stroke-width=\"1.5\"/>"
                for bound in [rate.low, rate.high] {
                    svg += "<line x1=\"\(mid - 6)\" x2=\"\(mid + 6)\" y1=\"\(y(bound))\" y2=\"\(y(bound))\" stroke=\"#111\" stroke-width=\"1.5\"/>"
                }
                svg += "<text x=\"\(mid)\" y=\"\(y(rate.high) - 5)\" font-size=\"11\" text-anchor=\"middle\">\(Self.percent(rate.value))</text>"
            }
            let label = Self.escape(variant.variant ?? "–") + (variant.variant == section.reference && variant.variant != "controle" ? " (controle)" : "")
            svg += "<text x=\"\(centre)\" y=\"\(height - bottom + 18)\" font-size=\"13\" text-anchor=\"middle\">\(label)</text>"
        }
        svg += "<rect x=\"\(width - 250)\" y=\"4\" width=\"12\" height=\"12\" fill=\"\(colours[0])\"/><text x=\"\(width - 233)\" y=\"14\" font-size=\"12\">klikratio</text>"
        svg += "<rect x=\"\(width - 160)\" y=\"4\" width=\"12\" height=\"12\" fill=\"\(colours[1])\"/><text x=\"\(width - 143)\" y=\"14\" font-size=\"12\">conversieratio</text>"
        svg += "<text x=\"\(left)\" y=\"\(height - 4)\" font-size=\"11\" fill=\"#666\">Strepen: 95%-betrouwbaarheidsinterval (Wilson)</text>"
        return svg + "</svg>\n"
    }
}
