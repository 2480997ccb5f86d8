import DuwtjeReport
import Testing

/// The reference of an experiment comes from the rules, whatever the data holds.
@Suite("the report's reference variant")
struct ReportReferenceChoiceTests {
    static func totals(_ rows: [(variant: String, impressions: Int, clicks: Int)]) -> [EventTotal] {
        rows.flatMap { row in
            [EventTotal(journey: "j", rule: "r", variant: row.variant, type: "impression", count: row.impressions),
             EventTotal(journey: "j", rule: "r", variant: row.variant, type: "click", count: row.clicks)]
        }
    }

    @Test("the holdout is the reference even when it is declared last and another variant sorts first")
    func holdoutFromRules() throws {
        let report = Report(totals: Self.totals([("met", 200, 40), ("zonder", 200, 20)]), days: nil, journey: nil, from: nil,
                            until: nil, experiments: ["r": Report.Experiment(variants: ["met", "zonder"], holdout: "zonder")])
        let section = try #require(report.rules.first)
        #expect(section.reference == "zonder" && section.referenceStatus == .ok)
        let met = try #require(section.variants.first { $0.variant == "met" })
        #expect(met.clickComparison.map { abs($0.difference - 0.1) < 1e-12 } == true)
    }

    @Test("a holdout without events yet: nothing is compared, and the report says so instead of comparing b with a")
    func holdoutWithoutData() throws {
        let report = Report(totals: Self.totals([("a", 200, 40), ("b", 200, 20)]), days: nil, journey: nil, from: nil, until: nil,
                            experiments: ["r": Report.Experiment(variants: ["a", "b", "controle"], holdout: "controle")])
        let section = try #require(report.rules.first)
        #expect(section.reference == "controle" && section.referenceStatus == .noData)
        #expect(section.variants.allSatisfy { $0.clickComparison == nil && $0.conversionComparison == nil })
        #expect(ReportText.render(report).contains("The reference controle has no events in this range yet: nothing is compared."))
    }

    @Test("without the rules no variant is guessed to be the reference")
    func rulesUnknown() throws {
        let report = Report(totals: Self.totals([("met", 200, 40), ("zonder", 200, 20)]), days: nil, journey: nil, from: nil,
                            until: nil)
        let section = try #require(report.rules.first)
        #expect(section.reference == nil && section.referenceStatus == .rulesUnknown)
        #expect(section.variants.allSatisfy { $0.clickComparison == nil })
        #expect(ReportText.render(report).contains("the holdout is unknown: nothing is compared"))
    }

    @Test("without a holdout the first variant as declared is the reference, not the first in the data")
    func firstDeclared() throws {
        let report = Report(totals: Self.totals([("a", 200, 40), ("b", 200, 20)]), days: nil, journey: nil, from: nil, until: nil,
                            experiments: ["r": Report.Experiment(variants: ["b", "a"], holdout: nil)])
        #expect(report.rules.first?.reference == "b")
    }
}
