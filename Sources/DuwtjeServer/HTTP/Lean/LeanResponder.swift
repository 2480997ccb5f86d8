import DuwtjeWire
import Foundation
import Hummingbird
import HTTPTypes
import Logging
import NIOCore
import Synchronization

/// The lean transport's side of routing: the same endpoint table (``Endpoint``) and the same
/// handler logic (``DaemonResponder``) as Hummingbird's, answered without a task where that is
/// possible.
///
/// - `POST /v1/recommendations` and `/v1/nudges` (what websites call on every page view), 404 and
///   405 are answered synchronously on the event loop: decoding, evaluation and encoding take
///   microseconds (``DaemonResponder/evaluate(body:snapshot:path:endpoint:)``).
/// - Every other endpoint goes through ``DaemonResponder/respond(to:context:)`` in a task, exactly
///   as under Hummingbird: they are rare (monitors, operators, batched events) and some wait for
///   blocking work (the store's commit, a report query), which must never hold an event loop.
struct LeanResponder: Sendable {
    let responder: DaemonResponder

    /// What one request is answered with.
    struct Answer: Sendable {
        var status: Int
        var contentType: String?
        var headers: [(String, String)] = []
        var body: ByteBuffer
        /// The body's length when it is not sent (HEAD).
        var contentLength: Int?
        var omitBody = false
        /// The answer ends the connection (`Connection: close`, e.g. every 413).
        var close = false

        init(status: Int, contentType: String?, body: ByteBuffer) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }

        init(_ problem: Problem) {
            self.init(status: problem.status, contentType: "application/problem+json", body: ByteBuffer(bytes: problem.body))
            if let allowed = problem.allow { headers.append(("Allow", allowed)) }
            if let seconds = problem.retryAfter { headers.append(("Retry-After", String(seconds))) }
            close = problem.status == 413
        }
    }

    enum Outcome {
        case now(Answer)
        case later(EventLoopFuture<Answer>)
    }

    /// The largest body `head` may have, and the setting that sets it (named in the 413).
    func bodyLimit(for head: HTTPRequestHead) -> (limit: Int, setting: String) {
        // The snapshot, not a copy of its whole configuration (every string in it retained and
        // released again, for each request).
        let snapshot = responder.state.snapshot
        if head.endpoint == .events { return (snapshot.configuration.events.maxBodyBytes, "events.max_body_bytes") }
        return (snapshot.configuration.limits.maxBodyBytes, "limits.max_body_bytes")
    }

    /// The 413 for a declared length over the limit, answered before any byte of the body is read.
    func bodyTooLarge(_ head: HTTPRequestHead, started: ContinuousClock.Instant) -> Answer {
        let (limit, setting) = bodyLimit(for: head)
        return finish(Answer(Problem.bodyTooLarge(path: head.path, limit: limit, setting: setting)), head, started)
    }

    func answer(_ head: HTTPRequestHead, body: ByteBuffer, channel: any Channel) -> Outcome {
        let started = ContinuousClock.now
        let path = head.path
        guard let endpoint = head.endpoint, responder.endpoints.contains(endpoint) else {
            return .now(finish(Answer(.notFound(path: path)), head, started))
        }
        guard endpoint.accepts(head.method) else {
            return .now(finish(Answer(.methodNotAllowed(path: path, method: head.method, allowed: endpoint.allowed)), head, started))
        }
        let evaluated: DuwtjeWire.RequestDecoder.Endpoint
        switch endpoint {
        case .recommendations: evaluated = .recommendations
        case .nudges: evaluated = .nudges
        default: return .later(throughResponder(head, body: body, channel: channel))
        }
        var answer: Answer
        do throws(Problem) {
            let snapshot = responder.state.snapshot
            switch try responder.evaluate(body: body.readableBytesView, snapshot: snapshot, path: path, endpoint: evaluated) {
            case .written(let bytes):
                answer = Answer(status: 200, contentType: "application/json", body: bytes)
            case .admitting(let evaluatedAnswer, let question):
                // The caps may be a shared store that answers over the network: off the event loop.
                let responder = self.responder
                let promise = channel.eventLoop.makePromise(of: Answer.self)
                promise.completeWithTask {
                    let bytes = await responder.admitted(evaluatedAnswer, for: question)
                    return self.finish(Answer(status: 200, contentType: "application/json", body: bytes), head, started)
                }
                return .later(promise.futureResult)
            }
        } catch {
            answer = Answer(error)
        }
        return .now(finish(answer, head, started))
    }

    /// Counts and logs the answer as ``DaemonResponder/respond(to:context:)`` does.
    func finish(_ answer: Answer, _ head: HTTPRequestHead, _ started: ContinuousClock.Instant) -> Answer {
        responder.record(method: head.method, path: head.path, endpoint: head.endpoint, status: answer.status, since: started)
        return answer
    }

    /// Hummingbird's request and response types around the one handler, for the endpoints that are
    /// not answered on the event loop.
    func throughResponder(_ head: HTTPRequestHead, body: ByteBuffer, channel: any Channel) -> EventLoopFuture<Answer> {
        let responder = self.responder
        let promise = channel.eventLoop.makePromise(of: Answer.self)
        promise.completeWithTask {
            var fields = HTTPFields()
            fields[.contentLength] = String(body.readableBytes)
            if let key = head.idempotencyKey, let name = HTTPField.Name.idempotencyKey { fields[name] = key }
            let request = Request(
                head: HTTPRequest(method: HTTPRequest.Method(head.method) ?? .get, scheme: nil, authority: nil, path: head.target,
                                  headerFields: fields),
                body: RequestBody(buffer: body))
            let context = BasicRequestContext(source: ApplicationRequestContextSource(channel: channel, logger: responder.logger))
            let response = try await responder.respond(to: request, context: context)
            let collector = LeanBodyCollector()
            try await response.body.write(collector)
            var answer = Answer(status: Int(response.status.code), contentType: response.headers[.contentType],
                                body: collector.buffer.withLock { $0 })
            for field in response.headers {
                switch field.name {
                case .contentType, .contentLength: continue
                case .connection: answer.close = answer.close || field.value.lowercased() == "close"
                default: answer.headers.append((field.name.canonicalName == "allow" ? "Allow"
                    : field.name.canonicalName == "retry-after" ? "Retry-After" : field.name.rawName, field.value))
                }
            }
            if head.method == "HEAD" {
                answer.omitBody = true
                answer.contentLength = response.headers[.contentLength].flatMap { Int($0) } ?? answer.body.readableBytes
            }
            return answer
        }
        return promise.futureResult
    }
}

/// Gathers a Hummingbird response body into one buffer.
final class LeanBodyCollector: ResponseBodyWriter, Sendable {
    let buffer = Mutex(ByteBuffer())

    func write(_ part: ByteBuffer) async throws {
        buffer.withLock { collected in
            var part = part
            collected.writeBuffer(&part)
        }
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
