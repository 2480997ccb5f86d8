import NIOCore

/// The idle and request deadlines of one event loop's connections, checked by one repeating task
/// every ``interval`` instead of a scheduled task per connection.
///
/// A PHP site opens a connection per page view: scheduling a connection's timer when it opened and
/// cancelling it when it closed cost ~5,200 of its ~144,000 instructions (callgrind,
/// `NEW_CONNECTION=1 Benchmarks/Scripts/server-instructions.sh`), where joining and leaving this
/// list is an append and a swap. The price: a deadline is noticed up to ``interval`` late, which
/// for timeouts of seconds (`limits.idle_timeout`, `limits.request_timeout`) does not matter.
///
/// One per event loop, used only on it (``LeanHTTPServer`` makes them, ``LeanHTTPHandler`` joins its
/// loop's). The task stops once the loop has had no connection for a second, so an idle daemon is
/// not woken ten times a second.
final class DeadlineSweep {
    static let interval = TimeAmount.milliseconds(100)
    /// Ticks without a connection after which the task stops.
    static let idleTicks = 10

    private let eventLoop: any EventLoop
    private var members: [(handler: LeanHTTPHandler, context: ChannelHandlerContext)] = []
    private var task: RepeatedTask?
    private var emptyTicks = 0

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Watches `handler`'s ``LeanHTTPHandler/nextDue`` until ``leave(_:)``.
    func join(_ handler: LeanHTTPHandler, context: ChannelHandlerContext) {
        guard handler.sweepSlot < 0 else { return }
        handler.sweepSlot = members.count
        members.append((handler, context))
        emptyTicks = 0
        if task == nil { start() }
    }

    func leave(_ handler: LeanHTTPHandler) {
        let slot = handler.sweepSlot
        guard slot >= 0, slot < members.count, members[slot].handler === handler else { return }
        handler.sweepSlot = -1
        let last = members.count - 1
        if slot != last {
            members[slot] = members[last]
            members[slot].handler.sweepSlot = slot
        }
        members.removeLast()
    }

    private func start() {
        let sweep = NIOLoopBound(self, eventLoop: eventLoop)
        task = eventLoop.scheduleRepeatedTask(initialDelay: Self.interval, delay: Self.interval) { _ in
            sweep.value.tick()
        }
    }

    /// Gives every connection whose deadline has come its check; a check may close it (and so take it
    /// off the list), so the due ones are picked first.
    private func tick() {
        guard !members.isEmpty else {
            emptyTicks += 1
            if emptyTicks >= Self.idleTicks {
                task?.cancel()
                task = nil
            }
            return
        }
        let now = NIODeadline.now()
        let due = members.filter { $0.handler.nextDue <= now }
        for member in due { member.handler.deadlineCame(context: member.context, now: now) }
    }
}
