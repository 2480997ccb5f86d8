import DuwtjeRules
import DuwtjeStore

extension RuleSet {
    /// What the daemon does per request: evaluate (pure), then admit the nudge against the caps.
    func evaluate(_ request: EvaluationRequest, caps: MemoryCapStore) throws -> Answer {
        var answer = try evaluate(request)
        answer.admitNudge(for: request, caps: caps)
        return answer
    }
}
