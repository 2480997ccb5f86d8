public import Foundation
import DuwtjeRules

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

    static func points(_ value: Double) -> String {
        String(format: "%+.1f", value * 100).replacingOccurrences(of: ".", with: ",")
    }

    static func comparison(_ comparison: Report.Comparison?) -> String {
        guard let comparison else { return "<span class=muted>te weinig gegevens</span>" }
        var text = "\(points(comparison.difference)) procentpunt <span class=muted>(\(points(comparison.low)) tot \(points(comparison.high)))</span>"
        if let low = comparison.sequenceLow, let high = comparison.sequenceHigh {
            text += "<br><span class=muted>altijd geldig: \(points(low)) tot \(points(high))"
            if let adjusted = comparison.pAdjusted {
                text += ", p = \(String(format: "%.2g", adjusted).replacingOccurrences(of: ".", with: ",")) (gecorrigeerd)"
            }
            text += "</span>"
        }
        text += comparison.holds ? "<br><b class=holds>houdt stand</b>" : "<br><span class=muted>houdt (nog) geen stand</span>"
        return text
    }

    /// The experiment's conclusion in plain Dutch: a broken split first, then every difference that holds.
    static func conclusion(_ section: Report.RuleSection) -> String {
        var html = ""
        if let ratio = section.sampleRatio, ratio.mismatch {
            html += "<div class=alarm><b>Let op: de verdeling klopt niet.</b> \(escape(ratio.warning ?? ""))"
            if let p = ratio.p {
                html += " <span class=muted>(chikwadraattoets, p = \(String(format: "%.2g", p).replacingOccurrences(of: ".", with: ",")))</span>"
            }
            html += "<br><b>Wat kunnen we concluderen?</b> Niets, zolang de verdeling niet klopt.</div>\n"
            return html
        }
        var held: [String] = []
        for variant in section.variants where variant.variant != section.reference {
            for (name, comparison) in [("klikratio", variant.clickComparison), ("conversieratio", variant.conversionComparison)] {
                guard let comparison, comparison.holds, let low = comparison.sequenceLow, let high = comparison.sequenceHigh else { continue }
                let direction = comparison.difference > 0 ? "hoger" : "lager"
                held.append("Variant <b>\(escape(variant.variant ?? "–"))</b>: de \(name) is \(points(abs(comparison.difference)).dropFirst()) procentpunt "
                    + "\(direction) dan bij \(escape(section.reference ?? "de controlegroep")) (met zekerheid tussen \(points(low)) en \(points(high))).")
            }
        }
        html += "<div class=conclusie><b>Wat kunnen we concluderen?</b> "
        if held.isEmpty {
            html += "Nog geen verschil houdt stand. U mag dit verslag elke dag bekijken: een verschil dat hier later wel standhoudt, is dan nog steeds betrouwbaar.</div>\n"
        } else {
            html += "Deze verschillen houden stand, ook als u het verslag elke dag bekijkt en alle varianten en ratio's tegelijk vergelijkt:<ul>"
                + held.map { "<li>\($0)</li>" }.joined() + "</ul></div>\n"
        }
        return html
    }

    public var html: String {
        var body = ""
        let span = report.firstDay.map { "\($0) t/m \(report.lastDay ?? $0)" } ?? "geen gegevens"
        body += "<h1>Campagne-evaluatie\(report.journey.map { ": " + Self.escape($0) } ?? "")</h1>\n"
        body += "<p class=meta>Periode: \(Self.escape(span)) · gemaakt \(TimeFormatting.rfc3339(generatedAt))</p>\n"
        body += """
            <p class=uitleg>Per regel en variant: hoe vaak de inhoud of nudge is <b>getoond</b>, hoe vaak erop is
            <b>geklikt</b> en hoe vaak dat tot een <b>conversie</b> leidde. Percentages zijn per keer getoond, met tussen
            haakjes het 95%-betrouwbaarheidsinterval (Wilson). Aantallen onder de 10 tonen we als &lt;10 en de
            percentages daarvan niet, zodat niemand herkenbaar wordt. Bij een experiment vergelijken we elke variant met
            de controlegroep: het verschil in procentpunten met 95%-interval (Newcombe). Omdat u dit verslag vaak bekijkt en
            veel verschillen tegelijk vergelijkt, zou toeval soms een "winnaar" aanwijzen. Daarom staat eronder een interval
            dat altijd geldig blijft, hoe vaak u ook kijkt (een betrouwbaarheidsreeks, zoals GrowthBook die gebruikt), met een
            p-waarde die gecorrigeerd is voor alle vergelijkingen van het experiment (Holm). Alleen een verschil dat
            <b>standhoudt</b> telt. We controleren ook of de bezoekers verdeeld zijn zoals de regels zeggen: zo niet, dan is
            er iets mis en geldt geen enkel verschil.</p>

            """
        if report.rules.isEmpty { body += "<p>Er zijn nog geen gebeurtenissen opgeslagen voor deze selectie.</p>\n" }
        for section in report.rules {
            body += "<section><h2>\(Self.escape(section.rule)) <span class=muted>· \(Self.escape(section.journey))</span></h2>\n"
            if section.referenceStatus == .noData, let reference = section.reference {
                body += "<p class=meta>Experiment; de controlegroep <b>\(Self.escape(reference))</b> heeft in deze periode nog geen "
                    + "gegevens, dus er wordt (nog) niets vergeleken.</p>\n"
            } else if section.referenceStatus == .rulesUnknown {
                body += "<p class=meta>Experiment; de regels zijn niet gelezen, dus de controlegroep is onbekend en er wordt niets "
                    + "vergeleken.</p>\n"
            }
            if let reference = section.reference, section.referenceStatus == .ok {
                body += "<p class=meta>Experiment; vergeleken met <b>\(Self.escape(reference))</b>.</p>\n"
                body += Self.conclusion(section)
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
            .alarm { background: #fdecea; border-left: 5px solid #c0392b; padding: .7em 1em; margin: .6em 0; border-radius: 4px; }
            .conclusie { background: #eef6ee; border-left: 5px solid #2f7d32; padding: .7em 1em; margin: .6em 0; border-radius: 4px; }
            .conclusie ul { margin: .3em 0 0; } .holds { color: #2f7d32; }
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
