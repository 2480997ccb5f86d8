import Foundation

public struct ContextKeyDefinition: Sendable {
    public var id: String
    public var kind: ContextKeyKind
    public var location: SourceLocation
    /// The key's `label` or `description`, for people (the register's public page uses it).
    public var description: String?
}
