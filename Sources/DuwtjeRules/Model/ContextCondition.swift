import Foundation

public struct ContextCondition: Sendable {
    public var key: String
    public var tests: [ValueTest]
    public var location: SourceLocation
}
