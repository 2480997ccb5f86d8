public import DuwtjeRules
public import Foundation
import Synchronization

/// Counts nudge showings in memory, for at most `maxVisitors` visitors: when full, the visitor
/// seen least recently is forgotten (and counted in ``evictions``). On its own, forgetting weakens the
/// cap for that visitor; the daemon's ``DurableCapStore`` therefore reads a visitor it does not
/// remember back from the store before admitting. Nothing but a pseudonymous id and times is kept.
public final class MemoryCapStore: CapStore {
    private let state: Mutex<LRUState>
    /// Visitor → nudge → until (Unix seconds). Kept apart from the caps' LRU: a dismissal is a
    /// citizen's choice and is never forgotten to make room; ended ones are dropped by ``pruneDismissals(now:)``.
    private let dismissed = Mutex<[String: [String: Double]]>([:])
    /// Whether `dismissed` holds anything, set under its lock: most stores hold no dismissal, and
    /// every admission asks, so the answer for them comes without taking the lock.
    private let anyDismissed = Atomic<Bool>(false)

    /// `maxVisitors` is taken as at least 1 and at most 2^30 (a billion visitors' showings would be
    /// hundreds of gigabytes of memory).
    public init(maxVisitors: Int) {
        state = Mutex(LRUState(capacity: min(max(1, maxVisitors), LRUState.largestCapacity)))
    }

    /// Whether any dismissal is held (ended ones count until ``pruneDismissals(now:)``).
    public var holdsDismissals: Bool { anyDismissed.load(ordering: .acquiring) }

    public func isDismissed(visitor: String, nudge: String, now: Date) -> Bool {
        guard anyDismissed.load(ordering: .acquiring) else { return false }
        return dismissed.withLock { ($0[visitor]?[nudge] ?? -.infinity) > now.timeIntervalSince1970 }
    }

    /// Closes `nudge` for `visitor` until `until` (a later dismissal extends, an earlier one never shortens).
    public func dismiss(visitor: String, nudge: String, until: Date) {
        let time = until.timeIntervalSince1970
        dismissed.withLock { dismissed in
            dismissed[visitor, default: [:]][nudge] = max(time, dismissed[visitor]?[nudge] ?? -.infinity)
            anyDismissed.store(true, ordering: .releasing)
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
            anyDismissed.store(!dismissed.isEmpty, ordering: .releasing)
        }
    }

    public func admit(visitor: String, nudge: String, cap: Cap, now: Date) -> Bool {
        state.withLock { state in
            state.withShowings(of: visitor, absent: .add) { $0.withTimes(of: nudge) { Self.admit(&$0, cap: cap, now: now) } }
        } ?? false
    }

    /// Starts loading the lines ``admitFirstWithoutWaiting(visitor:now:count:offer:id:)`` will
    /// read for `visitor` (its slot in the table, then its node), so that they come in while the
    /// rule set evaluates the request instead of one after the other once admission asks. At
    /// 100,000 rules the walk has evicted them by then (~1 L2 miss an evaluation each; issue 15).
    /// Returns the visitor's hash, for the admission (hashing the visitor twice cost ~70 instructions).
    public func prefetch(visitor: String) -> VisitorHint {
        state.withLock { $0.prefetch(visitor) }
    }

    /// Memory never waits.
    public func admitWithoutWaiting(visitor: String, nudge: String, cap: Cap, now: Date) -> Bool? {
        admit(visitor: visitor, nudge: nudge, cap: cap, now: now)
    }

    public func isDismissedWithoutWaiting(visitor: String, nudge: String, now: Date) -> Bool? {
        isDismissed(visitor: visitor, nudge: nudge, now: now)
    }

    /// Memory never waits: all candidates under one lock, the visitor found (or added) once, at the
    /// first capped candidate not dismissed.
    public func admitFirstWithoutWaiting(visitor: String, now: Date, count: Int, offer: (Int) -> NudgeOffer?,
                                         id: (Int) -> String) -> Int? {
        admitFirst(visitor: visitor, now: now, count: count, offer: offer, id: id, absent: .add)
    }

    /// With the visitor's hash from ``prefetch(visitor:)``.
    public func admitFirstWithoutWaiting(visitor: String, hint: VisitorHint, now: Date, count: Int, offer: (Int) -> NudgeOffer?,
                                         id: (Int) -> String) -> Int? {
        admitFirst(visitor: visitor, hint: hint, now: now, count: count, offer: offer, id: id, absent: .add)
    }

    /// ``admitFirstWithoutWaiting(visitor:now:count:offer:id:)`` for a visitor kept as `visitor`,
    /// with one not remembered added or left out (nil, nothing counted) as `absent` says: what
    /// ``DurableCapStore`` answers without waiting.
    func admitFirst(visitor: String, hint: VisitorHint = .none, now: Date, count: Int, offer: (Int) -> NudgeOffer?,
                    id: (Int) -> String, absent: LRUState.Absent) -> Int? {
        let time = now.timeIntervalSince1970
        // The visitor's dismissals, read once (most stores hold none: no lock, no look-up).
        let dismissals = anyDismissed.load(ordering: .acquiring) ? dismissed.withLock { $0[visitor] } : nil
        return state.withLock { state -> Int? in
            var node = -1
            for rank in 0..<count {
                guard let offer = offer(rank) else { continue }
                if let dismissals, (dismissals[id(rank)] ?? -.infinity) > time { continue }
                guard let cap = offer.cap else { return rank }
                if node < 0 {
                    guard let found = state.node(of: visitor, hint: hint, absent: absent) else { return nil }
                    node = found
                }
                // Refused as the showings stand: nothing to change, so neither the node nor its
                // further entries are taken for changing (each checked its buffer is not shared).
                // The benchmark's steady state refuses every candidate (~2 an admission at 10,000
                // rules): ~1.5–2 % of the 100,000-rule time, in process (0.981 single, 0.985 batch;
                // branch admit18).
                if state.refuses(at: node, serial: offer.serial, max: cap.max, windowStart: Self.windowStart(of: cap, at: time)) { continue }
                let admitted = state.withShowings(at: node) { showings in
                    showings.withTimes(of: offer.idHash, serial: offer.serial, id: { id(rank) }) { Self.admit(&$0, cap: cap, now: now) }
                }
                if admitted { return rank }
            }
            return -1
        }
    }

    /// Like ``admit(visitor:nudge:cap:now:)``, but only for a visitor remembered now: nil (and nothing
    /// changed) when the visitor is not in memory, so the caller can read their showings elsewhere first.
    public func admitIfRemembered(visitor: String, nudge: String, cap: Cap, now: Date) -> Bool? {
        state.withLock { state in
            state.withShowings(of: visitor, absent: .skip) { $0.withTimes(of: nudge) { Self.admit(&$0, cap: cap, now: now) } }
        }
    }

    /// Admits a visitor who was not in memory, remembering them with `earlier` (their showings read
    /// from the store: nudge → times). When another request put the visitor back in the meantime, the
    /// showings in memory are the newer and `earlier` is ignored.
    public func admit(visitor: String, nudge: String, cap: Cap, now: Date, restoring earlier: [String: [Double]]) -> Bool {
        state.withLock { state in
            state.withShowings(of: visitor, absent: .restore(earlier)) { $0.withTimes(of: nudge) { Self.admit(&$0, cap: cap, now: now) } }
        } ?? false
    }

    /// Counts a showing at `now` when fewer than `cap.max` fall in the window. A showing counts from its
    /// time until `per` later, and one recorded *after* `now` counts too: after the wall clock jumped
    /// back (or for a request with an earlier `now`) a nudge already shown is never shown again because
    /// of it. Mutated in place (an inout subscript), so the times are never copied.
    static func admit(_ times: inout ShowingTimes, cap: Cap, now: Date) -> Bool {
        let time = now.timeIntervalSince1970
        times.removeAll(atOrBefore: Self.windowStart(of: cap, at: time))
        guard times.count < cap.max else { return false }
        times.append(time)
        return true
    }

    /// Where the window of `cap` starts at `time` (Unix seconds): a showing at or before it no longer
    /// counts. One place for the admissions and the read-only refusal in ``admitFirst(visitor:hint:now:count:offer:id:absent:)``,
    /// which must agree on it.
    @inline(__always)
    static func windowStart(of cap: Cap, at time: Double) -> Double {
        time - Double(cap.per)
    }

    /// ``admit(_:cap:now:)`` on a plain array: the reference the tests hold the times in place to
    /// (and how the times were kept until issue 15).
    static func admit(_ times: inout [Double], cap: Cap, now: Date) -> Bool {
        let time = now.timeIntervalSince1970
        let windowStart = Self.windowStart(of: cap, at: time)
        // Most admissions find nothing that has left the window: a plain scan first, since
        // `removeAll(where:)` made the array unique and ran its closure on every element each time.
        if times.contains(where: { $0 <= windowStart }) { times.removeAll { $0 <= windowStart } }
        guard times.count < cap.max else { return false }
        // Room for the cap's showings at once (up to four): grown one at a time, a nudge shown
        // three times was copied twice.
        if times.capacity == 0 { times.reserveCapacity(min(cap.max, 4)) }
        times.append(time)
        return true
    }

    /// Visitors forgotten to make room (``count`` reached `maxVisitors`).
    public var evictions: Int { state.withLock { $0.evictions } }

    /// How many visitors are remembered now.
    public var count: Int { state.withLock { $0.count } }

    /// The visitors remembered, from the most recently seen to the one forgotten next (for tests).
    var visitorsByRecency: [String] { state.withLock { $0.visitorsByRecency } }
}
