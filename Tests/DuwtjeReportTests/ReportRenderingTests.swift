import DuwtjeReport
import Foundation
import Testing

@Suite("the campaign report's text and HTML")
struct ReportRenderingTests {
    /// An experiment with a holdout and enough events to compare, and a rule with few events.
    static let report = Report(
        totals: [
            EventTotal(journey: "burgernet", rule: "download", variant: "controle", type: "impression", count: 400),
            EventTotal(journey: "burgernet", rule: "download", variant: "controle", type: "click", count: 40),
            EventTotal(journey: "burgernet", rule: "download", variant: "met", type: "impression", count: 400),
            EventTotal(journey: "burgernet", rule: "download", variant: "met", type: "click", count: 80),
            EventTotal(journey: "burgernet", rule: "klein", variant: "", type: "impression", count: 7),
        ],
        days: ("2026-11-01", "2026-11-28"), journey: nil, from: nil, until: nil,
        experiments: ["download": Report.Experiment(variants: ["controle", "met"], holdout: "controle")])

    @Test("the text names the range, the reference, each variant's rate with its interval, and hides small counts")
    func text() {
        let text = ReportText.render(Self.report)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "Campaign report: 2026-11-01 … 2026-11-28")
        #expect(lines.contains("burgernet / download (reference: controle)"))
        #expect(lines.contains { $0.hasPrefix("controle  400    40     10.0% (7.4%–13.3%)") })
        #expect(lines.contains { $0.hasPrefix("met       400    80     20.0% (16.4%–24.2%)") })
        #expect(lines.contains { $0.hasPrefix("  met vs controle: clicks +10.0 pp") })
        #expect(lines.contains { $0.hasPrefix("-         <10    <10    —") })
    }

    @Test("the text says so when nothing is stored")
    func empty() {
        let text = ReportText.render(Report(totals: [], days: nil, journey: "ov", from: nil, until: nil))
        #expect(text == """
            Campaign report, journey ov: no data
            Rates per impression with 95% Wilson intervals; counts below 10 shown as <10. A difference HOLDS when its
            anytime-valid p, Holm-adjusted across the experiment, is below 0.05 and the split follows the weights.

            No events stored for this selection.

            """)
    }

    @Test("the HTML is one self-contained page: Dutch numbers, escaped small counts, nothing fetched from elsewhere")
    func html() {
        let html = ReportPage(report: Self.report, generatedAt: Date(timeIntervalSince1970: 1_795_000_000)).html
        #expect(html.hasPrefix("<!doctype html>") || html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("download"))
        #expect(html.contains("20,0%"))
        #expect(html.contains("&lt;10"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("src=\"http"))
        #expect(!html.contains("href=\"http"))
        #expect(html.contains("<svg"))
    }
}
