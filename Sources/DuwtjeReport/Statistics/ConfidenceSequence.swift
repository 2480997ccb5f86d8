import Foundation

/// An anytime-valid confidence sequence for the difference of two proportions, and its
/// always-valid p-value: a campaign report may be read every day and acted on whenever it looks
/// convincing, and the chance that the sequence ever excludes the true difference stays below α.
/// A fixed-sample interval read daily does not keep that promise: peeking at a 95% interval every
/// day for a month wrongly declares a winner far more often than 5% of the time.
///
/// This is the construction GrowthBook's sequential testing uses (docs.growthbook.io/statistics/sequential,
/// `packages/stats/gbstats` in github.com/growthbook/growthbook): the asymptotic confidence sequence
/// of Waudby-Smith, Ramdas et al., "Time-uniform central limit theory and asymptotic confidence
/// sequences" (arXiv:2103.06476v7), eq. 9 for the half-width, eq. 161 for ρ and eq. 155 for the
/// p-value. With N = n₁ + n₂ the two groups' impressions, σ̂² = p₁(1−p₁)/n₁ + p₂(1−p₂)/n₂ the
/// variance of the estimated difference and s² = σ̂²·N its per-observation analogue:
///
///     ρ = √( (−2 ln α + ln(1 − 2 ln α)) / S )
///     B = √s² · √( 2(Nρ² + 1) · ln(√(Nρ² + 1) / α) / (Nρ)² )
///     p = min(1, √(Nρ² + 1) · exp(−ρ² N d² / (2 σ̂² (Nρ² + 1))) )
///
/// and the sequence is `[d − B, d + B]` for the observed difference `d`. The two are dual: the
/// sequence excludes 0 exactly when p < α. `S`, GrowthBook's "tuning parameter" (default 5,000), is
/// the sample size at which the sequence is narrowest relative to a fixed-sample interval: set it to
/// the number of impressions at which a campaign is usually judged. It must stay fixed while an
/// experiment runs.
public struct ConfidenceSequence: Sendable, Equatable {
    /// GrowthBook's default tuning parameter.
    public static let defaultTuning = 5_000.0

    public var difference: Double
    public var low: Double
    public var high: Double
    /// The always-valid p-value of "no difference".
    public var p: Double

    /// The sequence for `x1/n1 − x2/n2` at level `1 − alpha`; nil without impressions in a group or
    /// when both rates are 0 or both 1 (no variance, nothing to estimate).
    public init?(_ x1: Int, _ n1: Int, _ x2: Int, _ n2: Int, alpha: Double = 0.05, tuning: Double = defaultTuning) {
        guard n1 > 0, n2 > 0, alpha > 0, alpha < 1, tuning > 0 else { return nil }
        let p1 = Double(x1) / Double(n1)
        let p2 = Double(x2) / Double(n2)
        let variance = p1 * (1 - p1) / Double(n1) + p2 * (1 - p2) / Double(n2)
        guard variance > 0 else { return nil }
        let n = Double(n1 + n2)
        let rho = Self.rho(alpha: alpha, tuning: tuning)
        let spread = n * rho * rho + 1
        let half = (variance * n).squareRoot() * (2 * spread * log(spread.squareRoot() / alpha) / ((n * rho) * (n * rho))).squareRoot()
        difference = p1 - p2
        low = difference - half
        high = difference + half
        let exponent = rho * rho * n * difference * difference / (2 * variance * spread)
        p = min(1, spread.squareRoot() * exp(-exponent))
    }

    /// The mixing parameter ρ from the tuning parameter (eq. 161, two-sided).
    public static func rho(alpha: Double, tuning: Double) -> Double {
        let logAlpha = log(alpha)
        return ((-2 * logAlpha + log(1 - 2 * logAlpha)) / tuning).squareRoot()
    }
}
