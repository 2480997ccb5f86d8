public import DuwtjeRules
public import Foundation
import Synchronization

/// Counts nudge showings in memory, for at most `maxVisitors` visitors: when full, the visitor
/// seen least recently is forgotten. Nothing but a pseudonymous id and times is kept.
public final class MemoryCapStore: CapStore {
    private let state: Mutex<LRUState>
    /// Visitor → nudge → until (Unix seconds). Kept apart from the caps' LRU: a dismissal is a
    /// citizen's choice and is never forgotten to make room; ended ones are dropped by ``pruneDismissals(now:)``.
    private let dismissed = Mutex<[String: [String: Double]]>([:])

    public init(maxVisitors: Int) {
        state = Mutex(LRUState(capacity: max(1, maxVisitors)))
    }

    public func isDismissed(visitor: String, nudge: String, now: Date) -> Bool {
        dismissed.withLock { ($0[visitor]?[nudge] ?? -.infinity) > now.timeIntervalSince1970 }
    }

    /// Closes `nudge` for `visitor` until `until` (a later dismissal extends, an earlier one never shortens).
    public func dismiss(visitor: String, nudge: String, until: Date) {
        let time = until.timeIntervalSince1970
        dismissed.withLock { dismissed in
            dismissed[visitor, default: [:]][nudge] = max(time, dismissed[visitor]?[nudge] ?? -.infinity)
        }
    }

    /// Drops the dismissals that ended by `now`.
    public func pruneDismissals(now: Date) {
        let time = now.timeIntervalSince1970
        dismissed.withLock { dismissed in
            dismissed = dismissed.compactMapValues { nudges in
                let left = nudges.filter { $0.value > time }
                return left.isEmpty ? nil : left
            }
        }
    }

    public func admit(visitor: String, nudge: String, cap: Cap, now: Date) -> Bool {
        let time = now.timeIntervalSince1970
        let windowStart = time - Double(cap.per)
        // Mutated in place (an inout subscript), so the times are never copied.
        func admit(_ times: inout [Double]) -> Bool {
            times.removeAll { $0 <= windowStart || $0 > time }
            guard times.count < cap.max else { return false }
            times.append(time)
            return true
        }
        return state.withLock { state in
            state.withShowings(of: visitor) { showings in admit(&showings[nudge, default: []]) }
        }
    }

    /// How many visitors are remembered now.
    public var count: Int { state.withLock { $0.index.count } }
}

/// A least-recently-used map from visitor to their showings, as a doubly linked list in an array.
struct LRUState: Sendable {
    struct Node: Sendable {
        var visitor: String
        var showings: [String: [Double]]
        var previous: Int
        var next: Int
    }

    let capacity: Int
    var index: [String: Int] = [:]
    var nodes: [Node] = []
    /// Most recently used.
    var head = -1
    /// Least recently used.
    var tail = -1

    init(capacity: Int) {
        self.capacity = capacity
    }

    mutating func withShowings<R>(of visitor: String, _ body: (inout [String: [Double]]) -> R) -> R {
        let slot: Int
        if let existing = index[visitor] {
            slot = existing
            unlink(slot)
        } else if nodes.count < capacity {
            slot = nodes.count
            nodes.append(Node(visitor: visitor, showings: [:], previous: -1, next: -1))
            index[visitor] = slot
        } else {
            slot = tail
            unlink(slot)
            index[nodes[slot].visitor] = nil
            nodes[slot].visitor = visitor
            nodes[slot].showings = [:]
            index[visitor] = slot
        }
        pushFront(slot)
        return body(&nodes[slot].showings)
    }

    mutating func unlink(_ slot: Int) {
        let previous = nodes[slot].previous
        let next = nodes[slot].next
        if previous >= 0 { nodes[previous].next = next } else { head = next }
        if next >= 0 { nodes[next].previous = previous } else { tail = previous }
        nodes[slot].previous = -1
        nodes[slot].next = -1
    }

    mutating func pushFront(_ slot: Int) {
        nodes[slot].next = head
        nodes[slot].previous = -1
        if head >= 0 { nodes[head].previous = slot }
        head = slot
        if tail < 0 { tail = slot }
    }
}
