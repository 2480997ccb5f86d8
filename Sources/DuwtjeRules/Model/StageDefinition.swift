import Foundation

public struct StageDefinition: Sendable {
    public var id: String
    public var label: String?
    /// The signals that put a request in this stage when the request names none.
    public var when: Condition?
    public var fallback: [Located<String>]
    public var location: SourceLocation
}
