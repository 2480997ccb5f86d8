public import DuwtjeRules
import Dispatch
import Foundation
public import NIOPosix
import Synchronization
public import Logging
public import ServiceLifecycle
public import UnixSignals

/// What asked for a reload.
public enum ReloadTrigger: String, Sendable {
    /// SIGHUP, from `kill -HUP` or `systemctl reload`.
    case sighup
    /// A caller inside the process (tests).
    case manual
}

/// Reloads configuration and rules when asked, away from the request path, and swaps the served
/// snapshot in one step when everything loads.
///
/// Modelled on swift-configuration's `ReloadingFileProvider`: ``run()`` turns SIGHUP into
/// triggers and hands them to ``run(triggers:)``, which tests feed from an `AsyncStream` without
/// sending a real signal. Triggers that arrive while a reload runs are coalesced into one more
/// reload (which reads the files as they are after the last signal, so no change is missed).
/// A failed reload keeps the old snapshot, logs every error with its place, counts it in the
/// metrics and shows it in `/v1/status`; the next trigger tries again from scratch, so a valid
/// reload right after a failed one works.
public final class ReloadService: Service, Sendable {
    let loadConfiguration: @Sendable () throws(DaemonError) -> DaemonConfiguration
    let state: DaemonState
    let metrics: DaemonMetrics
    let notifier: SystemdNotifier
    let logger: Logger
    /// The SIGHUP source, created (and so trapped) before the socket accepts; nil in tests.
    let signals: UnixSignalsSequence?
    /// The settings the daemon started with: restart-only settings keep these values.
    let running: DaemonConfiguration
    /// Cancelled when graceful shutdown begins: a reload still loading then is abandoned (its result
    /// is never installed) and its parse stops at the next YAML event, so that SIGTERM does not wait
    /// seconds for rules nobody will be served, nor leave a parse running while the process exits.
    let stopping = LoadCancellation()
    /// Entered while a reload runs on ``threadPool``, so that the daemon can let an abandoned one
    /// end before it exits (``finishAbandonedReload(within:)``).
    let inFlight = DispatchGroup()
    /// The daemon's one pool for blocking work, where the reload reads, parses and compiles.
    let threadPool: NIOThreadPool

    public init(loadConfiguration: @escaping @Sendable () throws(DaemonError) -> DaemonConfiguration, state: DaemonState,
                metrics: DaemonMetrics, notifier: SystemdNotifier, logger: Logger, signals: UnixSignalsSequence?,
                threadPool: NIOThreadPool = .singleton) {
        self.threadPool = threadPool
        self.loadConfiguration = loadConfiguration
        self.state = state
        self.metrics = metrics
        self.notifier = notifier
        self.logger = logger
        self.signals = signals
        self.running = state.snapshot.configuration
    }

    /// Reloads on every SIGHUP until graceful shutdown; when that begins, marks the state draining
    /// (`/readyz` 503) and tells systemd `STOPPING=1`. (The service group shuts services down last
    /// first, and this one is listed after the listeners, so it hears of the shutdown before they stop.)
    public func run() async throws {
        let (triggers, continuation) = AsyncStream.makeStream(of: ReloadTrigger.self)
        let signals = self.signals
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    if let signals {
                        for await _ in signals { continuation.yield(.sighup) }
                    }
                }
                await self.run(triggers: triggers)
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.stopping.cancel()
            self.state.beginDraining()
            self.notifier.stopping()
            continuation.finish()
        }
    }

    /// Reloads once per trigger, coalescing triggers that arrive during a reload, until the
    /// sequence ends or graceful shutdown begins.
    public func run<Triggers: AsyncSequence & Sendable>(triggers: Triggers) async where Triggers.Element == ReloadTrigger {
        let (pending, continuation) = AsyncStream.makeStream(of: ReloadTrigger.self, bufferingPolicy: .bufferingNewest(1))
        await withDiscardingTaskGroup { group in
            group.addTask {
                do {
                    for try await trigger in triggers { continuation.yield(trigger) }
                } catch {}
                continuation.finish()
            }
            for await trigger in pending.cancelOnGracefulShutdown() {
                await reloadOffThePool(trigger: trigger)
            }
            group.cancelAll()
        }
    }

    /// ``reload(trigger:)`` on ``threadPool``, the daemon's one pool for blocking work (as Hummingbird's
    /// file I/O and the store's commits and report queries), awaited without holding an event loop.
    ///
    /// Run on a task instead, a reload holds a thread of Swift's cooperative pool for as long as
    /// the load takes (a second or more at 10,000 rules); `serve` runs tasks on the event loops,
    /// as many as the CPUs (one under `taskset -c 1`), so every request waiting for that loop stalls.
    /// Measured with `Benchmarks/Scripts/compare.sh`: SIGHUPs every 100 ms stopped the daemon
    /// answering for seconds at a time. Reloads never overlap (``run(triggers:)`` awaits each), so
    /// a reload takes at most one of the pool's threads.
    ///
    /// Returns nil at once when graceful shutdown begins while the reload runs: the load goes on
    /// on its queue but is not installed, and the daemon stops without waiting for it.
    @discardableResult
    public func reloadOffThePool(trigger: ReloadTrigger) async -> ReloadReport? {
        let waiter = Mutex<CheckedContinuation<ReloadReport?, Never>?>(nil)
        return await withGracefulShutdownHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<ReloadReport?, Never>) in
                waiter.withLock { $0 = continuation }
                inFlight.enter()
                // `submit` runs the work even on a pool that is stopping (as cancelled): the waiter is resumed either way.
                threadPool.submit { _ in
                    // Built on the loader thread whose turn it is (see ``LoaderThreads``): in the
                    // arena the set before last used, not in the gaps of the set it replaces.
                    let report = LoaderThreads.shared.run { workers in self.reload(trigger: trigger, workers: workers) }
                    waiter.withLock { $0.take() }?.resume(returning: report)
                    // The previous rule set (unless a request still reads it) and the load's trees are freed by now.
                    let trim = ContinuousClock().measure {
                        LoaderThreads.shared.renewThreadCaches()
                        MallocTuning.returnFreeMemory()
                    }
                    self.logger.debug("returned free memory to the kernel", metadata: [
                        "ms": "\(Double(trim.components.seconds) * 1e3 + Double(trim.components.attoseconds) / 1e15)",
                    ])
                    self.inFlight.leave()
                }
            }
        } onGracefulShutdown: {
            self.stopping.cancel()
            waiter.withLock { $0.take() }?.resume(returning: nil)
        }
    }

    /// Waits, at most `limit`, for a reload abandoned at shutdown to end; returns whether none runs
    /// any more. The daemon calls it after its services stopped and before it exits.
    ///
    /// Cancelled by ``stopping``, the abandoned reload ends within one YAML event (or one phase of
    /// the compile): milliseconds. Exiting under it instead would cut a parse off mid-tree, which
    /// LeakSanitizer reported as leaks of the tree builder's arrays (docs/api.md, "Checked: the
    /// suite under sanitizers"). The wait is bounded so a stop never hangs on a load.
    /// The blocking wait runs on ``threadPool``, never on an event loop.
    public func finishAbandonedReload(within limit: Duration) async -> Bool {
        let inFlight = self.inFlight
        let seconds = Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18
        let result = try? await threadPool.runIfActive {
            inFlight.wait(timeout: .now() + seconds) == .success
        }
        return result ?? false
    }

    /// One reload: load and validate everything, then swap or keep. Never throws: a failure is
    /// reported, and the daemon goes on serving what it had.
    @discardableResult
    ///
    /// `workers`: the loader thread's own (``LoaderThreads``), which the load hands side work to.
    public func reload(trigger: ReloadTrigger, workers: LoadWorkers? = nil) -> ReloadReport {
        notifier.reloading()
        let started = ContinuousClock.now
        let current = state.snapshot
        var report = ReloadReport(at: Date(), trigger: trigger.rawValue, result: .ok, serving: current.ruleSet.version,
                                  errors: [], directory: nil, message: nil, duration: .zero, pendingRestart: [])
        do {
            let loaded = try loadConfiguration()
            let configuration = loaded.keepingRestartOnlySettings(of: running)
            let snapshot = try ServingSnapshot.load(configuration, cancellation: stopping, workers: workers)
            report.pendingRestart = loaded.restartOnlyDifferences(from: running)
            report.serving = snapshot.ruleSet.version
            report.duration = ContinuousClock.now - started
            guard !stopping.isCancelled else {
                logger.info("reload abandoned: the daemon is stopping", metadata: ["ruleset": "\(snapshot.ruleSet.version)"])
                return report
            }
            state.install(snapshot, report: report)
            metrics.loaded(snapshot, reload: true)
            logger.info("reloaded rules", metadata: [
                "ruleset": "\(snapshot.ruleSet.version)", "previous": "\(current.ruleSet.version)",
                "rules": "\(snapshot.counts.rules)", "warnings": "\(snapshot.warnings.count)", "trigger": "\(trigger.rawValue)",
            ])
            if !report.pendingRestart.isEmpty {
                logger.warning("changed settings take effect on restart",
                               metadata: ["settings": "\(report.pendingRestart.joined(separator: ","))"])
            }
        } catch {
            // A load cancelled because the daemon stops is abandoned, not failed: nothing to report.
            guard !stopping.isCancelled else {
                logger.info("reload abandoned: the daemon is stopping")
                return report
            }
            report.result = .failed
            report.errors = error.diagnostics
            if case .rules(let directory, _) = error { report.directory = directory }
            report.message = error.description
            report.duration = ContinuousClock.now - started
            for diagnostic in report.errors {
                logger.error("\(diagnostic.formatted(directory: report.directory))")
            }
            logger.error("reload refused; still serving the previous rule set",
                         metadata: ["ruleset": "\(current.ruleSet.version)", "reason": "\(error.description)",
                                    "errors": "\(max(1, report.errors.count))"])
            state.recordFailure(report)
            metrics.reloadFailed(errors: max(1, report.errors.count))
        }
        notifier.ready(status: report.result == .ok ? "serving \(report.serving)"
                       : "reload failed (\(max(1, report.errors.count)) errors); serving \(report.serving)")
        return report
    }
}

extension DaemonConfiguration {
    /// These settings with the restart-only ones (socket, connection limits, caps, logging) taken
    /// from `running`, because a reload cannot apply them.
    public func keepingRestartOnlySettings(of running: DaemonConfiguration) -> DaemonConfiguration {
        var result = self
        result.socket = running.socket
        result.limits.idleTimeout = running.limits.idleTimeout
        result.limits.requestTimeout = running.limits.requestTimeout
        result.limits.maxHeaderBytes = running.limits.maxHeaderBytes
        result.limits.maxHeaderCount = running.limits.maxHeaderCount
        result.limits.maxConnections = running.limits.maxConnections
        result.maxVisitors = running.maxVisitors
        result.store = running.store
        result.logLevel = running.logLevel
        result.logFormat = running.logFormat
        return result
    }
}
