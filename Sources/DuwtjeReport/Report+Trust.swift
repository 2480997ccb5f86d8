/// When a campaign's result can be trusted: the split checked against the weights, and each
/// difference judged after adjusting for the experiment's many comparisons and for daily looking.
extension Report {
    /// The sample-ratio-mismatch check of one experiment (``SampleRatioCheck``) as the report shows it.
    ///
    /// **Small counts.** When a variant's impressions are below the threshold, `statistic` and `p`
    /// are withheld (with the other counts they would give the hidden one back); `mismatch` is
    /// still given, because a broken split must never be hidden.
    public struct SampleRatio: Sendable, Encodable, Equatable {
        /// The variants' weights from the rules, by variant.
        public var weights: [String: Int]
        /// The impressions each variant would have if the split followed the weights.
        public var expected: [String: Double]?
        public var statistic: Double?
        public var degreesOfFreedom: Int
        public var p: Double?
        /// True when p < 0.001: the split is broken.
        public var mismatch: Bool
        /// A plain-language (Dutch) warning when the split is broken.
        public var warning: String?

        enum CodingKeys: String, CodingKey {
            case weights, expected, statistic, degreesOfFreedom = "degrees_of_freedom", p, mismatch, warning
        }

        public static let warningText = """
            De verdeling van de bezoekers over de varianten klopt niet met de gewichten in de regels. Er gaat iets mis \
            bij het toewijzen of tellen (een variant die niet goed laadt, een cache, verloren meldingen). Vertrouw de \
            vergelijking tussen de varianten niet tot dat is opgelost.
            """
    }
}

extension Report.RuleSection {
    /// Checks the split (when the rule set gives the weights) and adjusts the comparisons' anytime-valid
    /// p-values by Holm's method across all of the experiment's comparisons (every non-reference
    /// variant × click and conversion rate). A comparison withheld for small counts still counts in
    /// the family (as p = 1): the family is what the experiment compares, not what happens to be shown.
    mutating func judge(counts: [String: [String: Int]], experiment: Report.Experiment?) {
        if let experiment, experiment.variants.count >= 2, experiment.weights.count == experiment.variants.count {
            let observed = experiment.variants.map { counts[$0]?["impression"] ?? 0 }
            if let check = SampleRatioCheck(observed: observed, weights: experiment.weights.map(Double.init)) {
                let shown = observed.allSatisfy { $0 >= Report.threshold }
                sampleRatio = Report.SampleRatio(
                    weights: Dictionary(uniqueKeysWithValues: zip(experiment.variants, experiment.weights)),
                    expected: shown ? Dictionary(uniqueKeysWithValues: zip(experiment.variants, check.expected)) : nil,
                    statistic: shown ? check.statistic : nil, degreesOfFreedom: check.degreesOfFreedom,
                    p: shown ? check.p : nil, mismatch: check.isMismatch,
                    warning: check.isMismatch ? Report.SampleRatio.warningText : nil)
            }
        }
        guard reference != nil else { return }
        var family: [(variant: Int, click: Bool)] = []
        for index in variants.indices where variants[index].variant != reference {
            family.append((index, true))
            family.append((index, false))
        }
        let adjusted = HolmAdjustment.adjust(family.map { member in
            (member.click ? variants[member.variant].clickComparison : variants[member.variant].conversionComparison)?.pAnytime ?? 1
        })
        let broken = sampleRatio?.mismatch ?? false
        for (member, pAdjusted) in zip(family, adjusted) {
            func update(_ comparison: inout Report.Comparison?) {
                guard comparison?.pAnytime != nil else { return }
                comparison?.pAdjusted = pAdjusted
                comparison?.holds = pAdjusted < 0.05 && !broken
            }
            if member.click { update(&variants[member.variant].clickComparison) } else { update(&variants[member.variant].conversionComparison) }
        }
    }
}
