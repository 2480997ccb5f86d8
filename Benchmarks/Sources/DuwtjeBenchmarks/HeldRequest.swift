import DuwtjeRules

/// A request of the profile loop's mix, held in a class of its own: read as `held.request` (a `let`
/// of a final class, which nothing can change while it is lent), it is passed to the evaluation
/// where it is, as the daemon passes the request it decoded (a local `let`, never copied before the
/// answer is written).
///
/// Read from an array of requests (`requests[index]`, or through its buffer) it was copied first
/// and the copy destroyed after (`EvaluationRequest`'s value witnesses, ~280 instructions an
/// evaluation counted by callgrind): the harness's own, not the daemon's (issue 15, branch admit12).
final class HeldRequest: Sendable {
    let request: EvaluationRequest

    init(_ request: EvaluationRequest) {
        self.request = request
    }
}
