import DuwtjeWire
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
    /// One timer per connection, not per request: scheduling and cancelling a task for every
    /// request costs an allocation and two heap operations on the event loop each time. When the
    /// timer fires while a request is still being read but started later than the timer assumed,
    /// it is set again for that request's own deadline.
    var timer: Scheduled<Void>?
    /// When the request being read started; meaningful while `reading`.
    var startedAt = NIODeadline.distantPast
    var reading = false
    var closed = false
    /// The first bytes of the request being read, kept until its request line is whole, so that a
    /// 408 can name the path (`instance`) like every other problem.
    var head: [UInt8] = []

    init(timeout: Duration) {
        self.timeout = timeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !reading, !closed {
            reading = true
            startedAt = .now()
            head.removeAll(keepingCapacity: true)
            if timer == nil { arm(context: context, at: startedAt + TimeAmount(timeout)) }
        }
        if reading, head.count < Self.headLimit, !head.contains(UInt8(ascii: "\n")) {
            let buffer = unwrapInboundIn(data)
            head.append(contentsOf: buffer.readableBytesView.prefix(Self.headLimit - head.count))
        }
        context.fireChannelRead(data)
    }

    private func arm(context: ChannelHandlerContext, at deadline: NIODeadline) {
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            loopBound.value.handler.fire(context: loopBound.value.context)
        }
    }

    private func fire(context: ChannelHandlerContext) {
        timer = nil
        guard reading, !closed else { return }  // idle: the next request arms it again
        let due = startedAt + TimeAmount(timeout)
        if NIODeadline.now() >= due {
            expire(context: context)
        } else {
            arm(context: context, at: due)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // An interim answer (`100 Continue`) is not the answer: the clock runs on while the body comes.
        if case .byteBuffer(let buffer) = unwrapOutboundIn(data), buffer.readableBytesView.starts(with: Self.interim) {
            context.write(data, promise: promise)
            return
        }
        reading = false
        context.write(data, promise: promise)
    }

    static let interim = Array("HTTP/1.1 1".utf8)

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func expire(context: ChannelHandlerContext) {
        guard reading, !closed else { return }
        closed = true
        reading = false
        let body = Problem.requestTimeout(limit: timeout, path: Self.path(inRequestLine: head)).body
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

extension RequestDeadlineHandler {
    /// How much of a request's beginning is kept to find its path.
    static let headLimit = 2_048

    /// The path of `METHOD SP target SP …` without its query, or nil while the line is incomplete or
    /// is not a request line.
    static func path(inRequestLine head: [UInt8]) -> String? {
        guard let firstSpace = head.firstIndex(of: UInt8(ascii: " ")) else { return nil }
        let rest = head[(firstSpace + 1)...]
        guard let end = rest.firstIndex(where: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "\r") }),
              rest.first == UInt8(ascii: "/") else { return nil }
        return String(validating: rest[..<end], as: UTF8.self)
    }
}

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
