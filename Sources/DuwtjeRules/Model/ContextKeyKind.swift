import Foundation

/// What a context key may hold: a closed list of values, or any value of one type.
public enum ContextKeyKind: Sendable, Hashable {
    case closed([String])
    case string
    case number
    case boolean

    public var typeName: String {
        switch self {
        case .closed, .string: return "string"
        case .number: return "number"
        case .boolean: return "boolean"
        }
    }
}
