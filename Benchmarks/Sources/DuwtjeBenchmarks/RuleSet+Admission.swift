import DuwtjeRules
import DuwtjeStore

extension RuleSet {
    /// What the daemon does per request: evaluate (pure), then admit the nudge against the caps, at
    /// once when the caps can answer from memory, else in a task (as in the daemon: a shared store
    /// answers over the network; memory never waits). As the daemon, tells the caps the visitor
    /// first (``CapStore/prefetch(visitor:)``), so that its lines come in during the evaluation.
    func evaluate(_ request: EvaluationRequest, caps: MemoryCapStore) async throws -> Answer {
        let hint = request.visitor.map { caps.prefetch(visitor: $0) } ?? .none
        var answer = try evaluate(request)
        if answer.needsAdmission(for: request), !answer.admitNudgeWithoutWaiting(for: request, caps: caps, hint: hint) {
            await answer.admitNudge(for: request, caps: caps)
        }
        return answer
    }

    /// ``evaluate(_:caps:)`` for a caller that only counts the recommendations, as the daemon writes
    /// the answer where it evaluated it: the answer is not returned, so it is neither copied on the
    /// way out nor destroyed twice (with ``evaluate(_:caps:)`` that was ~270 instructions of the
    /// per-evaluation figure, none of it the daemon's).
    func recommendationCount(for request: EvaluationRequest, caps: MemoryCapStore) async throws -> Int {
        let hint = request.visitor.map { caps.prefetch(visitor: $0) } ?? .none
        var answer = try evaluate(request)
        if answer.needsAdmission(for: request), !answer.admitNudgeWithoutWaiting(for: request, caps: caps, hint: hint) {
            await answer.admitNudge(for: request, caps: caps)
        }
        return answer.recommendationCount
    }
}
