import DuwtjeRules
import DuwtjeStore

extension RuleSet {
    /// What the daemon does per request: evaluate (pure), then admit the nudge against the caps
    /// (`async`, as in the daemon: a shared store answers over the network; memory never suspends).
    func evaluate(_ request: EvaluationRequest, caps: MemoryCapStore) async throws -> Answer {
        var answer = try evaluate(request)
        await answer.admitNudge(for: request, caps: caps)
        return answer
    }
}
