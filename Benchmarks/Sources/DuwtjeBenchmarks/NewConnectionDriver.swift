import NIOCore
import NIOPosix

/// One client of `socket --new-connection`: a connection per request, one after the other (closed
/// loop) or on a schedule (open loop), like a PHP-FPM worker whose every page view opens a
/// connection to the daemon, asks once and closes.
///
/// Each connection is a ``LoadConnectionHandler`` with a budget of one request whose latency is
/// counted from the (planned) connect, so the server's cost of accepting and setting up a
/// connection is in every figure. Lives on one event loop; every method runs there.
final class NewConnectionDriver {
    private let socket: String
    private let loop: any EventLoop
    private let requests: [ByteBuffer]
    private var nextRequest: Int
    private var plan: SendPlan
    private let measureFrom: UInt64
    private let stopAt: UInt64
    private var remaining: Int?
    private let done: EventLoopPromise<ConnectionResult>
    private var total = ConnectionResult()

    /// Starts a client on `loop` (from any thread); `done` gets what all its connections saw.
    static func start(socket: String, loop: any EventLoop, requests: [ByteBuffer], firstRequest: Int, plan: SendPlan,
                      measureFrom: UInt64, stopAt: UInt64, budget: Int?, done: EventLoopPromise<ConnectionResult>) {
        loop.execute {
            NewConnectionDriver(socket: socket, loop: loop, requests: requests, firstRequest: firstRequest, plan: plan,
                                measureFrom: measureFrom, stopAt: stopAt, budget: budget, done: done).next()
        }
    }

    private init(socket: String, loop: any EventLoop, requests: [ByteBuffer], firstRequest: Int, plan: SendPlan,
                 measureFrom: UInt64, stopAt: UInt64, budget: Int?, done: EventLoopPromise<ConnectionResult>) {
        self.socket = socket
        self.loop = loop
        self.requests = requests
        self.nextRequest = firstRequest % requests.count
        self.plan = plan
        self.measureFrom = measureFrom
        self.stopAt = stopAt
        self.remaining = budget
        self.done = done
    }

    /// Connects now (closed loop, or open loop when behind schedule), at the next planned time, or ends.
    private func next() {
        if let left = remaining, left <= 0 { return done.succeed(total) }
        switch plan.next(now: LoadConnectionHandler.now(), stopAt: stopAt, budgeted: remaining != nil) {
        case .now(let intended):
            connect(intended: intended)
        case .at(let at):
            let bound = NIOLoopBound(self, eventLoop: loop)
            loop.scheduleTask(deadline: NIODeadline.uptimeNanoseconds(at)) { bound.value.connect(intended: at) }
        case .stop(let unsent):
            total.unsent += unsent
            done.succeed(total)
        }
    }

    private func connect(intended: UInt64) {
        if remaining != nil { remaining? -= 1 }
        let request = requests[nextRequest]
        nextRequest = nextRequest + 1 == requests.count ? 0 : nextRequest + 1
        let answered = loop.makePromise(of: ConnectionResult.self)
        let measureFrom = self.measureFrom
        let socket = self.socket
        ClientBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(LoadConnectionHandler(
                        requests: [request], firstRequest: 0, plan: .closedLoop, measureFrom: measureFrom, stopAt: .max,
                        budget: 1, done: answered, firstIntended: intended))
                }
            }
            .connect(unixDomainSocketPath: socket)
            .whenFailure { error in
                var failed = ConnectionResult()
                failed.errors = 1
                failed.firstError = "cannot connect to \(socket): \(error)"
                answered.succeed(failed)
            }
        answered.futureResult.assumeIsolated().whenSuccess { result in
            self.total.merge(result)
            self.next()
        }
    }
}
