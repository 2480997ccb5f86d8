import DuwtjeRules
@testable import DuwtjeStore
import DuwtjeTestSupport
import Foundation
import Testing

/// The order in which the caps in memory forget visitors (``LRUState``: a list linked through its
/// nodes, the links `Int32`s since issue 15), against a plain reference: an array of visitors from the
/// most recently seen to the least, the last dropped when a new one does not fit (docs/api.md,
/// `caps.max_visitors`: "the one seen least recently is forgotten").
@Suite("The caps' order of forgetting")
struct RecencyOrderTests {
    let one = Cap(max: 1, per: 86_400)
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// Seen (found or added) by `reference` as a plain least-recently-used list of `capacity`: true
    /// when the visitor was remembered.
    static func see(_ visitor: String, in reference: inout [String], capacity: Int) -> Bool {
        if let index = reference.firstIndex(of: visitor) {
            reference.remove(at: index)
            reference.insert(visitor, at: 0)
            return true
        }
        reference.insert(visitor, at: 0)
        if reference.count > capacity { reference.removeLast() }
        return false
    }

    @Test("visitors are forgotten exactly least recently seen first, with prefetches, lookups that add nothing and repeats")
    func forgetsAsPlainList() {
        var generator = SeededGenerator.forTest("RecencyOrderTests.forgetsAsPlainList")
        for round in 0..<60 {
            let capacity = 1 + generator.below(12)
            let population = capacity + generator.below(2 * capacity + 2)
            let hashing: LRUState.Hashing? = generator.chance(0.3) ? .constant : nil
            var state = LRUState(capacity: capacity, hashing: hashing)
            var reference: [String] = []
            var evictions = 0
            for step in 0..<400 {
                let visitor = "v\(generator.below(population))"
                // A prefetch (of this visitor or another) changes nothing but may start loads.
                if generator.chance(0.5) { _ = state.prefetch(generator.chance(0.8) ? visitor : "v\(generator.below(population))") }
                if generator.chance(0.15) {
                    // A lookup that adds nothing: found (and made most recent) or nil, nothing forgotten.
                    let found = state.node(of: visitor, absent: .skip) != nil
                    #expect(found == reference.contains(visitor), "round \(round), step \(step)")
                    if found { _ = Self.see(visitor, in: &reference, capacity: capacity) }
                } else {
                    let before = reference.count
                    let remembered = Self.see(visitor, in: &reference, capacity: capacity)
                    if !remembered, before == capacity { evictions += 1 }
                    let admitted = state.withShowings(of: visitor, absent: .add) {
                        $0.withTimes(of: "n") { MemoryCapStore.admit(&$0, cap: one, now: start) }
                    }
                    // Shown once per visitor while remembered: admitted exactly when new to memory.
                    #expect(admitted == !remembered, "round \(round), step \(step), \(visitor)")
                }
                #expect(state.visitorsByRecency == reference, "round \(round), step \(step)")
                #expect(state.count == reference.count)
                #expect(state.evictions == evictions)
            }
        }
    }

    @Test("at the bound, a visitor seen again just before a new one is not the one forgotten")
    func seenAgainAtTheBound() {
        var state = LRUState(capacity: 3)
        for visitor in ["a", "b", "c"] { #expect(state.node(of: visitor, absent: .add) != nil) }
        // a is the least recently seen until found again: then b goes.
        #expect(state.node(of: "a", absent: .skip) != nil)
        _ = state.prefetch("d")
        #expect(state.node(of: "d", absent: .add) != nil)
        #expect(state.visitorsByRecency == ["d", "a", "c"])
        // The same visitor twice in a row: still first.
        #expect(state.node(of: "c", absent: .skip) != nil)
        #expect(state.node(of: "c", absent: .skip) != nil)
        #expect(state.node(of: "e", absent: .add) != nil)
        #expect(state.visitorsByRecency == ["e", "c", "d"])
        #expect(state.evictions == 2)
    }

    @Test("a store shared by concurrent admissions keeps each visitor's cap, and its order whole at the bound")
    func concurrentAdmissions() async {
        let cap = Cap(max: 2, per: 86_400)
        let start = self.start
        let offer = NudgeOffer(idHash: NudgeOffer.idHash(of: "n"), serial: 7, cap: cap)
        // 8 tasks over the same 32 visitors, prefetching before each admission as the daemon does: with
        // room for all, each visitor is shown exactly its cap, whatever the interleaving; with room
        // for 20, visitors are forgotten and come back, and the order stays one list of 20.
        for maxVisitors in [32, 20] {
            let store = MemoryCapStore(maxVisitors: maxVisitors)
            let admitted = await withTaskGroup(of: Int.self) { group in
                for task in 0..<8 {
                    group.addTask {
                        var count = 0
                        for step in 0..<1_000 {
                            let visitor = "v\((step &* 7 &+ task) % 32)"
                            let hint = store.prefetch(visitor: visitor)
                            let rank = store.admitFirstWithoutWaiting(visitor: visitor, hint: hint, now: start, count: 1,
                                                                       offer: { _ in offer }, id: { _ in "n" })
                            if rank == 0 { count += 1 }
                        }
                        return count
                    }
                }
                return await group.reduce(0, +)
            }
            let order = store.visitorsByRecency
            #expect(store.count == maxVisitors)
            #expect(order.count == maxVisitors && Set(order).count == maxVisitors)
            if maxVisitors == 32 {
                #expect(admitted == 32 * 2)
                #expect(store.evictions == 0)
            } else {
                #expect(admitted >= 32 * 2)
                #expect(store.evictions > 0)
            }
        }
    }
}
