import Foundation

public enum RecommendItem: Sendable {
    /// One catalogue item.
    case content(Located<String>)
    /// Items of a type, in catalogue order, having all these tags; at most `limit` are added.
    case query(type: Located<String>, tags: [String], limit: Int, location: SourceLocation)
}
