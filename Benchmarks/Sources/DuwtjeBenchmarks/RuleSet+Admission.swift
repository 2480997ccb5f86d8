import DuwtjeRules
import DuwtjeStore

extension RuleSet {
    /// What the daemon does per request: evaluate (pure), then admit the nudge against the caps, at
    /// once when the caps can answer from memory, else in a task (as in the daemon: a shared store
    /// answers over the network; memory never waits).
    func evaluate(_ request: EvaluationRequest, caps: MemoryCapStore) async throws -> Answer {
        var answer = try evaluate(request)
        if answer.needsAdmission(for: request), !answer.admitNudgeWithoutWaiting(for: request, caps: caps) {
            await answer.admitNudge(for: request, caps: caps)
        }
        return answer
    }
}
