import NIOCore

/// The listening socket's last handler of ours: sets up every accepted connection and holds the
/// bound on open connections (`limits.max_connections`): past it, the listening socket is not read,
/// and clients wait in the kernel's backlog until a connection closes.
///
/// It does what HummingbirdCore's `AvailableConnectionsChannelHandler` and the bootstrap's child
/// initializer did, with less per connection (a PHP site opens one per page view): the handlers are
/// added in a plain call instead of a future, one callback on the close future counts the connection
/// closed and takes it out of the ``ConnectionRegistry``, where there were two, and the count is not
/// hopped back through a future when the connection lives on the same event loop (callgrind,
/// `NEW_CONNECTION=1 Benchmarks/Scripts/server-instructions.sh`; see Benchmarks/README.md).
final class ConnectionGate: ChannelDuplexHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel
    typealias OutboundIn = Never
    typealias OutboundOut = Never

    private let limit: Int
    private let registry: ConnectionRegistry
    /// Adds a connection's handlers; runs on the connection's event loop, before it is registered.
    private let setUp: @Sendable (any Channel) throws -> Void
    /// Connections accepted and not yet closed.
    private var open = 0
    /// A `read` of the listening socket held back at the bound, to be passed on once below it.
    private var readHeld = false

    init(limit: Int, registry: ConnectionRegistry, setUp: @escaping @Sendable (any Channel) throws -> Void) {
        self.limit = limit
        self.registry = registry
        self.setUp = setUp
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let channel = Self.unwrapInboundIn(data)
        open += 1
        let gateLoop = context.eventLoop
        let gate = NIOLoopBound((self, context), eventLoop: gateLoop)
        let onClose: @Sendable () -> Void = {
            if gateLoop.inEventLoop {
                gate.value.0.closed(context: gate.value.1)
            } else {
                gateLoop.execute { gate.value.0.closed(context: gate.value.1) }
            }
        }
        let setUp = self.setUp
        let registry = self.registry
        let install: @Sendable () -> Void = {
            do {
                try setUp(channel)
            } catch {
                // Not counted as open: the bootstrap's registration then fails on the closed channel.
                channel.close(promise: nil)
                return onClose()
            }
            registry.opened(channel, onClose: onClose)
        }
        // The bootstrap registers the connection with a task on its event loop once this read has
        // passed: queued after `install`, so the handlers are in place first.
        if channel.eventLoop === gateLoop {
            install()
        } else {
            channel.eventLoop.execute(install)
        }
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        guard open < limit else {
            readHeld = true
            return
        }
        context.read()
    }

    private func closed(context: ChannelHandlerContext) {
        open -= 1
        if readHeld, open < limit {
            readHeld = false
            context.read()
        }
    }
}
