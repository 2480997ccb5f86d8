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
