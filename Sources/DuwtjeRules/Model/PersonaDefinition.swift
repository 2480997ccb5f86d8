import Foundation

public struct PersonaDefinition: Sendable {
    public var id: String
    public var label: String?
    public var description: String?
    /// People who need extra care (in debt, new to the country, unsure online): they get no
    /// persuasive nudge and none more often than once a week (`duwtje check` warns otherwise).
    public var vulnerable = false
    public var location: SourceLocation
}
