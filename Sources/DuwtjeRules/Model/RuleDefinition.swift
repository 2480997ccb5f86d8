import Foundation

public struct RuleDefinition: Sendable {
    public var id: String
    public var description: String?
    public var journey: String
    public var when: Condition
    public var recommend: [RecommendItem]
    public var why: String?
    public var nudge: NudgeDefinition?
    public var priority: Int
    public var exclusive: Bool
    public var active: ActiveWindow?
    public var variants: [VariantDefinition]
    public var location: SourceLocation
    /// Position in the rule set: file read order, then position in the file.
    public var order: Int
}
