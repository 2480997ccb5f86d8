public import Foundation

/// Where nudge showings are checked and counted: the engine's port, implemented in memory or by a
/// durable store outside the engine. Evaluation never calls it; ``Answer/admitNudge(for:caps:)``
/// does, once per answer.
///
/// `admit` checks and records in one step, so that concurrent requests for the same visitor can
/// never both take the last showing. It is `async` because a shared store answers over the
/// network; an implementation in memory simply returns.
public protocol CapStore: Sendable {
    /// Whether `visitor` may be shown `nudge` at `now` under `cap`; when yes, the showing is counted.
    func admit(visitor: String, nudge: String, cap: Cap, now: Date) async -> Bool

    /// Whether `visitor` dismissed `nudge` and the dismissal still holds at `now` (a `dismiss` event;
    /// rules.md 6, step 7). Checked for every nudge, capped or not. `async` for the same reason as
    /// `admit`: a shared store keeps dismissals where every server sees them.
    func isDismissed(visitor: String, nudge: String, now: Date) async -> Bool

    /// ``admit(visitor:nudge:cap:now:)`` when it can be answered without waiting (from memory);
    /// nil, with nothing counted, when it would have to wait (a read from disk, a round trip to a
    /// shared store). Lets a server finish most answers where it evaluated them, on its event loop,
    /// instead of handing each capped nudge to a task.
    func admitWithoutWaiting(visitor: String, nudge: String, cap: Cap, now: Date) -> Bool?

    /// ``isDismissed(visitor:nudge:now:)`` when it can be answered without waiting, or nil.
    func isDismissedWithoutWaiting(visitor: String, nudge: String, now: Date) -> Bool?

    /// Admission of all of an answer's `count` candidates in one call, in rank order, when it can be
    /// answered without waiting: the rank of the first one not dismissed and either uncapped or
    /// admitted under its cap (that showing counted), -1 when none is; nil when it would have to wait,
    /// with nothing counted. `offer(rank)` is the candidate at `rank` (nil: it has no nudge, skip it);
    /// `id(rank)` its nudge's id, asked for only to compare it (when the hashes match) or to keep it.
    ///
    /// Exactly what asking ``isDismissedWithoutWaiting(visitor:nudge:now:)`` and
    /// ``admitWithoutWaiting(visitor:nudge:cap:now:)`` candidate by candidate answers (the default
    /// does that). One call lets a store find the visitor once for all candidates: in the benchmark
    /// half the admissions pass over a capped candidate, and each call hashed and looked up the
    /// visitor again (~700 instructions a call, issue 15).
    func admitFirstWithoutWaiting(visitor: String, now: Date, count: Int, offer: (Int) -> NudgeOffer?, id: (Int) -> String) -> Int?

    /// A hint, before a request is evaluated, that admission will soon ask about `visitor`: a store
    /// in memory can start loading the visitor's lines then, so that they come in during the
    /// evaluation. Changes nothing; what it returns is handed back to
    /// ``admitFirstWithoutWaiting(visitor:hint:now:count:offer:id:)`` for the same visitor. The
    /// default does nothing and returns ``VisitorHint/none``.
    func prefetch(visitor: String) -> VisitorHint

    /// ``admitFirstWithoutWaiting(visitor:now:count:offer:id:)`` with what
    /// ``prefetch(visitor:)`` returned for this visitor. The default ignores the hint.
    func admitFirstWithoutWaiting(visitor: String, hint: VisitorHint, now: Date, count: Int, offer: (Int) -> NudgeOffer?,
                                  id: (Int) -> String) -> Int?
}

extension CapStore {
    /// Nothing to start loading (a store that asks elsewhere, or one hashing the visitor first).
    public func prefetch(visitor: String) -> VisitorHint { .none }

    public func admitFirstWithoutWaiting(visitor: String, hint: VisitorHint, now: Date, count: Int, offer: (Int) -> NudgeOffer?,
                                         id: (Int) -> String) -> Int? {
        admitFirstWithoutWaiting(visitor: visitor, now: now, count: count, offer: offer, id: id)
    }

    /// A store that always waits (a shared one over the network) answers nothing at once.
    public func admitWithoutWaiting(visitor: String, nudge: String, cap: Cap, now: Date) -> Bool? { nil }
    public func isDismissedWithoutWaiting(visitor: String, nudge: String, now: Date) -> Bool? { nil }

    /// Candidate by candidate, as ``Answer/admitNudge(for:caps:)`` asks.
    public func admitFirstWithoutWaiting(visitor: String, now: Date, count: Int, offer: (Int) -> NudgeOffer?, id: (Int) -> String) -> Int? {
        for rank in 0..<count {
            guard let candidate = offer(rank) else { continue }
            let nudge = id(rank)
            guard let dismissed = isDismissedWithoutWaiting(visitor: visitor, nudge: nudge, now: now) else { return nil }
            if dismissed { continue }
            guard let cap = candidate.cap else { return rank }
            guard let admitted = admitWithoutWaiting(visitor: visitor, nudge: nudge, cap: cap, now: now) else { return nil }
            if admitted { return rank }
        }
        return -1
    }
}
