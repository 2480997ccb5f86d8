import Foundation

/// A rule's (or a stage's) `when`: every listed part must hold; a missing part is "any".
public struct Condition: Sendable {
    public var stages: [Located<String>]?
    public var personas: [Located<String>]?
    public var context: [ContextCondition]
    public var location: SourceLocation

    /// One point each for a stage condition, a persona condition and every context key tested.
    public var specificity: Int {
        (stages == nil ? 0 : 1) + (personas == nil ? 0 : 1) + context.count
    }
}
