import Histogram
import NIOCore

/// What one connection of the load generator saw.
struct ConnectionResult: Sendable {
    /// Latencies in nanoseconds of the requests sent inside the measured window.
    var latencies = Histogram<UInt64>(lowestDiscernibleValue: 1_000, highestTrackableValue: 120_000_000_000,
                                      numberOfSignificantValueDigits: .three)
    /// Answers with a 2xx status, inside the window.
    var succeeded = 0
    /// Answers with another status, inside the window.
    var non2xx = 0
    /// Requests that got no parsable answer: a closed connection, a connect or parse error.
    var errors = 0
    /// Body bytes of the answers inside the window (to size the baseline's answer like duwtje's).
    var bodyBytes = 0
    /// Statuses other than 2xx, by code, for the report.
    var statuses: [Int: Int] = [:]
    /// Open loop: requests planned inside the window but not sent by its end because the server
    /// was still busy with earlier ones (the generator stops at the end of the window instead of
    /// draining a backlog that could take minutes).
    var unsent = 0
    /// The first error seen, for the report.
    var firstError: String?

    /// One answer inside the window: its latency (ns), status and body length.
    mutating func count(latency: UInt64, status: Int, bodyBytes: Int) {
        _ = latencies.record(latency)
        self.bodyBytes += bodyBytes
        if (200..<300).contains(status) {
            succeeded += 1
        } else {
            non2xx += 1
            statuses[status, default: 0] += 1
        }
    }

    mutating func merge(_ other: ConnectionResult) {
        latencies.add(other.latencies)
        succeeded += other.succeeded
        non2xx += other.non2xx
        errors += other.errors
        unsent += other.unsent
        bodyBytes += other.bodyBytes
        for (status, count) in other.statuses { statuses[status, default: 0] += count }
        if firstError == nil { firstError = other.firstError }
    }
}

/// When a connection sends: as soon as the previous answer is in (closed loop), or on a fixed
/// schedule (open loop) with each latency measured from the time the request *should* have been
/// sent, so that a stalled server is charged for the requests it held up (no coordinated omission).
enum SendPlan: Sendable {
    case closedLoop
    /// One request every `interval` nanoseconds on this connection, the first at `firstAt`.
    case openLoop(interval: UInt64, firstAt: UInt64)

    /// What to do next: send now (with the time it was meant for), at a later time, or stop (with the
    /// requests planned in the window that could not be sent by its end).
    enum Step {
        case now(intended: UInt64)
        case at(UInt64)
        case stop(unsent: Int)
    }

    /// The next step at `now`, advancing an open-loop plan; `budgeted` (a request count) ignores `stopAt`.
    mutating func next(now: UInt64, stopAt: UInt64, budgeted: Bool) -> Step {
        switch self {
        case .closedLoop:
            return now < stopAt || budgeted ? .now(intended: now) : .stop(unsent: 0)
        case .openLoop(let interval, let at):
            guard at < stopAt || budgeted else { return .stop(unsent: 0) }
            if !budgeted, now >= stopAt { return .stop(unsent: Int((stopAt - at + interval - 1) / interval)) }
            self = .openLoop(interval: interval, firstAt: at + interval)
            return at <= now ? .now(intended: at) : .at(at)
        }
    }
}

/// One keep-alive HTTP/1.1 connection of the load generator: writes pre-encoded requests one at a
/// time (no pipelining) and reads just enough of each answer to know its status and length.
///
/// A deliberately small response reader instead of NIOHTTP1's decoder: the generator shares two
/// cores with the server it measures, so every cycle it spends is one the server does not get.
/// Answers must carry `Content-Length` (both duwtje and nginx's `return` do); anything else
/// counts as an error.
final class LoadConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let requests: [ByteBuffer]
    private var nextRequest: Int
    private var plan: SendPlan
    /// Requests sent at or after this uptime (ns) are measured; earlier ones are warm-up.
    private let measureFrom: UInt64
    /// No request is started at or after this uptime (ns).
    private let stopAt: UInt64
    /// A request budget for this connection (request-count mode), or nil for a timed run.
    private var remaining: Int?
    private let done: EventLoopPromise<ConnectionResult>

    private var result = ConnectionResult()
    private var buffer: ByteBuffer?
    /// When the request in flight was (meant to be) sent, or nil when none is in flight.
    private var inFlightSince: UInt64?
    private var scheduled: Scheduled<Void>?
    private var finished = false

    /// When the first request was (meant to be) sent, if earlier than the connection's activation:
    /// a new connection per request measures from its planned connect.
    private let firstIntended: UInt64?

    init(requests: [ByteBuffer], firstRequest: Int, plan: SendPlan, measureFrom: UInt64, stopAt: UInt64, budget: Int?,
         done: EventLoopPromise<ConnectionResult>, firstIntended: UInt64? = nil) {
        self.firstIntended = firstIntended
        self.requests = requests
        self.nextRequest = firstRequest % requests.count
        self.plan = plan
        self.measureFrom = measureFrom
        self.stopAt = stopAt
        self.remaining = budget
        self.done = done
    }

    static func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

    func channelActive(context: ChannelHandlerContext) {
        if let intended = firstIntended {
            send(context: context, intended: intended)
        } else {
            sendNext(context: context)
        }
        context.fireChannelActive()
    }

    /// Sends now (closed loop, or open loop when behind schedule) or at the next planned time.
    private func sendNext(context: ChannelHandlerContext) {
        guard !finished else { return }
        if let left = remaining, left <= 0 { return finish(context: context) }
        switch plan.next(now: Self.now(), stopAt: stopAt, budgeted: remaining != nil) {
        case .now(let intended):
            send(context: context, intended: intended)
        case .at(let at):
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            scheduled = context.eventLoop.scheduleTask(deadline: NIODeadline.uptimeNanoseconds(at)) {
                let (handler, context) = loopBound.value
                handler.scheduled = nil
                handler.send(context: context, intended: at)
            }
        case .stop(let unsent):
            result.unsent += unsent
            finish(context: context)
        }
    }

    private func send(context: ChannelHandlerContext, intended: UInt64) {
        guard !finished else { return }
        if remaining != nil { remaining? -= 1 }
        inFlightSince = intended
        let request = requests[nextRequest]
        nextRequest = nextRequest + 1 == requests.count ? 0 : nextRequest + 1
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if buffer == nil || buffer?.readableBytes == 0 {
            buffer = incoming
        } else {
            buffer?.writeBuffer(&incoming)
        }
        while let answer = parseAnswer() {
            guard let since = inFlightSince else {
                fail(context: context, "an answer arrived with no request in flight")
                return
            }
            inFlightSince = nil
            let end = Self.now()
            if since >= measureFrom { result.count(latency: end &- since, status: answer.status, bodyBytes: answer.bodyLength) }
            sendNext(context: context)
        }
    }

    /// Status and body length of one complete answer at the front of `buffer`, consumed; nil when
    /// the answer is not all in yet. A malformed head fails the connection.
    private func parseAnswer() -> (status: Int, bodyLength: Int)? {
        guard var bytes = buffer else { return nil }
        switch bytes.withUnsafeReadableBytes({ AnswerHead.parse($0) }) {
        case .incomplete:
            return nil
        case .malformed:
            malformed = true
            return nil
        case .complete(let head):
            guard bytes.readableBytes >= head.headLength + head.contentLength else { return nil }
            bytes.moveReaderIndex(forwardBy: head.headLength + head.contentLength)
            buffer = bytes.readableBytes == 0 ? nil : bytes
            return (head.status, head.contentLength)
        }
    }

    private var malformed = false

    func channelReadComplete(context: ChannelHandlerContext) {
        if malformed { fail(context: context, "an answer without a status line or Content-Length") }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !finished {
            if inFlightSince != nil { result.errors += 1 }
            if result.firstError == nil { result.firstError = "the server closed the connection" }
            finished = true
            done.succeed(result)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context: context, "\(error)")
    }

    private func fail(context: ChannelHandlerContext, _ reason: String) {
        guard !finished else { return }
        if inFlightSince != nil { result.errors += 1 }
        if result.firstError == nil { result.firstError = reason }
        finish(context: context)
    }

    private func finish(context: ChannelHandlerContext) {
        guard !finished else { return }
        finished = true
        scheduled?.cancel()
        done.succeed(result)
        context.close(promise: nil)
    }
}
