public import Foundation

/// A value a request's context carries for one key: a scalar, or a list (pages visited, say),
/// in which case a condition holds when any element satisfies it.
public enum ContextValue: Sendable, Hashable {
    case scalar(ContextScalar)
    case list([ContextScalar])

    var elements: [ContextScalar] {
        switch self {
        case .scalar(let value): return [value]
        case .list(let values): return values
        }
    }

    /// How many elements it has: one for a scalar.
    var count: Int {
        switch self {
        case .scalar: return 1
        case .list(let values): return values.count
        }
    }

    /// Whether any element satisfies `predicate`, without building an array for a scalar.
    func contains(where predicate: (ContextScalar) -> Bool) -> Bool {
        switch self {
        case .scalar(let value): return predicate(value)
        case .list(let values): return values.contains(where: predicate)
        }
    }

    func forEach(_ body: (ContextScalar) -> Void) {
        switch self {
        case .scalar(let value): body(value)
        case .list(let values): values.forEach(body)
        }
    }
}

/// One question to the engine (rules.md section 6). Time is part of the question: the engine
/// never reads a clock.
public struct EvaluationRequest: Sendable {
    public var journey: String?
    public var stage: String?
    public var persona: String?
    public var context: RequestContext
    /// An opaque pseudonymous id; it picks variants and counts nudges against caps.
    public var visitor: String?
    public var limit: Int
    public var now: Date
    /// Whether the answer lists every rule consulted, matched or not.
    public var explain: Bool

    public init(journey: String? = nil, stage: String? = nil, persona: String? = nil, context: RequestContext = RequestContext(),
                visitor: String? = nil, limit: Int = 3, now: Date, explain: Bool = false) {
        self.journey = journey
        self.stage = stage
        self.persona = persona
        self.context = context
        self.visitor = visitor
        self.limit = limit
        self.now = now
        self.explain = explain
    }
}

/// Why a request cannot be answered at all (unknown persona, stage or values are only warnings).
public enum EvaluationError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownJourney(String, suggestion: String?)
    case journeyRequired(known: [String])

    public var description: String {
        switch self {
        case .unknownJourney(let id, let suggestion):
            return "unknown journey '\(id)'" + (suggestion.map { " (\($0))" } ?? "")
        case .journeyRequired(let known):
            return "'journey' is required: the rule set has \(known.count) journeys (\(known.joined(separator: ", ")))"
        }
    }
}
