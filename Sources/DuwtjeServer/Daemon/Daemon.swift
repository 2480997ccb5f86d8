#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DuwtjeRules
public import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import UnixSignals
import DuwtjeStore
import DuwtjeWire

/// The daemon: loads rules, claims the socket, serves until SIGTERM/SIGINT, reloads on SIGHUP.
///
/// The start-up order matters and is this:
/// 1. SIGHUP is ignored from the process's first instruction (``ignoreHangUpUntilTrapped()``) and
///    trapped before anything is read: its default action would kill the daemon, and an operator's
///    `systemctl reload` may come at any moment. A SIGHUP during the first load is queued and
///    reloads once as soon as the daemon serves;
/// 2. configuration and rules load (a failure refuses to start; nothing is created);
/// 3. the socket is claimed (``SocketFile``: lock, liveness probe), then the store opened (its own
///    modes, 0700/0600), then the umask narrowed (``SocketFile/willBind()``) just before the
///    listeners start, and the socket bound and listening (umask restored);
/// 4. only then `READY=1` goes to systemd.
/// On SIGTERM/SIGINT the reloader marks the daemon draining (`/readyz` 503), the socket stops
/// accepting and lets requests in flight finish, the diagnostics listener (when configured) closes
/// last, and the socket file is removed.
public struct Daemon: Sendable {
    public let options: DaemonOptions
    public let environment: [String: String]

    public init(options: DaemonOptions, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.options = options
        self.environment = environment
    }

    /// Runs until a clean stop; throws only for start-up failures (one line each, see ``DaemonError``).
    public func run() async throws(DaemonError) {
        let options = self.options
        // Trapped first: a SIGHUP from here on is queued for the reloader, not lost nor fatal.
        let signals = await UnixSignalsSequence(trapping: .sighup)
        let configuration = try options.loadConfiguration()
        let logger = DaemonLogHandler.logger(level: configuration.logLevel, format: configuration.logFormat)
        let metrics = DaemonMetrics()
        MallocTuning.trimArenasEagerly()
        // Only the state holds the first snapshot: a closure below that kept it (for its version)
        // kept the first rule set in memory for the daemon's lifetime, beside every later one.
        let state = try Self.loadFirst(configuration, metrics: metrics, logger: logger)
        let firstVersion = state.snapshot.ruleSet.version
        let firstRuleCount = state.snapshot.counts.rules
        let notifier = SystemdNotifier(environment: environment)

        let socket = try SocketFile.claim(configuration.socket)
        let store: any Store
        do throws(DaemonError) {
            store = try await Self.openStore(configuration, state: state, metrics: metrics, threadPool: .singleton,
                                             logger: logger)
        } catch {
            socket.abandon()
            socket.remove()
            throw error
        }
        let startup = StartupOutcome()

        let responder = DaemonResponder(state: state, metrics: metrics, logger: logger, store: store)
        let limits = configuration.limits
        let channelConfiguration = HTTP1Channel.Configuration(
            idleTimeout: TimeAmount(limits.idleTimeout),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: limits.maxHeaderBytes, maxHeaderListSize: limits.maxHeaderBytes,
                                            maxHeaderFieldCount: limits.maxHeaderCount))
        let server = HTTPServerBuilder { responder in
            GuardedHTTP1Channel(inner: HTTP1Channel(responder: responder, configuration: channelConfiguration),
                                requestTimeout: limits.requestTimeout)
        }
        let serving: @Sendable () async -> Void = {
            do throws(DaemonError) {
                try socket.didBind()
            } catch {
                logger.critical("\(error.description)")
                await startup.fail(error)
                return
            }
            await startup.succeed()
            notifier.ready(status: "serving \(firstVersion)")
            logger.info("listening", metadata: [
                "socket": "\(configuration.socket.path)", "mode": "\(configuration.socketModeText)",
                "ruleset": "\(firstVersion)", "rules": "\(firstRuleCount)", "event_loops": "\(NIOSingletons.groupLoopCountSuggestion)",
            ])
        }
        let application: any Service
        switch options.transport {
        case .lean:
            application = LeanHTTPServer(socketPath: configuration.socket.path, responder: responder, limits: limits,
                                         logger: logger, onServerRunning: serving)
        case .hummingbird:
            application = Application(
                responder: responder, server: server,
                configuration: ApplicationConfiguration(
                    address: .unixDomainSocket(path: configuration.socket.path), serverName: nil, backlog: 256, reuseAddress: false,
                    availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections, logger: logger)),
                onServerRunning: { _ in await serving() },
                eventLoopGroupProvider: .singleton, logger: logger)
        }
        let reloader = ReloadService(loadConfiguration: { () throws(DaemonError) in try options.loadConfiguration() },
                                     state: state, metrics: metrics, notifier: notifier, logger: logger, signals: signals)
        // Shut down last first: the reloader marks the daemon draining (/readyz 503), the socket
        // stops accepting and finishes its requests, the diagnostics listener goes next, so a
        // monitor sees the drain, and the store's services (PostgreSQL's client) go last.
        var services: [any Service] = [application, reloader]
        if let address = configuration.diagnostics.listen {
            let diagnostics = Application(
                responder: responder.only(Endpoint.diagnostics), server: server,
                configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port), serverName: nil,
                                                        reuseAddress: true),
                onServerRunning: { _ in logger.info("diagnostics listening", metadata: ["address": "\(address)"]) },
                eventLoopGroupProvider: .singleton, logger: logger)
            services.insert(DiagnosticsListener(application: diagnostics, address: address), at: 0)
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: store.services + services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        await startup.attach(group)

        var failure: DaemonError?
        socket.willBind()
        do {
            try await group.run()
        } catch {
            failure = await startup.failure ?? (error as? DaemonError) ?? .bind(path: configuration.socket.path, reason: Self.reason(error))
        }
        if let early = await startup.failure { failure = early }
        // A reload SIGTERM abandoned is cancelled and ends within milliseconds; let it, rather
        // than exit under its parse (bounded: a stop never waits on a load).
        if await !reloader.finishAbandonedReload(within: .seconds(2)) {
            logger.warning("stopping while an abandoned reload still runs")
        }
        await store.close()
        socket.abandon()
        socket.remove()
        if let failure { throw failure }
        logger.info("stopped", metadata: ["socket": "\(configuration.socket.path)"])
    }

    /// Loads the first rule set into a new state, then gives the load's garbage back to the
    /// kernel (``MallocTuning/returnFreeMemory()``): the loader's trees are freed by now.
    static func loadFirst(_ configuration: DaemonConfiguration, metrics: DaemonMetrics,
                          logger: Logger) throws(DaemonError) -> DaemonState {
        // Built on the loader thread whose turn it is, as every reload is (``LoaderThreads``): built
        // on this thread (an event loop's), the first set left ~1.5 MiB resident in its arena once
        // it was replaced, pages the event loop's own allocations keep from the trim.
        let load: @Sendable (LoadWorkers?) throws(DaemonError) -> ServingSnapshot = { workers throws(DaemonError) in
            try ServingSnapshot.load(configuration, workers: workers)
        }
        let snapshot = try (LoaderThreads.shared.run { workers in Result { () throws(DaemonError) in try load(workers) } }
            ?? Result { () throws(DaemonError) in try load(nil) }).get()
        for warning in snapshot.warnings {
            logger.debug("\(warning.formatted(directory: configuration.rules))")
        }
        metrics.loaded(snapshot, reload: false)
        let state = DaemonState(snapshot)
        MallocTuning.returnFreeMemory()
        return state
    }

    /// Makes SIGHUP harmless until ``run()`` traps it: its default action ends the process, and
    /// the first rule load can take seconds. Call it first thing in `main` (a signal that arrives
    /// before this is beyond any program's reach).
    public static func ignoreHangUpUntilTrapped() {
        signal(SIGHUP, SIG_IGN)
    }

    /// NIO's errors, in words for an operator.
    static func reason(_ error: any Error) -> String {
        let text = "\(error)"
        if let io = error as? IOError { return io.description }
        return text
    }
}

extension Daemon {
    /// Runs Swift concurrency's jobs on NIO's event loops instead of a pool of its own; call first
    /// thing in `main`, before any task runs, and only for `serve`.
    ///
    /// Every request otherwise hops threads twice (event loop → cooperative pool for the
    /// responder → event loop for the write), which on a 2-core machine cost more CPU than the
    /// responder itself (context switches and wake-ups were ~20 % of the daemon's samples under
    /// load). Safe here because nothing on a task blocks: reloads, store commits and report queries
    /// run on `NIOThreadPool.singleton` (``ReloadService/reloadOffThePool(trigger:)``, ``SQLiteStore``),
    /// and `/v1/status` reads the store's state from memory. Returns false when it could not be installed.
    ///
    /// It also sizes the event loop group by the CPUs this process may run on (its affinity mask,
    /// so `taskset` and systemd's `CPUAffinity=` count): NIO counts the machine's CPUs, and two
    /// loops time-sliced on one CPU add a scheduler quantum (~4 ms) to every unlucky request.
    @discardableResult
    public static func runTasksOnEventLoops() -> Bool {
        // Compared with System.coreCount: reading the suggestion would fix it before it is set.
        // An operator's NIO_SINGLETON_GROUP_LOOP_COUNT wins, as SwiftNIO documents it.
        if getenv("NIO_SINGLETON_GROUP_LOOP_COUNT") == nil, let allowed = allowedCPUCount(), allowed > 0,
           allowed < System.coreCount {
            NIOSingletons.groupLoopCountSuggestion = allowed
        }
        // The one pool for blocking work (`NIOThreadPool.singleton`: the store's writer, reloads,
        // report queries, Hummingbird's file I/O) is as wide as the CPUs by default: two here. The
        // writer and a reload each take at most one thread at a time; with four, a commit (and its
        // 202s) waits for a thread only while more than two report queries run at once.
        NIOSingletons.blockingPoolThreadCountSuggestion = max(4, System.coreCount)
        return NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}

extension Daemon {
    /// The CPUs in this process's affinity mask (`Cpus_allowed` in `/proc/self/status`), or nil
    /// where there is no such file. `sched_getaffinity` itself is not visible from Swift's Glibc.
    static func allowedCPUCount() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        return allowedCPUCount(status: status)
    }

    /// The CPUs in a `/proc/PID/status` text's `Cpus_allowed` mask (hex, in 32-bit groups split by commas).
    static func allowedCPUCount(status: String) -> Int? {
        for line in status.split(separator: "\n") where line.hasPrefix("Cpus_allowed:") {
            let mask = line.dropFirst("Cpus_allowed:".count)
            var count = 0
            for character in mask {
                guard let nibble = character.hexDigitValue else { continue }
                count += nibble.nonzeroBitCount
            }
            return count
        }
        return nil
    }
}
