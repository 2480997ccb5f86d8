public import DuwtjeRules
import Foundation

/// The campaign report: per rule and variant, what was shown and what came of it, with 95%
/// intervals, and for experiments each variant against the holdout.
///
/// **Small counts.** A count below ``Report/threshold`` (10) is shown as `"<10"`, because a small
/// group could identify people. A rate is shown only when both its counts are shown (a rate and an
/// impression count would give the hidden count back), and a comparison only when all four of its
/// counts are shown. Then the rate or comparison is `null` and `suppressed` is true.
public struct Report: Sendable, Encodable {
    /// Counts below this are not shown.
    public static let threshold = 10
    /// The 97.5% point of the standard normal distribution: 95% two-sided intervals.
    public static let z95 = 1.959963984540054

    public var journey: String?
    public var from: String?
    public var until: String?
    /// The first and last day with counts in the range.
    public var firstDay: String?
    public var lastDay: String?
    public var rules: [RuleSection]

    /// Every key of the report's JSON is snake_case, like the rest of the API.
    enum CodingKeys: String, CodingKey {
        case journey, from, until, firstDay = "first_day", lastDay = "last_day", rules
    }

    /// A count as shown: the number, or `"<10"`.
    public struct Count: Sendable, Encodable, Equatable {
        public var value: Int

        public var isShown: Bool { value >= Report.threshold }
        public var text: String { isShown ? String(value) : "<\(Report.threshold)" }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            if isShown { try container.encode(value) } else { try container.encode(text) }
        }
    }

    /// A proportion with its 95% Wilson score interval.
    public struct Rate: Sendable, Encodable, Equatable {
        public var value: Double
        public var low: Double
        public var high: Double
    }

    /// One variant against the reference: the difference of proportions (variant − reference) with
    /// its 95% Newcombe hybrid score interval (method 10, built from the two Wilson intervals), and
    /// the pooled two-proportion z-test with its two-sided p — figures for one look at a fixed
    /// moment. Beside them the figures that survive looking every day and comparing many things at
    /// once: the 95% anytime-valid confidence sequence of the difference and its always-valid p
    /// (``ConfidenceSequence``), that p adjusted by Holm's method across the experiment's comparisons
    /// (``HolmAdjustment``), and whether the difference holds.
    public struct Comparison: Sendable, Encodable, Equatable {
        public var difference: Double
        public var low: Double
        public var high: Double
        public var z: Double?
        public var p: Double?
        /// The anytime-valid 95% confidence sequence of the difference.
        public var sequenceLow: Double?
        public var sequenceHigh: Double?
        /// The always-valid p-value of "no difference" (the sequence's dual).
        public var pAnytime: Double?
        /// `pAnytime` adjusted by Holm's method across the experiment's comparisons (variants × rates).
        public var pAdjusted: Double?
        /// The difference holds: `pAdjusted` is below 0.05 and the split is not broken (sample ratio).
        public var holds = false

        enum CodingKeys: String, CodingKey {
            case difference, low, high, z, p, sequenceLow = "sequence_low", sequenceHigh = "sequence_high",
                 pAnytime = "p_anytime", pAdjusted = "p_adjusted", holds
        }

        public init(difference: Double, low: Double, high: Double, z: Double?, p: Double?) {
            self.difference = difference
            self.low = low
            self.high = high
            self.z = z
            self.p = p
        }
    }

    public struct Variant: Sendable, Encodable {
        /// The variant id; nil for a rule without variants.
        @Nullable public var variant: String?
        public var impressions: Count
        public var clicks: Count
        public var conversions: Count
        public var dismissals: Count
        @Nullable public var clickRate: Rate?
        @Nullable public var conversionRate: Rate?
        /// Against the reference variant; nil for the reference itself and for rules without variants.
        @Nullable public var clickComparison: Comparison?
        @Nullable public var conversionComparison: Comparison?
        /// True when a rate or comparison is withheld because a count is below the threshold.
        public var suppressed: Bool

        enum CodingKeys: String, CodingKey {
            case variant, impressions, clicks, conversions, dismissals, clickRate = "click_rate",
                 conversionRate = "conversion_rate", clickComparison = "click_vs_reference",
                 conversionComparison = "conversion_vs_reference", suppressed
        }
    }

    public struct RuleSection: Sendable, Encodable {
        public var journey: String
        public var rule: String
        /// The variant the others are compared with, from the rules: the holdout, else the first
        /// variant as declared. Never chosen from the data.
        public var reference: String?
        /// Whether the comparisons could be made: nil for a rule without variants.
        public var referenceStatus: ReferenceStatus?
        public var variants: [Variant]
        /// The split against the variants' weights; nil for rules without variants, or when the
        /// weights are unknown (no rule set).
        public var sampleRatio: SampleRatio?

        public var isExperiment: Bool { variants.count > 1 || reference != nil }

        enum CodingKeys: String, CodingKey {
            case journey, rule, reference, referenceStatus = "reference_status", variants, sampleRatio = "sample_ratio"
        }
    }

    /// Why an experiment's variants are, or are not, compared with its reference.
    public enum ReferenceStatus: String, Sendable, Encodable {
        /// The reference has events; every other variant is compared with it.
        case ok
        /// The reference (the rules' holdout) has no events in the range yet: nothing is compared,
        /// rather than comparing against another variant.
        case noData = "no-data"
        /// The rules were not read, so the holdout is unknown: nothing is compared.
        case rulesUnknown = "rules-unknown"
    }

    /// How a rule's variants are ordered and which is the holdout, from the rule set when known.
    public struct Experiment: Sendable {
        public var variants: [String]
        public var holdout: String?
        /// The variants' weights, in the order of `variants`; empty when unknown (no split check then).
        public var weights: [Int]

        public init(variants: [String], holdout: String?, weights: [Int]) {
            self.variants = variants
            self.holdout = holdout
            self.weights = weights
        }

        public init(variants: [String], holdout: String?) {
            self.init(variants: variants, holdout: holdout, weights: [])
        }

        /// The experiments of `ruleSet`: a holdout is a variant that removes the nudge
        /// (`nudge: null`) or is named `controle`, `control` or `holdout` (``RuleDefinition/holdout``).
        public static func all(in ruleSet: RuleSet) -> [String: Experiment] {
            var result: [String: Experiment] = [:]
            for rule in ruleSet.definition.rules where !rule.variants.isEmpty {
                result[rule.id] = Experiment(variants: rule.variants.map(\.id), holdout: rule.holdout?.id,
                                             weights: rule.variants.map(\.weight))
            }
            return result
        }
    }

    static let holdoutNames = RuleDefinition.holdoutNames

    /// Builds the report from the store's totals. `experiments` (from the rule set) orders variants
    /// and names each experiment's reference: its holdout, else its first variant as declared. A
    /// rule with variants missing from `experiments` (the rules were not read) gets no reference and
    /// no comparisons (``ReferenceStatus/rulesUnknown``), and its variants are in alphabetical order.
    public init(totals: [EventTotal], days: (first: String, last: String)?, journey: String?, from: String?, until: String?,
                experiments: [String: Experiment] = [:]) {
        self.journey = journey
        self.from = from
        self.until = until
        firstDay = days?.first
        lastDay = days?.last
        var grouped: [String: [String: [String: Int]]] = [:]
        var journeys: [String: String] = [:]
        for total in totals {
            let ruleKey = total.journey + "\u{0}" + total.rule
            journeys[ruleKey] = total.journey
            grouped[ruleKey, default: [:]][total.variant, default: [:]][total.type, default: 0] += total.count
        }
        rules = grouped.keys.sorted().map { ruleKey in
            let journey = journeys[ruleKey] ?? ""
            let rule = String(ruleKey.dropFirst(journey.count + 1))
            let byVariant = grouped[ruleKey] ?? [:]
            let known = experiments[rule]
            var order = (known?.variants ?? []).filter { byVariant[$0] != nil }
            order += byVariant.keys.filter { !order.contains($0) }.sorted()
            let hasVariants = order.contains { !$0.isEmpty }
            var reference: String?
            var status: ReferenceStatus?
            if hasVariants {
                if let known {
                    reference = known.holdout ?? known.variants.first
                    status = reference.flatMap { byVariant[$0] } == nil ? .noData : .ok
                } else {
                    status = .rulesUnknown
                }
            }
            let referenceCounts = reference.flatMap { byVariant[$0] }
            let variants = order.map { id -> Variant in
                let counts = byVariant[id] ?? [:]
                let isReference = id == reference
                return Self.variant(id.isEmpty ? nil : id, counts, against: isReference ? nil : referenceCounts)
            }
            var section = RuleSection(journey: journey, rule: rule, reference: reference, referenceStatus: status, variants: variants)
            section.judge(counts: byVariant, experiment: known)
            return section
        }
    }

    static func variant(_ id: String?, _ counts: [String: Int], against reference: [String: Int]?) -> Variant {
        let impressions = Count(value: counts["impression"] ?? 0)
        let clicks = Count(value: counts["click"] ?? 0)
        let conversions = Count(value: counts["conversion"] ?? 0)
        var result = Variant(variant: id, impressions: impressions, clicks: clicks, conversions: conversions,
                             dismissals: Count(value: counts["dismiss"] ?? 0), suppressed: false)
        func rate(_ successes: Count) -> Rate? {
            guard successes.isShown, impressions.isShown else {
                result.suppressed = true
                return nil
            }
            return Statistics.wilson(successes.value, impressions.value)
        }
        result.clickRate = rate(clicks)
        result.conversionRate = rate(conversions)
        if let reference {
            func compare(_ type: String) -> Comparison? {
                let values = [counts[type] ?? 0, counts["impression"] ?? 0, reference[type] ?? 0, reference["impression"] ?? 0]
                guard values.allSatisfy({ $0 >= threshold }) else {
                    result.suppressed = true
                    return nil
                }
                var comparison = Statistics.compare(values[0], values[1], values[2], values[3])
                if let sequence = ConfidenceSequence(values[0], values[1], values[2], values[3]) {
                    comparison?.sequenceLow = sequence.low
                    comparison?.sequenceHigh = sequence.high
                    comparison?.pAnytime = sequence.p
                }
                return comparison
            }
            result.clickComparison = compare("click")
            result.conversionComparison = compare("conversion")
        }
        return result
    }
}

/// The statistics of the report, as plain functions so they can be checked against hand-computed values.
public enum Statistics {
    /// The Wilson score interval for `successes` out of `trials` at 95%.
    public static func wilson(_ successes: Int, _ trials: Int, z: Double = Report.z95) -> Report.Rate? {
        guard trials > 0 else { return nil }
        let n = Double(trials)
        let p = Double(successes) / n
        let z2 = z * z
        let denominator = 1 + z2 / n
        let centre = (p + z2 / (2 * n)) / denominator
        let half = z / denominator * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        return Report.Rate(value: p, low: max(0, centre - half), high: min(1, centre + half))
    }

    /// `x1/n1 − x2/n2` with Newcombe's hybrid score interval and the pooled two-proportion z-test.
    public static func compare(_ x1: Int, _ n1: Int, _ x2: Int, _ n2: Int) -> Report.Comparison? {
        guard let first = wilson(x1, n1), let second = wilson(x2, n2) else { return nil }
        let difference = first.value - second.value
        let low = difference - ((first.value - first.low) * (first.value - first.low)
            + (second.high - second.value) * (second.high - second.value)).squareRoot()
        let high = difference + ((first.high - first.value) * (first.high - first.value)
            + (second.value - second.low) * (second.value - second.low)).squareRoot()
        let pooled = Double(x1 + x2) / Double(n1 + n2)
        let standardError = (pooled * (1 - pooled) * (1 / Double(n1) + 1 / Double(n2))).squareRoot()
        var z: Double?
        var p: Double?
        if standardError > 0 {
            let statistic = difference / standardError
            z = statistic
            p = erfc(abs(statistic) / 2.0.squareRoot())
        }
        return Report.Comparison(difference: difference, low: low, high: high, z: z, p: p)
    }
}
