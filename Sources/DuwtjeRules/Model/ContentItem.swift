import Foundation

public struct ContentItem: Sendable {
    public var id: String
    public var type: String
    public var title: String
    public var url: String
    public var tags: [String]
    public var language: String?
    public var active: ActiveWindow?
    public var location: SourceLocation
}
