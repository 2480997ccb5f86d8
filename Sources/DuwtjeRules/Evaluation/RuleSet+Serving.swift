public import Foundation
import Dispatch
import Synchronization

extension RuleSet {
    /// A rule set for a daemon to serve: compiled as ``init(_:timeZone:)`` compiles it, but the
    /// ``definition`` it keeps no longer holds what the compiled journeys hold instead. Each rule's
    /// `when` (its stages, personas and context conditions), `recommend` list and `description` are
    /// emptied as soon as its journey is compiled.
    ///
    /// Why: the daemon keeps the definition for `/v1/status`, event checks, reports and caps, which
    /// read ids, journeys, variants and nudges only. At 10,000 rules the conditions and recommend
    /// lists were ~6.5 MB in ~150,000 allocations, a third of the daemon's heap (issue 15: ≤ 64 MiB).
    /// They are let go journey by journey, as soon as each is compiled, so that the journeys compiled
    /// after it take the memory they leave (let go only at the end, their holes between the rules'
    /// kept strings stay resident: glibc returns only whole free pages; +4.6 MiB at 10,000 rules,
    /// Benchmarks/README.md, branch `load5`).
    ///
    /// The journeys are compiled on as many threads as there are cores (issue 15: the compile was a
    /// fifth of a load, on one thread while the other core idled): this thread and `workers` (a
    /// daemon's loader thread's own, ``LoadWorkers``; the system's threads when nil). So that one
    /// thread can let go of a journey's conditions while another reads other rules, each journey's
    /// rules are moved (not copied) into an array of their own first, and moved back into the
    /// definition, in their order, at the end.
    ///
    /// Evaluation reads only the compiled journeys, so answers are the same; tools that read the
    /// rules' conditions (matrix, register, diff, rule tests) use ``init(_:timeZone:)``. Pass the
    /// definition with `consume`: a copy still held elsewhere keeps all of it alive (and the
    /// emptying then copies the rules instead of freeing anything).
    public convenience init(serving definition: consuming RuleSetDefinition, timeZone: TimeZone,
                            workers: LoadWorkers? = nil) {
        // A copy for the tables' initializer, which would consume the parameter; it keeps none of the rules.
        let tables = SharedTables(copy definition, timeZone: timeZone, workers: workers)
        var split = JourneyRules(&definition.rules, journeys: definition.journeys)
        let journeys = tables.compileSideBySide(definition.journeys, rules: &split.byJourney, workers: workers)
        split.putBack(into: &definition.rules)
        self.init(definition, tables, journeys: journeys)
    }
}

/// A set's rules moved into one array per journey, and back (``RuleSet/init(serving:timeZone:workers:)``).
/// Moved, not copied: a copy retains every field of every rule (and the emptying of a rule's
/// conditions would then free nothing). Each rule is swapped with a blank one, which holds nothing
/// to retain; the set's array keeps its place, and the rules go back there.
struct JourneyRules {
    /// Each journey's rules, in declaration order.
    var byJourney: [[RuleDefinition]]
    /// Each rule's journey's position, or -1 (a journey not declared: none in a loaded set; such a
    /// rule stays where it is).
    private let journeyOfRule: [Int]

    /// Takes the rules out of `rules`, which holds blank rules until ``putBack(into:)``.
    init(_ rules: inout [RuleDefinition], journeys: [JourneyDefinition]) {
        var positions: [String: Int] = [:]
        for (index, journey) in journeys.enumerated() where positions[journey.id] == nil { positions[journey.id] = index }
        let journeyOfRule = rules.indices.map { positions[rules[$0].journey] ?? -1 }
        var counts = [Int](repeating: 0, count: journeys.count)
        for journey in journeyOfRule where journey >= 0 { counts[journey] += 1 }
        let blank = RuleDefinition.blank
        byJourney = counts.map { [RuleDefinition](repeating: blank, count: $0) }
        self.journeyOfRule = journeyOfRule
        swapEach(&rules)
    }

    /// Puts the rules back where they were taken from; the journeys' arrays hold blank rules then.
    mutating func putBack(into rules: inout [RuleDefinition]) {
        swapEach(&rules)
    }

    private mutating func swapEach(_ rules: inout [RuleDefinition]) {
        var filled = [Int](repeating: 0, count: byJourney.count)
        for position in rules.indices {
            let journey = journeyOfRule[position]
            guard journey >= 0 else { continue }
            swap(&rules[position], &byJourney[journey][filled[journey]])
            filled[journey] += 1
        }
    }
}

extension RuleDefinition {
    /// A rule with nothing in it, to hold a rule's place in an array while the rule is elsewhere.
    static let blank: RuleDefinition = {
        let nowhere = SourceLocation(file: "", line: 0, column: 0)
        return RuleDefinition(id: "", description: nil, journey: "", when: Condition(stages: nil, personas: nil, context: [], location: nowhere),
                              recommend: [], why: nil, nudge: nil, priority: 0, exclusive: false, active: nil, variants: [],
                              location: nowhere, order: 0)
    }()
}

extension SharedTables {
    /// `journeys` compiled on as many threads as there are cores, each journey's rules (`rules`,
    /// one array per journey) emptied of their compiled parts as soon as it is compiled. Journeys
    /// are independent of one another given the shared tables, so the result is what compiling them
    /// one by one gives. Each thread takes the next journey not yet taken, the ones with the most
    /// rules first, so that no thread is left with a large journey at the end while the others wait.
    func compileSideBySide(_ journeys: [JourneyDefinition], rules: inout [[RuleDefinition]],
                           workers: LoadWorkers?) -> [CompiledJourney] {
        let order = journeys.indices.sorted { rules[$0].count > rules[$1].count }
        // Each thread takes a journey's rules out, so that it holds their one copy while it empties them.
        let slots = Mutex<[[RuleDefinition]]>(rules)
        rules = []
        let compiled = Mutex<[CompiledJourney?]>(Array(repeating: nil, count: journeys.count))
        let next = Atomic<Int>(0)
        let width = min(journeys.count, LoadWorkers.width(of: workers))
        let compileNext: @Sendable () -> Void = {
            while true {
                let taken = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard taken < order.count else { return }
                let index = order[taken]
                var own = slots.withLock { slots in
                    defer { slots[index] = [] }
                    return slots[index]
                }
                let journey = self.compile(journeys[index], rules: own, positions: Array(own.indices))
                for position in own.indices { own[position].dropCompiledParts() }
                slots.withLock { $0[index] = own }
                compiled.withLock { $0[index] = journey }
            }
        }
        let group = DispatchGroup()
        for _ in 0..<max(0, width - 1) {
            LoadWorkers.async(on: workers, group: group, compileNext)
        }
        compileNext()
        group.wait()
        rules = slots.withLock { slots in
            defer { slots = [] }
            return slots
        }
        return compiled.withLock { $0.compactMap { $0 } }
    }
}

extension RuleDefinition {
    /// Empties what ``RuleSet/init(serving:timeZone:workers:)`` keeps compiled instead: the conditions (their
    /// place kept), the recommend list and the description (the compiled `why` falls back on it).
    fileprivate mutating func dropCompiledParts() {
        when = Condition(stages: nil, personas: nil, context: [], location: when.location)
        recommend = []
        description = nil
    }
}
