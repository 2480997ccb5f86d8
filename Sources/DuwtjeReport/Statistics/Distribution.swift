import Foundation

/// The tail probabilities the report's tests need, written out so the report depends on no numerics
/// library: the standard normal (through `erfc`) and the chi-square distribution (through the
/// regularized upper incomplete gamma function).
public enum Distribution {
    /// Two-sided p of a standard normal statistic: P(|Z| ≥ |z|).
    public static func normalTwoSided(_ z: Double) -> Double {
        erfc(abs(z) / 2.0.squareRoot())
    }

    /// P(X ≥ x) for X chi-square distributed with `degreesOfFreedom` degrees of freedom.
    public static func chiSquareSurvival(_ x: Double, degreesOfFreedom: Int) -> Double {
        guard degreesOfFreedom > 0 else { return .nan }
        guard x > 0 else { return 1 }
        return regularizedUpperGamma(Double(degreesOfFreedom) / 2, x / 2)
    }

    /// Q(a, x) = Γ(a, x) / Γ(a): below `x = a + 1` by the series of P(a, x) (which converges fast
    /// there), above it by the continued fraction of Q(a, x) in Lentz's form (which converges fast
    /// there and keeps full relative precision in the far tail, where a p-value like 1e-12 lives).
    public static func regularizedUpperGamma(_ a: Double, _ x: Double) -> Double {
        precondition(a > 0, "the shape of a gamma distribution is positive")
        if x <= 0 { return 1 }
        let logPrefix = -x + a * log(x) - lgamma(a)
        let epsilon = 1e-15
        if x < a + 1 {
            var term = 1 / a
            var sum = term
            var shape = a
            for _ in 0..<10_000 {
                shape += 1
                term *= x / shape
                sum += term
                if abs(term) < abs(sum) * epsilon { break }
            }
            return max(0, 1 - sum * exp(logPrefix))
        }
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var fraction = d
        for step in 1..<10_000 {
            let an = -Double(step) * (Double(step) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            fraction *= delta
            if abs(delta - 1) < epsilon { break }
        }
        return min(1, exp(logPrefix) * fraction)
    }
}
