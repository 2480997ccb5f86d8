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
/// current request is answered.
///
/// The request deadline (`limits.request_timeout`, 408) is kept here too, not in a handler of its
/// own in front (``RequestDeadlineHandler``, which the Hummingbird transport still uses): this
/// handler knows when a request begins and when it is answered, and one deadline per connection
/// (``nextDue``, checked by its event loop's ``DeadlineSweep``) serves both timeouts. A second
/// handler cost every request a pipeline hop and a copy of its first bytes, and every connection a
/// second scheduled task.
final class LeanHTTPHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    let responder: LeanResponder
    let idleTimeout: TimeAmount
    /// `limits.request_timeout` (also named in the 408).
    let requestTimeout: Duration
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
    /// The event loop's `Date` header, shared by its connections.
    let date: LoopHTTPDate
    /// When the idle or the request deadline is next to be checked (``deadlineCame(context:now:)``).
    var nextDue = NIODeadline.distantFuture
    /// The event loop's list of connections whose deadlines it checks, and this one's place in it.
    let sweep: DeadlineSweep
    var sweepSlot = -1
    var lastActivity = NIODeadline.now()
    /// A request has begun (its first byte arrived) and is not answered yet: the request deadline runs.
    var requestRunning = false
    var requestStarted = NIODeadline.distantPast
    /// The head of a request whose answer is being made off the event loop, for a 408 meanwhile.
    var pendingHead: HTTPRequestHead?

    /// Bytes waiting past which no more are read while an answer is pending.
    static let readBound = 256 * 1_024

    init(responder: LeanResponder, limits: HTTPRequestFramer.Limits, idleTimeout: Duration, requestTimeout: Duration,
         sweep: DeadlineSweep, date: LoopHTTPDate) {
        self.responder = responder
        self.sweep = sweep
        self.date = date
        self.framer = HTTPRequestFramer(limits: limits)
        self.idleTimeout = TimeAmount(idleTimeout)
        self.requestTimeout = requestTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { watchDeadlines(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        watchDeadlines(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        sweep.leave(self)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        sweep.leave(self)
    }

    private func watchDeadlines(context: ChannelHandlerContext) {
        guard sweepSlot < 0, !closing else { return }
        nextDue = nextCheck(now: .now())
        sweep.join(self, context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard !closing else { return }
        lastActivity = .now()
        if !requestRunning {
            requestRunning = true
            requestStarted = lastActivity
        }
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
                    pendingHead = head
                    let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
                    future.whenComplete { result in
                        let (handler, context) = loopBound.value
                        handler.pending = false
                        handler.pendingHead = nil
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
        // The answer stops the request's clock; bytes already here belong to the next request,
        // whose clock starts now.
        requestRunning = (input?.readableBytes ?? 0) > 0
        requestStarted = lastActivity
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

    /// When the deadlines are next to be checked: a running request's deadline, else the idle
    /// deadline, but no later than one request timeout from now, so that a request beginning
    /// meanwhile is checked no later than its own deadline (``nextDue`` is not set for every request).
    func nextCheck(now: NIODeadline) -> NIODeadline {
        if requestRunning { return requestStarted + TimeAmount(requestTimeout) }
        return max(min(lastActivity + idleTimeout, now + TimeAmount(requestTimeout)), now + .milliseconds(100))
    }

    /// A request running past `limits.request_timeout` is answered 408 and the connection closed;
    /// a connection idle between requests for `limits.idle_timeout` is closed; else the next check
    /// is set.
    func deadlineCame(context: ChannelHandlerContext, now: NIODeadline) {
        nextDue = .distantFuture
        guard !closing else { return }
        if requestRunning, now >= requestStarted + TimeAmount(requestTimeout) {
            requestTimedOut(context: context)
            return
        }
        let between = head == nil && framer.isIdle && (input?.readableBytes ?? 0) == 0
        if !requestRunning, between, !pending, now >= lastActivity + idleTimeout {
            closing = true
            context.close(promise: nil)
            return
        }
        nextDue = nextCheck(now: now)
    }

    /// The 408: it names the request's path like every other problem, from its head when framed,
    /// else from the request line received so far.
    func requestTimedOut(context: ChannelHandlerContext) {
        let path = (head ?? pendingHead)?.path ?? input.flatMap { input in
            RequestDeadlineHandler.path(inRequestLine: Array(input.readableBytesView.drop { $0 == 0x0D || $0 == 0x0A }
                .prefix(RequestDeadlineHandler.headLimit)))
        }
        var answer = LeanResponder.Answer(Problem.requestTimeout(limit: requestTimeout, path: path))
        answer.close = true
        write(answer, for: nil, context: context)
    }
}

@available(*, unavailable)
extension LeanHTTPHandler: Sendable {}
