import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Out of file descriptors, the listening socket stops being watched for a moment instead of
/// failing `accept` in a busy loop.
///
/// SwiftNIO's `AcceptBackoffHandler` delays only the *next* `read()`. After a failed `accept` the
/// server channel's read is still pending, so the channel stays registered for readability; the
/// waiting connection makes `epoll_wait` return at once, `accept4` fails with `EMFILE` again, and
/// so on: with 64 descriptors and 200 clients the daemon used a whole core for about 4,000 failed
/// `accept4` calls a second (strace, debug build). Turning `autoRead` off unregisters the socket;
/// turning it on again after `pause` watches it again. No connection past the bound on open
/// connections can slip in on resuming: an accept only fails while a read is pending, that is
/// while under the bound, and during the pause connections can only close.
final class AcceptPauseHandler: ChannelInboundHandler {
    typealias InboundIn = Channel
    typealias InboundOut = Channel

    private let pause: TimeAmount
    private let logger: Logger
    private var resumption: Scheduled<Void>?
    /// When the last warning was logged: one a minute is enough for an operator, not one per pause.
    private var lastWarning: NIODeadline?

    init(pause: TimeAmount = .milliseconds(250), logger: Logger) {
        self.pause = pause
        self.logger = logger
    }

    /// The errors `accept` recovers from once descriptors or memory are free again; SwiftNIO keeps
    /// the listening socket open for exactly these.
    static func isExhaustion(_ error: any Error) -> Bool {
        guard let error = error as? IOError else { return false }
        return [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error.errnoCode)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard Self.isExhaustion(error) else {
            context.fireErrorCaught(error)
            return
        }
        guard resumption == nil, let options = context.channel.syncOptions else { return }
        let now = NIODeadline.now()
        if lastWarning.map({ now - $0 >= .minutes(1) }) ?? true {
            lastWarning = now
            logger.warning(
                "accepting paused: out of file descriptors; raise LimitNOFILE or lower limits.max_connections",
                metadata: ["error": "\(error)", "pause_ms": "\(pause.nanoseconds / 1_000_000)"])
        }
        try? options.setOption(.autoRead, value: false)
        resumption = context.eventLoop.assumeIsolated().scheduleTask(in: pause) { [weak self] in
            self?.resumption = nil
            try? options.setOption(.autoRead, value: true)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        resumption?.cancel()
        resumption = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        guard let resumption else { return }
        resumption.cancel()
        self.resumption = nil
        try? context.channel.syncOptions?.setOption(.autoRead, value: true)
    }
}
