public import Foundation

extension RuleSet {
    /// A rule set for a daemon to serve: compiled as ``init(_:timeZone:)`` compiles it, but the
    /// ``definition`` it keeps no longer holds what the compiled journeys hold instead. Each rule's
    /// `when` (its stages, personas and context conditions), `recommend` list and `description` are
    /// emptied as soon as its journey is compiled.
    ///
    /// Why: the daemon keeps the definition for `/v1/status`, event checks, reports and caps, which
    /// read ids, journeys, variants and nudges only. At 10,000 rules the conditions and recommend
    /// lists were ~6.5 MB in ~150,000 allocations, a third of the daemon's heap (issue 15: ≤ 64 MiB).
    /// They are let go journey by journey, so that the next journey's compiled rules take the
    /// memory they leave (freed only at the end, their holes between the rules' kept strings would
    /// stay resident: glibc returns only whole free pages).
    ///
    /// Evaluation reads only the compiled journeys, so answers are the same; tools that read the
    /// rules' conditions (matrix, register, diff, rule tests) use ``init(_:timeZone:)``. Pass the
    /// definition with `consume`: a copy still held elsewhere keeps all of it alive (and the
    /// emptying then copies the rules instead of freeing anything).
    public convenience init(serving definition: consuming RuleSetDefinition, timeZone: TimeZone) {
        // A copy for the tables' initializer, which would consume the parameter; it keeps none of the rules.
        let tables = SharedTables(copy definition, timeZone: timeZone)
        let byJourney = definition.ruleIndicesByJourney
        var journeys: [CompiledJourney] = []
        journeys.reserveCapacity(definition.journeys.count)
        for index in definition.journeys.indices {
            let positions = byJourney[definition.journeys[index].id] ?? []
            journeys.append(tables.compile(definition.journeys[index], rules: definition.rules, positions: positions))
            for position in positions { definition.rules[position].dropCompiledParts() }
        }
        self.init(definition, tables, journeys: journeys)
    }
}

extension RuleDefinition {
    /// Empties what ``RuleSet/init(serving:timeZone:)`` keeps compiled instead: the conditions (their
    /// place kept), the recommend list and the description (the compiled `why` falls back on it).
    fileprivate mutating func dropCompiledParts() {
        when = Condition(stages: nil, personas: nil, context: [], location: when.location)
        recommend = []
        description = nil
    }
}
