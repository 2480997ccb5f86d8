import Foundation
import HummingbirdCore
import Logging
import NIOCore

/// Cuts off a client that takes too long to send a request, however it trickles its bytes.
///
/// Hummingbird's `idleTimeout` is reset by every read, so a client sending one byte a second keeps
/// a connection forever. This handler sits first in the pipeline, before HTTP parsing: the first
/// byte of a request starts a clock, the first byte of the answer stops it; if the clock runs out
/// first, the client gets a 408 problem+json and the connection is closed. Other connections are
/// unaffected: NIO serves each from its event loop without waiting for any one client.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    let timeout: Duration
    var deadline: Scheduled<Void>?
    var reading = false
    var closed = false

    init(timeout: Duration) {
        self.timeout = timeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !reading, !closed {
            reading = true
            let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            deadline = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) {
                loopBound.value.handler.expire(context: loopBound.value.context)
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if reading {
            reading = false
            deadline?.cancel()
            deadline = nil
        }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    func expire(context: ChannelHandlerContext) {
        deadline = nil
        guard reading, !closed else { return }
        closed = true
        reading = false
        let body = (try? JSONEncoder().encode(Problem.requestTimeout(limit: timeout))) ?? Data()
        var buffer = context.channel.allocator.buffer(capacity: body.count + 160)
        buffer.writeString("HTTP/1.1 408 Request Timeout\r\nContent-Type: application/problem+json\r\n"
            + "Connection: close\r\nContent-Length: \(body.count)\r\n\r\n")
        buffer.writeBytes(body)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(NIOAny(IOData.byteBuffer(buffer)), promise: written)
        written.futureResult.assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension RequestDeadlineHandler: Sendable {}

/// Hummingbird's HTTP/1.1 channel with ``RequestDeadlineHandler`` in front of the HTTP parser.
///
/// Hummingbird's `additionalChannelHandlers` go after the parser, where a request whose header
/// never completes is invisible; wrapping the channel setup is the one place to put a handler
/// that sees raw bytes.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let inner: HTTP1Channel
    let requestTimeout: Duration

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let timeout = requestTimeout
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(RequestDeadlineHandler(timeout: timeout), position: .first)
        }.flatMap {
            self.inner.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
