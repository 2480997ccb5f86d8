import Foundation

public struct CallToAction: Sendable, Hashable, Encodable {
    public var label: String
    public var url: String
}
