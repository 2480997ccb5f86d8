import Foundation

/// A citizen journey: ordered stages, each asking for another kind of content.
public struct JourneyDefinition: Sendable {
    public var id: String
    public var label: String?
    public var stages: [StageDefinition]
    /// The journey's last resort when rules and the stage's fallback leave the answer short.
    public var fallback: [Located<String>]
    public var location: SourceLocation
}
