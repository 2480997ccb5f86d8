import DuwtjeWire
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The lean HTTP/1.1 transport on the Unix socket (issue 14): SwiftNIO with a framing handler of
/// its own (``LeanHTTPHandler``) instead of NIOHTTP1 and Hummingbird's per-request tasks, the
/// same handler logic behind it (``LeanResponder`` → ``DaemonResponder``).
///
/// A service of the daemon's `ServiceGroup` like Hummingbird's `Application`: it binds, calls
/// `onServerRunning`, and serves until a graceful shutdown (SIGTERM), when it stops accepting,
/// lets every connection finish the request it is in (idle ones close at once; answers in flight
/// carry `Connection: close`) and returns once the last one has closed.
struct LeanHTTPServer: Service {
    let socketPath: String
    let responder: DaemonResponder
    let limits: DaemonConfiguration.Limits
    let logger: Logger
    let onServerRunning: @Sendable () async -> Void

    func run() async throws {
        let connections = ConnectionRegistry()
        let lean = LeanResponder(responder: responder)
        let limits = self.limits
        let logger = self.logger
        let framing = HTTPRequestFramer.Limits(maxHeaderBytes: limits.maxHeaderBytes, maxHeaderCount: limits.maxHeaderCount)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Out of file descriptors (EMFILE), accepting pauses a moment instead of failing
                    // in a busy loop (see the handler for why not NIO's AcceptBackoffHandler);
                    // FaultInjectionTests measures the CPU while 200 clients hold 64 descriptors.
                    try channel.pipeline.syncOperations.addHandler(AcceptPauseHandler(logger: logger))
                    // The bound on open connections: past it, accepting pauses and clients wait in the backlog.
                    try channel.pipeline.syncOperations.addHandler(AvailableConnectionsChannelHandler(
                        delegate: MaximumAvailableConnections(limits.maxConnections, logger: logger)))
                }
            }
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Set here, not as a `childChannelOption`: the bootstrap applies those through
                    // a chain of futures, ~9,000 instructions for every connection (callgrind,
                    // `NEW_CONNECTION=1 server-instructions.sh`), where this is one call.
                    try channel.syncOptions?.setOption(.allowRemoteHalfClosure, value: true)
                    try channel.pipeline.syncOperations.addHandler(
                        LeanHTTPHandler(responder: lean, limits: framing, idleTimeout: limits.idleTimeout,
                                        requestTimeout: limits.requestTimeout))
                    connections.opened(channel)
                }
            }
            .bind(unixDomainSocketPath: socketPath)
            .get()
        await onServerRunning()
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await server.closeFuture.get()
            } onGracefulShutdown: {
                server.close(promise: nil)
                connections.quiesce()
            }
            connections.quiesce()  // also when the listener closed by itself
            await connections.allClosed()
        } onCancel: {
            server.close(promise: nil)
            connections.closeAll()
        }
    }
}

/// The open connections of a ``LeanHTTPServer``, for its graceful shutdown.
final class ConnectionRegistry: Sendable {
    struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var quiescing = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    let state = Mutex(State())

    /// Called on the channel's event loop once its handlers are in place.
    func opened(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let quiescing = state.withLock { state in
            state.channels[id] = channel
            return state.quiescing
        }
        channel.closeFuture.whenComplete { _ in self.closed(id) }
        if quiescing { channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent()) }
    }

    func closed(_ id: ObjectIdentifier) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.channels[id] = nil
            guard state.channels.isEmpty, state.quiescing else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Asks every connection to close once its current request is answered.
    func quiesce() {
        let channels = state.withLock { state in
            state.quiescing = true
            return Array(state.channels.values)
        }
        for channel in channels { channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent()) }
    }

    func closeAll() {
        let channels = state.withLock { state in
            state.quiescing = true
            return Array(state.channels.values)
        }
        for channel in channels { channel.close(promise: nil) }
    }

    /// Returns once the registry is quiescing and every connection has closed.
    func allClosed() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                guard state.channels.isEmpty, state.quiescing else {
                    state.waiters.append(waiter)
                    return false
                }
                return true
            }
            if done { waiter.resume() }
        }
    }
}
