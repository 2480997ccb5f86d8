import Foundation

/// One test on a context value. A condition holds when all of its tests hold.
public enum ValueTest: Sendable, Hashable {
    case equals([ContextScalar])
    case not([ContextScalar])
    case prefix(String)
    /// `gte`/`gt` and `lte`/`lt` together: one element of a list value must satisfy all bounds.
    case range(NumericRange)
    case exists(Bool)
}

extension ValueTest {
    /// The values of an `equals` test when every one is text, else nil: what the rule index can file
    /// a rule under (see the compiler's discriminator).
    public var textValues: [String]? {
        guard case .equals(let values) = self else { return nil }
        let strings = values.compactMap { value -> String? in
            if case .string(let text) = value { return text }
            return nil
        }
        return strings.count == values.count ? strings : nil
    }
}
