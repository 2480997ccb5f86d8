import DuwtjeWire
import Foundation
import NIOCore

/// One connection of the lean HTTP/1.1 transport: feeds received bytes to ``HTTPRequestFramer``,
/// answers each request through ``LeanResponder`` and writes each answer as one buffer.
///
/// Pipelined requests are answered in order: while an answer is pending (a task for the endpoints
/// not answered on the event loop), no further request is framed, and once the bytes waiting reach
/// a bound the handler stops asking the socket for more (back pressure, as NIO's
/// `HTTPServerPipelineHandler` does). The connection closes after an answer when the client asked
/// (`Connection: close`, HTTP/1.0 without keep-alive), after any framing error (400 and friends),
/// after a 413, after its input was half-closed and everything received is answered, when idle past
/// `limits.idle_timeout`, and on a graceful shutdown (``ChannelShouldQuiesceEvent``) once its
/// current request is answered. The request deadline (408) is ``RequestDeadlineHandler``'s, in
/// front of this one.
final class LeanHTTPHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    let responder: LeanResponder
    let idleTimeout: TimeAmount
    var framer: HTTPRequestFramer
    /// Bytes received and not yet framed.
    var input: ByteBuffer?
    /// The head of the request whose body is being framed.
    var head: HTTPRequestHead?
    var started = ContinuousClock.now
    /// An answer is being made off the event loop; nothing more is framed until it is written.
    var pending = false
    /// A `read` held back while `pending` and the input is large.
    var readHeld = false
    var inputClosed = false
    var quiescing = false
    var closing = false
    var date = HTTPDate()
    var idleTimer: Scheduled<Void>?
    var lastActivity = NIODeadline.now()

    /// Bytes waiting past which no more are read while an answer is pending.
    static let readBound = 256 * 1_024

    init(responder: LeanResponder, limits: HTTPRequestFramer.Limits, idleTimeout: Duration) {
        self.responder = responder
        self.framer = HTTPRequestFramer(limits: limits)
        self.idleTimeout = TimeAmount(idleTimeout)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { armIdleTimer(context: context, at: .now() + idleTimeout) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if idleTimer == nil { armIdleTimer(context: context, at: .now() + idleTimeout) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        idleTimer?.cancel()
        idleTimer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard !closing else { return }
        lastActivity = .now()
        if input == nil || input?.readableBytes == 0 {
            input = bytes
        } else {
            input?.writeBuffer(&bytes)
        }
        process(context: context)
    }

    func read(context: ChannelHandlerContext) {
        if pending, (input?.readableBytes ?? 0) >= Self.readBound {
            readHeld = true
            return
        }
        context.read()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            inputClosed = true
            closeIfDone(context: context)
        } else if event is ChannelShouldQuiesceEvent {
            quiescing = true
            closeIfDone(context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A reset by the client or a failed write: nothing can be answered on this connection.
        closing = true
        context.close(promise: nil)
    }

    /// Frames and answers as many requests as the input holds, one at a time.
    func process(context: ChannelHandlerContext) {
        while !pending, !closing, var bytes = input {
            let frame = framer.next(&bytes)
            input = bytes
            switch frame {
            case .needMore:
                if bytes.readableBytes == 0 {
                    input = nil
                } else if bytes.readerIndex > 4_096 {
                    input?.discardReadBytes()
                }
                closeIfDone(context: context)
                return
            case .head(let head):
                self.head = head
                started = .now
                let (limit, _) = responder.bodyLimit(for: head)
                if let length = head.contentLength, length > limit {
                    write(responder.bodyTooLarge(head, started: started), for: head, context: context)
                    return
                }
                framer.bodyLimit = limit
                if head.expectsContinue {
                    context.writeAndFlush(wrapOutboundOut(.byteBuffer(ByteBuffer(staticString: HTTPAnswerWriter.continueLine))),
                                          promise: nil)
                }
            case .body(let body):
                guard let head else { return }
                self.head = nil
                switch responder.answer(head, body: body, channel: context.channel) {
                case .now(let answer):
                    write(answer, for: head, context: context)
                case .later(let future):
                    pending = true
                    let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
                    future.whenComplete { result in
                        let (handler, context) = loopBound.value
                        handler.pending = false
                        let answer: LeanResponder.Answer
                        switch result {
                        case .success(let made): answer = made
                        case .failure: answer = LeanResponder.Answer(Problem.internalError(path: head.path))
                        }
                        handler.write(answer, for: head, context: context)
                        if handler.readHeld {
                            handler.readHeld = false
                            context.read()
                        }
                        handler.process(context: context)
                    }
                    return
                }
            case .failure(let error):
                let problem = Problem(slug: "malformed-request", title: "Malformed request", status: error.status,
                                      detail: error.detail, instance: head?.path)
                var answer = LeanResponder.Answer(problem)
                answer.close = true
                write(answer, for: head, context: context)
                return
            }
        }
    }

    /// Writes one answer as one buffer, and closes after it when it or the request says so.
    func write(_ answer: LeanResponder.Answer, for head: HTTPRequestHead?, context: ChannelHandlerContext) {
        guard !closing else { return }
        let close = answer.close || head?.keepAlive != true || quiescing
        var out = context.channel.allocator.buffer(capacity: answer.body.readableBytes + 192)
        HTTPAnswerWriter.write(status: answer.status, contentType: answer.contentType, headers: answer.headers, date: date.now(),
                               body: answer.body, close: close, keepAlive10: head?.isHTTP10 == true && !close,
                               omitBody: answer.omitBody || head?.method == "HEAD", contentLength: answer.contentLength,
                               into: &out)
        lastActivity = .now()
        if close {
            closing = true
            input = nil
            context.writeAndFlush(wrapOutboundOut(.byteBuffer(out))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        } else {
            context.writeAndFlush(wrapOutboundOut(.byteBuffer(out)), promise: nil)
        }
    }

    /// Closes when nothing is pending and the connection has no use left: its input closed (the
    /// client half-closed; what it sent is answered by now, and a request cut in half can never
    /// complete), or a shutdown between requests.
    func closeIfDone(context: ChannelHandlerContext) {
        guard !closing, !pending else { return }
        let between = head == nil && framer.isIdle && (input?.readableBytes ?? 0) == 0
        if inputClosed || (quiescing && between) {
            closing = true
            context.close(promise: nil)
        }
    }

    /// One timer per connection: when it fires, the connection closes if it has been idle between
    /// requests for the whole timeout; else it is set again for the rest.
    func armIdleTimer(context: ChannelHandlerContext, at deadline: NIODeadline) {
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            handler.idleTimer = nil
            guard !handler.closing else { return }
            let due = handler.lastActivity + handler.idleTimeout
            let between = handler.head == nil && handler.framer.isIdle && (handler.input?.readableBytes ?? 0) == 0
            if between, !handler.pending, NIODeadline.now() >= due {
                handler.closing = true
                context.close(promise: nil)
            } else {
                handler.armIdleTimer(context: context, at: max(due, .now() + .milliseconds(100)))
            }
        }
    }
}

@available(*, unavailable)
extension LeanHTTPHandler: Sendable {}
