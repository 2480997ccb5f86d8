import DuwtjeWire
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
        // One deadline sweep and one `Date` header per event loop, made on its loop (a connection
        // lives on one loop).
        typealias Shared = (sweep: DeadlineSweep, date: LoopHTTPDate)
        var shared: [ObjectIdentifier: NIOLoopBound<Shared>] = [:]
        for loop in MultiThreadedEventLoopGroup.singleton.makeIterator() {
            shared[ObjectIdentifier(loop)] = try await loop.submit { () -> NIOLoopBound<Shared> in
                NIOLoopBound((sweep: DeadlineSweep(eventLoop: loop), date: LoopHTTPDate()), eventLoop: loop)
            }.get()
        }
        let perLoop = shared
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Out of file descriptors (EMFILE), accepting pauses a moment instead of failing
                    // in a busy loop (see the handler for why not NIO's AcceptBackoffHandler);
                    // FaultInjectionTests measures the CPU while 200 clients hold 64 descriptors.
                    try channel.pipeline.syncOperations.addHandler(AcceptPauseHandler(logger: logger))
                    // Sets up each connection and holds the bound on open connections: past it,
                    // accepting pauses and clients wait in the backlog.
                    try channel.pipeline.syncOperations.addHandler(ConnectionGate(limit: limits.maxConnections, registry: connections) { child in
                        // Set here, not as a `childChannelOption`: the bootstrap applies those through
                        // a chain of futures, ~9,000 instructions for every connection (callgrind).
                        try child.syncOptions?.setOption(.allowRemoteHalfClosure, value: true)
                        // Every loop of the group has them; ones of its own would do as well, at a timer's cost.
                        let own: Shared = perLoop[ObjectIdentifier(child.eventLoop)]?.value
                            ?? (sweep: DeadlineSweep(eventLoop: child.eventLoop), date: LoopHTTPDate())
                        try child.pipeline.syncOperations.addHandler(
                            LeanHTTPHandler(responder: lean, limits: framing, idleTimeout: limits.idleTimeout,
                                            requestTimeout: limits.requestTimeout, sweep: own.sweep, date: own.date))
                    })
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
