public import Foundation

/// A value with the place it was written, so later checks can still point at the source.
public struct Located<Value: Sendable>: Sendable {
    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }
}

extension Located: Equatable where Value: Equatable {}
extension Located: Hashable where Value: Hashable {}

/// A citizen journey: ordered stages, each asking for another kind of content.
public struct JourneyDefinition: Sendable {
    public var id: String
    public var label: String?
    public var stages: [StageDefinition]
    /// The journey's last resort when rules and the stage's fallback leave the answer short.
    public var fallback: [Located<String>]
    public var location: SourceLocation
}

public struct StageDefinition: Sendable {
    public var id: String
    public var label: String?
    /// The signals that put a request in this stage when the request names none.
    public var when: Condition?
    public var fallback: [Located<String>]
    public var location: SourceLocation
}

public struct PersonaDefinition: Sendable {
    public var id: String
    public var label: String?
    public var description: String?
    /// People who need extra care (in debt, new to the country, unsure online): they get no
    /// persuasive nudge and none more often than once a week (`duwtje check` warns otherwise).
    public var vulnerable = false
    public var location: SourceLocation
}

public struct ContentTypeDefinition: Sendable {
    public var id: String
    public var label: String?
    /// Content and nudges of this type try to change what people do (`persuasive: true`).
    public var persuasive = false
    public var location: SourceLocation
}

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

public struct ContextKeyDefinition: Sendable {
    public var id: String
    public var kind: ContextKeyKind
    public var location: SourceLocation
    /// The key's `label` or `description`, for people (the register's public page uses it).
    public var description: String?
}

/// A moment a window starts or ends: a calendar date (midnight in the configured time zone) or an
/// absolute RFC 3339 time. Dates stay dates until the rule set is compiled for a time zone.
public enum TimePoint: Sendable, Hashable {
    case date(year: Int, month: Int, day: Int)
    case instant(Date)

    /// The absolute moment in `timeZone`.
    public func resolved(in timeZone: TimeZone) -> Date {
        switch self {
        case .instant(let date):
            return date
        case .date(let year, let month, let day):
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            let components = DateComponents(year: year, month: month, day: day)
            return calendar.date(from: components) ?? Date(timeIntervalSince1970: 0)
        }
    }
}

/// `from` is inclusive, `until` exclusive; either may be open.
public struct ActiveWindow: Sendable, Hashable {
    public var from: TimePoint?
    public var until: TimePoint?
}

/// A scalar a request's context may carry, or a condition may compare with.
public enum ContextScalar: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case number(Double)
    case bool(Bool)

    public var description: String {
        switch self {
        case .string(let value): return value
        case .number(let value):
            if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
            return String(value)
        case .bool(let value): return String(value)
        }
    }
}

/// One test on a context value. A condition holds when all of its tests hold.
public enum ValueTest: Sendable, Hashable {
    case equals([ContextScalar])
    case not([ContextScalar])
    case prefix(String)
    /// `gte`/`gt` and `lte`/`lt` together: one element of a list value must satisfy all bounds.
    case range(NumericRange)
    case exists(Bool)
}

public struct NumericRange: Sendable, Hashable {
    public var lower: Double?
    public var lowerInclusive = true
    public var upper: Double?
    public var upperInclusive = true

    public func contains(_ value: Double) -> Bool {
        if let lower, lowerInclusive ? value < lower : value <= lower { return false }
        if let upper, upperInclusive ? value > upper : value >= upper { return false }
        return true
    }

    /// Whether every value in `other` is in this range too.
    public func covers(_ other: NumericRange) -> Bool {
        if let lower {
            guard let otherLower = other.lower else { return false }
            if otherLower < lower || (otherLower == lower && !lowerInclusive && other.lowerInclusive) { return false }
        }
        if let upper {
            guard let otherUpper = other.upper else { return false }
            if otherUpper > upper || (otherUpper == upper && !upperInclusive && other.upperInclusive) { return false }
        }
        return true
    }

    /// Whether no value at all satisfies the bounds.
    public var isEmpty: Bool {
        guard let lower, let upper else { return false }
        return lower > upper || (lower == upper && !(lowerInclusive && upperInclusive))
    }
}

public struct ContextCondition: Sendable {
    public var key: String
    public var tests: [ValueTest]
    public var location: SourceLocation
}

/// A rule's (or a stage's) `when`: every listed part must hold; a missing part is "any".
public struct Condition: Sendable {
    public var stages: [Located<String>]?
    public var personas: [Located<String>]?
    public var context: [ContextCondition]
    public var location: SourceLocation

    /// One point each for a stage condition, a persona condition and every context key tested.
    public var specificity: Int {
        (stages == nil ? 0 : 1) + (personas == nil ? 0 : 1) + context.count
    }
}

public enum RecommendItem: Sendable {
    /// One catalogue item.
    case content(Located<String>)
    /// Items of a type, in catalogue order, having all these tags; at most `limit` are added.
    case query(type: Located<String>, tags: [String], limit: Int, location: SourceLocation)
}

public struct CallToAction: Sendable, Hashable, Encodable {
    public var label: String
    public var url: String
}

/// How often one visitor may be shown one nudge: at most `max` times within `per` seconds.
public struct Cap: Sendable, Hashable {
    public var max: Int
    public var per: Int64

    public init(max: Int, per: Int64) {
        self.max = max
        self.per = per
    }
}

public struct NudgeDefinition: Sendable {
    public var id: String
    public var message: String
    public var cta: CallToAction?
    public var alternative: String?
    public var cap: Cap?
    /// The content type of the message (`type:`); a nudge without one counts as persuasive.
    public var type: Located<String>?
    /// Where a share or norm the message states comes from (`source:`).
    public var source: String?
    /// How long a visitor who dismissed the nudge does not see it again (`dismiss_for:`), in seconds.
    public var dismissFor: Int64?
    public var location: SourceLocation

    /// The default `dismiss_for`: 30 days.
    public static let defaultDismissFor: Int64 = 30 * 86_400

    /// How long a dismissal holds: `dismiss_for`, else 30 days, and never shorter than the cap window
    /// (a dismissal that ended before the cap's window would let the nudge back sooner than the cap).
    public var dismissWindow: Int64 { dismissFor ?? max(Self.defaultDismissFor, cap?.per ?? 0) }

    /// Whether the message tries to persuade: its type is marked `persuasive`, or it has no type.
    public func isPersuasive(in definition: RuleSetDefinition) -> Bool {
        guard let type else { return true }
        return definition.contentTypes.first { $0.id == type.value }?.persuasive ?? true
    }
}

/// What a variant does to its rule's nudge.
public enum NudgeOverride: Sendable {
    case inherit
    case remove
    case replace(NudgeDefinition)
}

public struct VariantDefinition: Sendable {
    public var id: String
    public var weight: Int
    public var recommend: [RecommendItem]?
    public var nudge: NudgeOverride
    public var location: SourceLocation
}

public struct RuleDefinition: Sendable {
    public var id: String
    public var description: String?
    public var journey: String
    public var when: Condition
    public var recommend: [RecommendItem]
    public var why: String?
    public var nudge: NudgeDefinition?
    public var priority: Int
    public var exclusive: Bool
    public var active: ActiveWindow?
    public var variants: [VariantDefinition]
    public var location: SourceLocation
    /// Position in the rule set: file read order, then position in the file.
    public var order: Int
}

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
