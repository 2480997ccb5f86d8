@testable import DuwtjeServer
import DuwtjeTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import NIOPosix
import Synchronization

/// The daemon's responder with its real state, metrics and store, wired as `Daemon.run` wires them,
/// answering requests in this process: no socket, no child process. Routes, statuses, bodies and
/// metrics are tested through it; what needs the binary (signals, the socket file, systemd, crashes)
/// is in `duwtjeTests`.
final class InProcessDaemon {
    let fixture: Fixture
    let configuration: DaemonConfiguration
    let state: DaemonState
    let metrics: DaemonMetrics
    let responder: DaemonResponder

    /// - Parameters:
    ///   - extra: lines appended to the configuration file (which names `rules` and nothing else).
    init(config extra: String = "", rules: String = Fixture.rules(why: "A")) async throws {
        fixture = try Fixture()
        try fixture.write("rules/rules.yaml", rules)
        try fixture.write("duwtje.yaml", "rules: rules\n" + extra)
        configuration = try DaemonConfiguration.load(file: fixture.directory + "/duwtje.yaml")
        let snapshot = try ServingSnapshot.load(configuration)
        state = DaemonState(snapshot)
        metrics = DaemonMetrics()
        metrics.loaded(snapshot, reload: false)
        let logger = Logger(label: "duwtje-test") { _ in SwiftLogNoOpLogHandler() }
        let store = try await Daemon.openStore(configuration, state: state, metrics: metrics, threadPool: .singleton, logger: logger)
        responder = DaemonResponder(state: state, metrics: metrics, logger: logger, store: store)
    }

    func get(_ path: String, method: HTTPRequest.Method = .get) async throws -> Reply {
        try await send(method, path, body: nil)
    }

    func post(_ path: String, _ body: String) async throws -> Reply {
        try await send(.post, path, body: body)
    }

    /// One request through `DaemonResponder.respond`, as Hummingbird's HTTP/1.1 channel would hand it over.
    func send(_ method: HTTPRequest.Method, _ path: String, body: String?) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let body {
            headers[.contentType] = "application/json"
            headers[.contentLength] = String(body.utf8.count)
        }
        let request = Request(head: HTTPRequest(method: method, scheme: "http", authority: "duwtje", path: path, headerFields: headers),
                              body: RequestBody(buffer: ByteBuffer(string: body ?? "")))
        // A testing channel that may be used from any thread: the task resumes on another thread after
        // each `await`, and an `EmbeddedChannel` touched there is SwiftNIO API misuse (a crash to come).
        // Closed after the request: a channel and its pipeline hold each other until it closes, and
        // LeakSanitizer found every request's channel left so (docs/api.md, "Checked: the suite under sanitizers").
        let channel = NIOAsyncTestingChannel()
        let context = BasicRequestContext(source: ApplicationRequestContextSource(
            channel: channel, logger: Logger(label: "duwtje-test") { _ in SwiftLogNoOpLogHandler() }))
        let reply: Result<Reply, any Error>
        do {
            let response = try await responder.respond(to: request, context: context)
            let collector = BodyCollector()
            try await response.body.write(collector)
            var names: [String: String] = [:]
            for field in response.headers { names[field.name.canonicalName] = field.value }
            reply = .success(Reply(status: Int(response.status.code), headers: names,
                                   body: String(buffer: collector.bytes.withLock { $0 })))
        } catch {
            reply = .failure(error)
        }
        _ = try? await channel.finish(acceptAlreadyClosed: true)
        return try reply.get()
    }

    /// The `/metrics` text.
    func metricsText() async throws -> String { try await get("/metrics").body }
}

/// Collects a response body the way the HTTP channel would write it.
final class BodyCollector: ResponseBodyWriter, Sendable {
    let bytes = Mutex(ByteBuffer())

    func write(_ buffer: ByteBuffer) async throws {
        bytes.withLock { _ = $0.writeImmutableBuffer(buffer) }
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
