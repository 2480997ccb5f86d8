import Foundation

/// A checked rule set: every reference resolved, every value of the right shape.
public struct RuleSetDefinition: Sendable {
    public var journeys: [JourneyDefinition]
    public var personas: [PersonaDefinition]
    public var contentTypes: [ContentTypeDefinition]
    public var contextKeys: [ContextKeyDefinition]
    public var content: [ContentItem]
    public var rules: [RuleDefinition]
    /// The served files' relative paths, in read order.
    public var files: [String]
    /// `sha256:<hex>` over the served files' paths and bytes.
    public var version: String
    /// The Algoritmeregister entry's human-written part (`register:`), when the set has one.
    public var register: RegisterDeclaration?
}
