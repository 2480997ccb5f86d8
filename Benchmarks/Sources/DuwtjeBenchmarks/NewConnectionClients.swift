import CEpoll
import Histogram

#if canImport(Glibc)
import Glibc
#endif

/// The clients of `socket --new-connection`: a connection per request, one after the other (closed
/// loop) or on a schedule (open loop), like PHP-FPM workers whose every page view opens a
/// connection to the daemon, asks once and closes.
///
/// Non-blocking sockets and one `epoll` loop on the calling thread, not SwiftNIO: a `ClientBootstrap`
/// per connection cost the generator ~100,000 instructions of futures and channel set-up, which
/// capped it at ~7,000 connections a second on its core — near both servers' rates, so both
/// measured the generator (Benchmarks/README.md, "the generator is the limit"). A thread per client
/// with blocking calls was tried too: faster, but 16 threads on one core woke late, which put
/// milliseconds of the scheduler into the open loop's percentiles. Here a connection costs the
/// generator its system calls and the answer's parse, and one thread waits for all of them.
///
/// Each latency runs from the (planned) connect to the answer's last byte, so the server's cost of
/// accepting and setting up a connection is in every figure.
struct NewConnectionClients {
    let socket: String
    let requests: [[UInt8]]
    let measureFrom: UInt64
    let stopAt: UInt64

    /// One client: its schedule, its budget (request-count mode) and its connection in flight.
    struct Client {
        var plan: SendPlan
        var remaining: Int?
        var nextRequest: Int
        var descriptor: Int32 = -1
        /// When the request in flight was (meant to be) sent; when a scheduled connect is due.
        var intended: UInt64 = 0
        var waitingUntil: UInt64?
        /// After a failed connection, when to go on (through the plan again).
        var retryAt: UInt64?
        var filled = 0
        var answer = [UInt8](repeating: 0, count: 4096)
        var done = false
    }

    /// Runs every client to its end on this thread and returns what they saw.
    func run(_ clients: inout [Client]) -> ConnectionResult {
        var total = ConnectionResult()
        let poll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard poll >= 0 else {
            total.errors = 1
            total.firstError = "epoll_create1: \(Self.lastError())"
            return total
        }
        defer { close(poll) }
        for index in clients.indices { advance(&clients[index], index: index, poll: poll, total: &total) }
        var events = [epoll_event](repeating: epoll_event(), count: 64)
        while clients.contains(where: { !$0.done }) {
            let now = LoadConnectionHandler.now()
            let due = clients.compactMap { $0.waitingUntil ?? $0.retryAt }.min()
            // To the nanosecond (epoll_pwait2): epoll_wait's milliseconds would put up to a
            // millisecond of the generator into every open-loop latency.
            let wait = due.map { $0 <= now ? 0 : min($0 - now, 1_000_000_000) } ?? 1_000_000_000
            var timeout = timespec(tv_sec: Int(wait / 1_000_000_000), tv_nsec: Int(wait % 1_000_000_000))
            let ready = epoll_pwait2(poll, &events, Int32(events.count), &timeout, nil)
            if ready < 0, errno != EINTR {
                total.errors += 1
                total.firstError = total.firstError ?? "epoll_wait: \(Self.lastError())"
                break
            }
            for event in events.prefix(Int(max(ready, 0))) {
                let index = Int(event.data.u64)
                receive(&clients[index], index: index, poll: poll, total: &total)
            }
            let later = LoadConnectionHandler.now()
            for index in clients.indices {
                if let at = clients[index].waitingUntil, at <= later {
                    clients[index].waitingUntil = nil
                    connect(&clients[index], index: index, intended: at, poll: poll, total: &total)
                } else if let at = clients[index].retryAt, at <= later {
                    clients[index].retryAt = nil
                    advance(&clients[index], index: index, poll: poll, total: &total)
                }
            }
        }
        for client in clients where client.descriptor >= 0 { close(client.descriptor) }
        return total
    }

    /// Connects now (closed loop, or open loop when behind schedule), waits for the next planned
    /// time, or ends the client.
    private func advance(_ client: inout Client, index: Int, poll: Int32, total: inout ConnectionResult) {
        if let left = client.remaining, left <= 0 { return client.done = true }
        switch client.plan.next(now: LoadConnectionHandler.now(), stopAt: stopAt, budgeted: client.remaining != nil) {
        case .now(let intended):
            connect(&client, index: index, intended: intended, poll: poll, total: &total)
        case .at(let at):
            client.waitingUntil = at
        case .stop(let unsent):
            total.unsent += unsent
            client.done = true
        }
    }

    private func connect(_ client: inout Client, index: Int, intended: UInt64, poll: Int32, total: inout ConnectionResult) {
        if client.remaining != nil { client.remaining? -= 1 }
        client.intended = intended
        client.filled = 0
        let request = requests[client.nextRequest]
        client.nextRequest = client.nextRequest + 1 == requests.count ? 0 : client.nextRequest + 1
        let descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
                                        | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { return failed(&client, index: index, poll: poll, total: &total, "socket: \(Self.lastError())") }
        client.descriptor = descriptor
        // A Unix socket connects at once or not at all (EAGAIN: the server's backlog is full); a
        // full backlog is the server's to answer for, so it counts as an error like a refusal.
        guard Self.connect(descriptor, to: socket) == 0 else {
            return failed(&client, index: index, poll: poll, total: &total, "cannot connect to \(socket): \(Self.lastError())")
        }
        // The request (a few hundred bytes) fits in an empty socket's buffer: one write.
        let written = request.withUnsafeBytes { raw in write(descriptor, raw.baseAddress, raw.count) }
        guard written == request.count else {
            return failed(&client, index: index, poll: poll, total: &total, "write: \(written < 0 ? Self.lastError() : "short")")
        }
        var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(u64: UInt64(index)))
        guard epoll_ctl(poll, EPOLL_CTL_ADD, descriptor, &event) == 0 else {
            return failed(&client, index: index, poll: poll, total: &total, "epoll_ctl: \(Self.lastError())")
        }
    }

    /// Reads what is there; once the answer is complete, counts it, closes and goes on.
    private func receive(_ client: inout Client, index: Int, poll: Int32, total: inout ConnectionResult) {
        while true {
            if client.filled == client.answer.count { client.answer.append(contentsOf: repeatElement(0, count: client.answer.count)) }
            let filled = client.filled
            let count = client.answer.withUnsafeMutableBytes { raw in
                read(client.descriptor, raw.baseAddress.map { $0 + filled }, raw.count - filled)
            }
            if count < 0, errno == EINTR { continue }
            if count < 0, errno == EAGAIN { return }
            guard count > 0 else {
                return failed(&client, index: index, poll: poll, total: &total, "the server closed the connection")
            }
            client.filled += count
            switch client.answer.withUnsafeBytes({ AnswerHead.parse(UnsafeRawBufferPointer(rebasing: $0[..<client.filled])) }) {
            case .incomplete:
                continue
            case .malformed:
                return failed(&client, index: index, poll: poll, total: &total, "an answer without a status line or Content-Length")
            case .complete(let head):
                guard client.filled >= head.headLength + head.contentLength else { continue }
                if client.intended >= measureFrom {
                    total.count(latency: LoadConnectionHandler.now() &- client.intended, status: head.status,
                                bodyBytes: head.contentLength)
                }
                close(client.descriptor)
                client.descriptor = -1
                return advance(&client, index: index, poll: poll, total: &total)
            }
        }
    }

    private func failed(_ client: inout Client, index: Int, poll: Int32, total: inout ConnectionResult, _ reason: String) {
        total.errors += 1
        if total.firstError == nil { total.firstError = reason }
        if client.descriptor >= 0 { close(client.descriptor) }
        client.descriptor = -1
        // Not at once: a server that refuses connections would be hammered in a busy loop.
        client.retryAt = LoadConnectionHandler.now() + 1_000_000
    }

    private static func connect(_ descriptor: Int32, to path: String) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            errno = ENAMETOOLONG
            return -1
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}
