import Foundation

public struct VariantDefinition: Sendable {
    public var id: String
    public var weight: Int
    public var recommend: [RecommendItem]?
    public var nudge: NudgeOverride
    public var location: SourceLocation
}
