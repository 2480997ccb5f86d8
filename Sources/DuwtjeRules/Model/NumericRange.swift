import Foundation

public struct NumericRange: Sendable, Hashable {
    public var lower: Double?
    public var lowerInclusive = true
    public var upper: Double?
    public var upperInclusive = true

    public func contains(_ value: Double) -> Bool {
        if let lower, lowerInclusive ? value < lower : value <= lower { return false }
        if let upper, upperInclusive ? value > upper : value >= upper { return false }
        return true
    }

    /// Whether every value in `other` is in this range too.
    public func covers(_ other: NumericRange) -> Bool {
        if let lower {
            guard let otherLower = other.lower else { return false }
            if otherLower < lower || (otherLower == lower && !lowerInclusive && other.lowerInclusive) { return false }
        }
        if let upper {
            guard let otherUpper = other.upper else { return false }
            if otherUpper > upper || (otherUpper == upper && !upperInclusive && other.upperInclusive) { return false }
        }
        return true
    }

    /// Whether no value at all satisfies the bounds.
    public var isEmpty: Bool {
        guard let lower, let upper else { return false }
        return lower > upper || (lower == upper && !(lowerInclusive && upperInclusive))
    }
}
