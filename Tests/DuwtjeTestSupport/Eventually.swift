import Foundation
public import Testing

/// The one way a test waits: polls `condition` until it holds or the deadline passes, and records an
/// issue naming `what` when it never held. Returns whether it held, so a caller can stop early.
///
/// The default deadline is generous because it only matters when something is broken: every suite
/// runs in one process, and the loader's and `duwtje diff`'s `concurrentPerform` in the heavy engine
/// tests takes Dispatch's default-QoS threads, the very threads Swift's global executor runs tasks
/// on (gdb in a full run: both busy in `RuleSetDiff` and `TreeBuilder`). A task could then wait 15 s
/// for a thread on a loaded machine, and a commit that was never started looked like one that hung.
@discardableResult
public func eventually(_ what: String = "condition", within seconds: Double = 60,
                       sourceLocation: SourceLocation = #_sourceLocation,
                       _ condition: () async throws -> Bool) async throws -> Bool {
    if try await poll(within: seconds, condition) { return true }
    Issue.record("\(what) did not hold within \(seconds)s", sourceLocation: sourceLocation)
    return false
}

/// Polls `condition` until it holds (true) or `seconds` pass (false), recording nothing: for callers
/// that handle the timeout themselves.
///
/// The only pause in the test targets is the short interval between two polls here; no test waits a
/// fixed time and then assumes something has (or has not) happened.
public func poll(within seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1_000))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}
