/// Where an answer reads a rule's id and plain-language reason: the compiled rule (one reference),
/// or, once a field was set, a copy of the two.
enum RuleSource: Sendable {
    case rule(CompiledRule)
    case edited(RuleText)

    var id: String? {
        switch self {
        case .rule(let rule): rule.id
        case .edited(let text): text.id
        }
    }

    var why: String? {
        switch self {
        case .rule(let rule): rule.why
        case .edited(let text): text.why
        }
    }
}

/// A rule's id and reason as set on an answer.
final class RuleText: Sendable {
    let id: String?
    let why: String?

    init(id: String?, why: String?) {
        self.id = id
        self.why = why
    }
}
