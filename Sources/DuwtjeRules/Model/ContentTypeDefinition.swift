import Foundation

public struct ContentTypeDefinition: Sendable {
    public var id: String
    public var label: String?
    /// Content and nudges of this type try to change what people do (`persuasive: true`).
    public var persuasive = false
    public var location: SourceLocation
}
