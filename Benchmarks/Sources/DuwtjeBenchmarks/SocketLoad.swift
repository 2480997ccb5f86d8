import DuwtjeRules
import Foundation
import Histogram
import NIOCore
import NIOPosix

/// `DuwtjeBenchmarks socket`: HTTP/1.1 load over a Unix socket, against duwtje or any server that
/// answers with `Content-Length` (the nginx baseline), with the same requests for both.
///
/// Closed loop by default (each of N keep-alive connections sends its next request as soon as the
/// answer is in: the peak rate). With `--rate` it holds a fixed total rate instead (open loop), and
/// measures each latency from the request's planned send time, so a server that stalls is charged
/// for every request it held up, as wrk2 does.
///
/// With `--new-connection` each request goes on a connection of its own, as PHP-FPM's curl does for
/// every page view: connect, send (with `Connection: close`), read the answer, close, and connect
/// again. Its latency runs from the (planned) connect to the answer, so the set-up is in it.
struct SocketLoad {
    var socket = "/tmp/duwtje.sock"
    var rules = "Rules"
    var connections = 16
    var duration = 10.0
    var warmup = 2.0
    var requestCount: Int?
    var rate: Double?
    var threads = 1
    var path = "/v1/recommendations"
    var mixSize = 2_000
    var label = "server"
    var newConnection = false

    static let usage = """
    usage: DuwtjeBenchmarks socket [--socket PATH] [--rules DIR] [--connections N] [--duration S | --requests N]
                                   [--warmup S] [--rate R] [--threads T] [--new-connection] [--label NAME]
      --socket PATH      the server's Unix socket (default /tmp/duwtje.sock)
      --rules DIR        the rule set the request mix is drawn from (default Rules)
      --connections N    keep-alive connections (default 16)
      --duration S       measured seconds (default 10), after --warmup S (default 2) unmeasured
      --requests N       instead of a duration: N requests in all, split over the connections, no warm-up
      --rate R           hold R requests/s in all (open loop); without it, as fast as answers come (closed loop)
      --threads T        event loop threads of the generator's keep-alive connections (default 1)
      --new-connection   one connection per request (Connection: close), N clients at a time on one thread
                         (epoll, not SwiftNIO); latency includes the connect
      --label NAME       the name printed in the report and the RESULT line
    """

    init(arguments: [String]) throws {
        var rest = arguments[...]
        func value(_ flag: String) throws -> String {
            guard let next = rest.popFirst() else { throw BenchmarkError("\(flag) needs a value\n\(Self.usage)") }
            return next
        }
        func number(_ flag: String) throws -> Double {
            let text = try value(flag)
            guard let number = Double(text), number >= 0 else { throw BenchmarkError("\(flag): not a number: \(text)") }
            return number
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--socket": socket = try value(flag)
            case "--rules": rules = try value(flag)
            case "--connections": connections = max(1, Int(try number(flag)))
            case "--duration": duration = try number(flag)
            case "--warmup": warmup = try number(flag)
            case "--requests": requestCount = max(1, Int(try number(flag)))
            case "--rate": rate = try number(flag)
            case "--threads": threads = max(1, Int(try number(flag)))
            case "--path": path = try value(flag)
            case "--label": label = try value(flag)
            case "--new-connection": newConnection = true
            default: throw BenchmarkError("unknown option \(flag)\n\(Self.usage)")
            }
        }
        if requestCount != nil { warmup = 0 }
    }

    func run() throws {
        let loaded = try RuleSetLoader().load(directory: rules)
        guard let definition = loaded.definition, !definition.journeys.isEmpty else {
            throw BenchmarkError("cannot load a rule set with journeys from \(rules)")
        }
        let bodies = SocketRequestMix.bodies(definition, count: mixSize)
        let requests = bodies.map { body in
            var buffer = ByteBuffer()
            buffer.writeString("POST \(path) HTTP/1.1\r\nHost: duwtje\r\nContent-Type: application/json\r\n"
                + (newConnection ? "Connection: close\r\n" : "") + "Content-Length: \(body.utf8.count)\r\n\r\n")
            buffer.writeString(body)
            return buffer
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        defer { try? group.syncShutdownGracefully() }

        let began = LoadConnectionHandler.now()
        let start = began + 20_000_000  // 20 ms to connect everyone
        // A request count is counted whole: its first requests go out before `start`.
        let measureFrom = requestCount == nil ? start + UInt64(warmup * 1e9) : 0
        let stopAt = requestCount == nil ? measureFrom + UInt64(duration * 1e9) : UInt64.max
        var futures: [EventLoopFuture<ConnectionResult>] = []
        var clients: [NewConnectionClients.Client] = []
        for index in 0..<connections {
            let plan: SendPlan
            if let rate, rate > 0 {
                let interval = UInt64(Double(connections) / rate * 1e9)
                plan = .openLoop(interval: interval, firstAt: start + interval * UInt64(index) / UInt64(connections))
            } else {
                plan = .closedLoop
            }
            let budget = requestCount.map { $0 / connections + (index < $0 % connections ? 1 : 0) }
            let first = index * requests.count / connections
            if newConnection {
                clients.append(.init(plan: plan, remaining: budget, nextRequest: first))
                continue
            }
            let loop = group.next()
            let promise = loop.makePromise(of: ConnectionResult.self)
            let connected = ClientBootstrap(group: loop)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(LoadConnectionHandler(
                            requests: requests, firstRequest: first, plan: plan, measureFrom: measureFrom, stopAt: stopAt,
                            budget: budget, done: promise))
                    }
                }
                .connect(unixDomainSocketPath: socket)
            connected.whenFailure { error in
                var failed = ConnectionResult()
                failed.errors = 1
                failed.firstError = "cannot connect to \(socket): \(error)"
                promise.succeed(failed)
            }
            futures.append(promise.futureResult)
        }
        var total = NewConnectionClients(socket: socket, requests: requests.map { Array($0.readableBytesView) },
                                         measureFrom: measureFrom, stopAt: stopAt).run(&clients)
        for future in futures { total.merge(try future.wait()) }
        let end = LoadConnectionHandler.now()
        let seconds = requestCount == nil ? duration : Double(end - began) / 1e9
        report(total, seconds: seconds)
    }

    func report(_ result: ConnectionResult, seconds: Double) {
        let answered = result.succeeded + result.non2xx
        let rps = Double(answered) / seconds
        let h = result.latencies
        func us(_ value: UInt64) -> String { String(format: "%.1f", Double(value) / 1_000) }
        let mode = (rate.map { String(format: "open loop at %.0f req/s", $0) } ?? "closed loop")
            + (newConnection ? ", a new connection per request" : ", keep-alive")
        print("\(label): \(connections) \(newConnection ? "clients" : "connections"), \(mode), \(String(format: "%.1f", seconds)) s measured"
            + (warmup > 0 ? " after \(String(format: "%.1f", warmup)) s warm-up" : "") + ", \(path) over \(socket)")
        print(String(format: "  requests/s %.0f   answered %d (2xx %d, non-2xx %d)   errors %d   mean body %.0f B",
                     rps, answered, result.succeeded, result.non2xx, result.errors,
                     answered > 0 ? Double(result.bodyBytes) / Double(answered) : 0))
        print("  latency µs: p50 \(us(h.valueAtPercentile(50)))  p90 \(us(h.valueAtPercentile(90)))  "
            + "p99 \(us(h.valueAtPercentile(99)))  p99.9 \(us(h.valueAtPercentile(99.9)))  max \(us(h.max))")
        if !result.statuses.isEmpty {
            print("  non-2xx: " + result.statuses.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " "))
        }
        if result.unsent > 0 {
            print("  not sent by the end of the window (server behind the planned rate): \(result.unsent)")
        }
        if let error = result.firstError { print("  first error: \(error)") }
        // One line for scripts (Benchmarks/Scripts/compare.sh).
        print("RESULT label=\(label) rps=\(String(format: "%.0f", rps)) p50_us=\(us(h.valueAtPercentile(50))) "
            + "p90_us=\(us(h.valueAtPercentile(90))) p99_us=\(us(h.valueAtPercentile(99))) "
            + "p999_us=\(us(h.valueAtPercentile(99.9))) max_us=\(us(h.max)) answered=\(answered) non2xx=\(result.non2xx) "
            + "errors=\(result.errors) unsent=\(result.unsent) mean_body=\(answered > 0 ? result.bodyBytes / answered : 0)")
    }
}
