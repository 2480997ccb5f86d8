import Foundation
import Logging
import Synchronization

/// Whether the shared database answers, changed by whatever notices first (an admission, a flush,
/// the heartbeat) and logged once per change of state, never per request.
final class PostgresHealth: Sendable {
    struct State {
        var degradedSince: Date?
        var reason: String?
        /// The schema is migrated and the key checked (at start, or once the database came back).
        var prepared = false
        /// Set when the database was used with another key: the store stays degraded until restart.
        var keyMismatch: String?
    }

    let state = Mutex(State())
    let logger: Logger
    let observer: Mutex<(@Sendable (Bool) -> Void)?> = Mutex(nil)

    init(logger: Logger) {
        self.logger = logger
    }

    var isDegraded: Bool { state.withLock { $0.degradedSince != nil } }

    func markDegraded(_ reason: String) {
        let changed = state.withLock { state -> Bool in
            guard state.degradedSince == nil else { return false }
            state.degradedSince = Date()
            state.reason = reason
            return true
        }
        guard changed else { return }
        logger.warning("store degraded: caps from this server's memory, events refused with 503 until PostgreSQL answers",
                       metadata: ["reason": "\(reason)"])
        observer.withLock { $0 }?(true)
    }

    func markHealthy() {
        let changed = state.withLock { state -> Bool in
            guard state.degradedSince != nil, state.keyMismatch == nil else { return false }
            state.degradedSince = nil
            state.reason = nil
            return true
        }
        guard changed else { return }
        logger.notice("store healthy again: caps and events in PostgreSQL")
        observer.withLock { $0 }?(false)
    }
}

/// Runs `body` for at most `limit`: returns its result, or throws ``TimedOut`` (and cancels it)
/// when it takes longer. Returns at the limit even when `body` ignores cancellation (a query on a
/// connection that hangs), which a task group would not.
func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let pending = PendingResult<T>()
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        pending.slot.withLock { $0 = continuation }
        let timer = Task {
            try? await Task.sleep(for: limit)
            guard !Task.isCancelled else { return }
            pending.slot.withLock { $0.take() }?.resume(throwing: TimedOut(limit: limit))
        }
        Task {
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            timer.cancel()
            pending.slot.withLock { $0.take() }?.resume(with: result)
        }
    }
}

/// The continuation of ``withDeadline(_:_:)``, resumed once by whichever comes first.
final class PendingResult<T: Sendable>: Sendable {
    let slot = Mutex<CheckedContinuation<T, any Error>?>(nil)
}

struct TimedOut: Error, CustomStringConvertible {
    var limit: Duration
    var description: String { "no answer within \(limit)" }
}
