/// What an id the rule set lacks was looked for as, in a request: each site has its own words in
/// the warning and its own vocabulary for the "did you mean" hint (``RuleSet/unknown(_:_:in:name:)``).
enum UnknownIDSite: Sendable {
    /// A persona (`unknown persona 'x'`).
    case persona
    /// A context key (`unknown context key 'x'`).
    case contextKey
    /// A value of the closed context key named (`unknown value 'x' for context key 'k'`).
    case value
    /// A stage of the journey named (`unknown stage 'x' in journey 'j'`).
    case stage

    /// The kind of id, as the warning names it.
    var kind: String {
        switch self {
        case .persona: "persona"
        case .contextKey: "context key"
        case .value: "value"
        case .stage: "stage"
        }
    }

    /// What the name a site's id was looked for under is introduced with, or nil for a site without one.
    var words: String? {
        switch self {
        case .persona, .contextKey: nil
        case .value: " for context key '"
        case .stage: " in journey '"
        }
    }
}
