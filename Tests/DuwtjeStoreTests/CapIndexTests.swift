import DuwtjeRules
@testable import DuwtjeStore
import Foundation
import Testing

/// The visitor index of the caps in memory (``LRUState``): a visitor is found by a hash of their
/// bytes, and two visitors are one only when their bytes are the same, whatever their hashes.
@Suite("The caps' visitor index")
struct CapIndexTests {
    let one = Cap(max: 1, per: 86_400)
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// Admits `nudge` for `visitor` as ``MemoryCapStore/admit(visitor:nudge:cap:now:)`` does.
    func admit(_ state: inout LRUState, _ visitor: String, _ nudge: String = "n") -> Bool {
        let one = self.one, start = self.start
        return state.withShowings(of: visitor, absent: .add) {
            $0.withTimes(of: nudge) { MemoryCapStore.admit(&$0, cap: one, now: start) }
        } ?? false
    }

    @Test("visitors whose hashes collide keep their own caps, also as others are forgotten around them")
    func collidingVisitorsStayApart() {
        // Every visitor has the same hash: each lookup compares them all.
        var state = LRUState(capacity: 40, hashing: .constant)
        let visitors = (0..<40).map { "visitor-\($0)" }
        // A prefetch on the empty table, and before each admission below, changes nothing.
        _ = state.prefetch("visitor-0")
        for visitor in visitors { #expect(admit(&state, visitor), "\(visitor) is new") }
        for visitor in visitors { #expect(!admit(&state, visitor), "\(visitor) was shown once already") }
        #expect(state.count == 40)
        // Full: each new visitor forgets the least recently seen (the first of the list, in order),
        // which leaves the table with a hole in the middle of the colliding run.
        for index in 0..<10 {
            _ = state.prefetch("new-\(index)")
            #expect(admit(&state, "new-\(index)"))
        }
        #expect(state.evictions == 10)
        for visitor in visitors[10...] { #expect(!admit(&state, visitor), "\(visitor) is still remembered") }
        for index in 0..<10 { #expect(!admit(&state, "new-\(index)"), "new-\(index) is still remembered") }
        // Those forgotten come back as new (the store would read them back).
        #expect(state.withShowings(of: "visitor-0", absent: .skip) { _ in true } == nil)
    }

    @Test("visitors are told apart by their bytes: ids that differ only in their Unicode form are two visitors")
    func bytesNotCanonicalEquivalence() {
        // With one hash for all (the bytes tell them apart) and with the store's own hashing (the
        // hash a prefetch keeps must be of the same bytes).
        for hashing in [LRUState.Hashing.constant, nil] {
            var state = LRUState(capacity: 10, hashing: hashing)
            let composed = "caf\u{E9}"
            let decomposed = "cafe\u{301}"
            #expect(composed == decomposed, "Swift compares them as equal")
            #expect(admit(&state, composed))
            _ = state.prefetch(composed)
            #expect(admit(&state, decomposed))
            _ = state.prefetch(decomposed)
            #expect(!admit(&state, composed))
            #expect(!admit(&state, decomposed))
            #expect(state.count == 2)
        }
    }

    @Test("a prefetch's hint finds the visitor it was made for, and is not taken once the table hashes otherwise")
    func hintsFromPrefetch() {
        var state = LRUState(capacity: 100)
        for index in 0..<50 { #expect(admit(&state, "bezoeker-\(index)")) }
        let hint = state.prefetch("bezoeker-7")
        #expect(hint.isSet)
        let withHint = state.node(of: "bezoeker-7", hint: hint, absent: .skip)
        #expect(withHint != nil && withHint == state.node(of: "bezoeker-7", absent: .skip))
        // Under SipHash the hint's hash is not the visitor's: hashed anew, still found, nothing added.
        state.switchToSipHash()
        #expect(state.node(of: "bezoeker-7", hint: hint, absent: .skip) == withHint)
        #expect(!state.prefetch("bezoeker-7").isSet, "no hint under SipHash")
        #expect(state.count == 50)
        // Another store's hint (another seed) is not taken either.
        var other = LRUState(capacity: 100)
        #expect(admit(&other, "bezoeker-7"))
        #expect(other.node(of: "bezoeker-7", hint: hint, absent: .skip) != nil)
        #expect(other.count == 1)
    }

    @Test("the table grows and keeps every visitor, with the store's own hashing")
    func manyVisitors() {
        var state = LRUState(capacity: 5_000)
        for index in 0..<5_000 { #expect(admit(&state, "bezoeker-\(index)")) }
        var refused = 0
        for index in 0..<5_000 {
            _ = state.prefetch("bezoeker-\((index * 7) % 6_000)")
            if !admit(&state, "bezoeker-\(index)") { refused += 1 }
        }
        #expect(refused == 5_000)
        #expect(state.count == 5_000 && state.evictions == 0)
    }

    @Test("a probe sequence past the limit moves the table to SipHash, and every visitor is still found")
    func longProbesSwitchToSipHash() {
        // A seed is no defence against ids chosen to collide: here every id collides by construction,
        // as if they had been found for this hash.
        var state = LRUState(capacity: 300, hashing: .constant)
        for index in 0..<(LRUState.longestProbe + 20) { #expect(admit(&state, "v\(index)")) }
        guard case .sip = state.hashing else {
            Issue.record("the table should hash with SipHash now")
            return
        }
        for index in 0..<(LRUState.longestProbe + 20) { #expect(!admit(&state, "v\(index)"), "v\(index)") }
    }
}
