import DuwtjeRules
public import Foundation
import Synchronization

/// The daemon's shared, mutable state: the snapshot requests are answered from and the history of
/// reloads. A `Mutex` rather than an actor so that reading the snapshot costs one lock, not a hop.
public final class DaemonState: Sendable {
    struct Storage {
        var snapshot: ServingSnapshot
        var lastReload: ReloadReport?
        var reloadsOK = 0
        var reloadsFailed = 0
        var draining = false
    }

    private let storage: Mutex<Storage>
    public let startedAt: Date
    /// Told about each snapshot installed by a reload (the store records the version served).
    private let installObservers: Mutex<[@Sendable (ServingSnapshot) -> Void]> = Mutex([])

    public init(_ snapshot: ServingSnapshot, startedAt: Date = Date()) {
        storage = Mutex(Storage(snapshot: snapshot))
        self.startedAt = startedAt
    }

    /// The snapshot to answer one request from; read it once per request.
    public var snapshot: ServingSnapshot { storage.withLock { $0.snapshot } }

    /// Swaps in a new snapshot in one step and records the reload.
    public func install(_ snapshot: ServingSnapshot, report: ReloadReport) {
        storage.withLock {
            $0.snapshot = snapshot
            $0.lastReload = report
            $0.reloadsOK += 1
        }
        for observer in installObservers.withLock({ $0 }) { observer(snapshot) }
    }

    /// Calls `observer` after each install.
    public func onInstall(_ observer: @escaping @Sendable (ServingSnapshot) -> Void) {
        installObservers.withLock { $0.append(observer) }
    }

    /// Records a failed reload; the snapshot stays as it was.
    public func recordFailure(_ report: ReloadReport) {
        storage.withLock {
            $0.lastReload = report
            $0.reloadsFailed += 1
        }
    }

    /// Graceful shutdown has begun (SIGTERM/SIGINT): `/readyz` answers 503 from now on, so a load
    /// balancer or monitor stops sending work while the requests in flight finish.
    public func beginDraining() {
        storage.withLock { $0.draining = true }
    }

    public var isDraining: Bool { storage.withLock { $0.draining } }

    /// The last reload and the reload counts, read together.
    public var reloads: (last: ReloadReport?, ok: Int, failed: Int) {
        storage.withLock { ($0.lastReload, $0.reloadsOK, $0.reloadsFailed) }
    }
}
