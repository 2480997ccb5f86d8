import DuwtjeRules
import DuwtjeStore

extension RuleSet {
    /// What the daemon does for one request: the pure evaluation, then the one admission step that
    /// checks and counts nudge caps. Both are timed together, as a request pays for both.
    @inline(__always)
    func answer(_ request: EvaluationRequest, caps: MemoryCapStore) throws(EvaluationError) -> Answer {
        var answer = try evaluate(request)
        answer.admitNudge(for: request, caps: caps)
        return answer
    }
}
