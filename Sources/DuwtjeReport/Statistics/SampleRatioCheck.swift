/// A sample-ratio-mismatch check: do the impressions of an experiment's variants follow the weights
/// the rules give them? Pearson's chi-square goodness-of-fit test of the observed counts against
/// `total × weight / sum of weights`, with one degree of freedom fewer than there are variants.
///
/// A split that does not follow its weights means something between the assignment and the count
/// is broken (a variant that fails to render, a cache that serves one variant to everyone, events
/// lost for one variant): the visitors in the variants then differ in more than the variant, and no
/// comparison between them can be trusted. The threshold 0.001 (not 0.05) is the one experimentation
/// platforms use (GrowthBook's default): the check runs on every report of every experiment, and a
/// broken split is usually far beyond it, so a strict threshold keeps false alarms rare.
public struct SampleRatioCheck: Sendable, Equatable {
    /// Below this p the split is reported as broken.
    public static let threshold = 0.001

    /// Pearson's X² statistic.
    public var statistic: Double
    public var degreesOfFreedom: Int
    /// P(X² ≥ statistic) under the weights.
    public var p: Double
    /// The impressions each variant would have if the split followed the weights.
    public var expected: [Double]

    /// True when `p` is below ``threshold``: the split is broken.
    public var isMismatch: Bool { p < Self.threshold }

    /// Nil when there is nothing to test: fewer than two variants, no impressions, or a weight that
    /// is not positive.
    public init?(observed: [Int], weights: [Double]) {
        guard observed.count == weights.count, observed.count >= 2, weights.allSatisfy({ $0 > 0 }) else { return nil }
        let total = Double(observed.reduce(0, +))
        guard total > 0 else { return nil }
        let weightSum = weights.reduce(0, +)
        expected = weights.map { total * $0 / weightSum }
        statistic = zip(observed, expected).reduce(0) { sum, pair in
            let difference = Double(pair.0) - pair.1
            return sum + difference * difference / pair.1
        }
        degreesOfFreedom = observed.count - 1
        p = Distribution.chiSquareSurvival(statistic, degreesOfFreedom: degreesOfFreedom)
    }
}
