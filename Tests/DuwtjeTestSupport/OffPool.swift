import Foundation

/// Runs blocking `body` (waiting for a child process, reading its pipe to the end) on a thread of
/// its own and awaits it.
///
/// Every suite of every test target runs in one process, on Swift's cooperative pool: one thread
/// per core, two on these machines and in CI. A test that waits for `duwtje check` or `pg_ctl start`
/// right on that pool holds a thread for seconds; two such tests stall every other test, whose
/// deadlines then pass without their conditions ever being checked (seen under load: "the first
/// commit is held did not hold within 15.0s" for a commit that was never given a thread to start).
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}
