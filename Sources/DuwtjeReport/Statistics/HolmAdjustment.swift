/// Holm's step-down adjustment of a family of p-values (Holm 1979).
///
/// An experiment with a holdout and two variants, judged on click and conversion rate, makes four
/// comparisons; at 5% each, the chance that at least one looks significant by luck alone is up to
/// 19%. Holm's method keeps that family-wise error rate at 5% and is uniformly more powerful than
/// Bonferroni, without assuming anything about how the comparisons depend on each other (they share
/// the reference group, so they are not independent).
///
/// Sorted ascending, the i-th smallest of m p-values (1-based) becomes `(m − i + 1) × p`, made
/// non-decreasing along the order and capped at 1. A difference holds at level α when its
/// adjusted p is below α.
public enum HolmAdjustment {
    /// The adjusted p-values, in the order given.
    public static func adjust(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] || (pValues[$0] == pValues[$1] && $0 < $1) }
        var adjusted = [Double](repeating: 1, count: m)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * pValues[index]))
            adjusted[index] = running
        }
        return adjusted
    }
}
