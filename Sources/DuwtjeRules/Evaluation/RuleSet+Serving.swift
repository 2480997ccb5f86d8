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
    /// They are let go once every journey is compiled: the journeys are compiled on as many threads
    /// as there are cores (``SharedTables/compileSideBySide(_:rules:positions:)``), which read the
    /// rules meanwhile. (Until the `load5` branch they were let go journey by journey, so that the
    /// next journey's compiled rules could take the memory they left; compiled on other threads, the
    /// journeys are allocated in those threads' malloc arenas anyway. Benchmarks/README.md has the
    /// resident memory both ways.)
    ///
    /// Evaluation reads only the compiled journeys, so answers are the same; tools that read the
    /// rules' conditions (matrix, register, diff, rule tests) use ``init(_:timeZone:)``. Pass the
    /// definition with `consume`: a copy still held elsewhere keeps all of it alive (and the
    /// emptying then copies the rules instead of freeing anything).
    public convenience init(serving definition: consuming RuleSetDefinition, timeZone: TimeZone) {
        // A copy for the tables' initializer, which would consume the parameter; it keeps none of the rules.
        let tables = SharedTables(copy definition, timeZone: timeZone)
        let byJourney = definition.ruleIndicesByJourney
        let positions = definition.journeys.map { byJourney[$0.id] ?? [] }
        let journeys = tables.compileSideBySide(definition.journeys, rules: definition.rules, positions: positions)
        // Only now: the threads above read the rules, and emptying one while they hold the array
        // would copy all of them.
        for journey in positions.indices {
            for position in positions[journey] { definition.rules[position].dropCompiledParts() }
        }
        self.init(definition, tables, journeys: journeys)
    }
}

extension SharedTables {
    /// `journeys` compiled on as many threads as there are cores (issue 15: the compile was a fifth
    /// of a load, on one thread while the other core idled). Journeys are independent of one another
    /// given the shared tables, so the result is what compiling them one by one gives. Each thread
    /// takes the next journey not yet taken, the ones with the most rules first, so that no thread is
    /// left with a large journey at the end while the others wait.
    func compileSideBySide(_ journeys: [JourneyDefinition], rules: [RuleDefinition], positions: [[Int]]) -> [CompiledJourney] {
        let order = journeys.indices.sorted { positions[$0].count > positions[$1].count }
        let compiled = Mutex<[CompiledJourney?]>(Array(repeating: nil, count: journeys.count))
        let next = Atomic<Int>(0)
        let threads = min(journeys.count, max(1, ProcessInfo.processInfo.activeProcessorCount))
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while true {
                let taken = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard taken < order.count else { return }
                let index = order[taken]
                let journey = compile(journeys[index], rules: rules, positions: positions[index])
                compiled.withLock { $0[index] = journey }
            }
        }
        return compiled.withLock { $0.compactMap { $0 } }
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
