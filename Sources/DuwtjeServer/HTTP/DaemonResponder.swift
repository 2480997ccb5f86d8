import DuwtjeRules
import DuwtjeReport
public import DuwtjeStore
import DuwtjeWire
import Foundation
public import Hummingbird
import HTTPTypes
public import Logging
import NIOCore

/// Answers every request of api.md. Routing is a `switch` over the few fixed paths, so that an
/// unknown path gets 404, a known path with the wrong method 405 (with `Allow`), and every error a
/// problem+json body, without framework defaults in between.
///
/// Each request reads the ``ServingSnapshot`` once and is answered wholly from it, so a reload in
/// the middle of a request never mixes two rule sets.
public struct DaemonResponder: HTTPResponder {
    public typealias Context = BasicRequestContext

    let state: DaemonState
    let caps: any CapStore
    let metrics: DaemonMetrics
    let logger: Logger
    /// Where `POST /v1/events` writes, `GET /v1/report` reads and caps are admitted: any engine.
    let store: any Store
    /// The endpoints answered; any other path is 404 (the diagnostics listener serves three).
    var endpoints: Set<Endpoint> = Set(Endpoint.allCases)

    public init(state: DaemonState, metrics: DaemonMetrics, logger: Logger, store: any Store) {
        self.state = state
        self.caps = store.caps
        self.metrics = metrics
        self.logger = logger
        self.store = store
    }

    /// The same responder answering only `endpoints`.
    func only(_ endpoints: Set<Endpoint>) -> DaemonResponder {
        var copy = self
        copy.endpoints = endpoints
        return copy
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        let path = request.uri.path
        var response: Response
        do {
            response = try await route(request, path: path)
        } catch {
            response = Self.problem(error)
        }
        record(method: request.method.rawValue, path: path, endpoint: Endpoint(path: path), status: Int(response.status.code),
               since: started)
        return response
    }

    /// Counts and logs one answered request (both transports, see ``LeanResponder``).
    /// - Parameter endpoint: `path`'s endpoint (nil for a path api.md does not define).
    func record(method: String, path: String, endpoint: Endpoint?, status: Int, since started: ContinuousClock.Instant) {
        let duration = ContinuousClock.now - started
        metrics.request(endpoint, status: status, duration: duration)
        if status >= 500 {
            logger.error("request failed", metadata: ["method": "\(method)", "path": "\(path)", "status": "\(status)"])
        } else {
            logger.debug("request", metadata: ["method": "\(method)", "path": "\(path)", "status": "\(status)",
                                               "duration": "\(duration)"])
        }
    }

    func route(_ request: Request, path: String) async throws(Problem) -> Response {
        guard let endpoint = Endpoint(path: path), endpoints.contains(endpoint) else { throw .notFound(path: path) }
        guard endpoint.accepts(request.method.rawValue) else {
            throw .methodNotAllowed(path: path, method: request.method.rawValue, allowed: endpoint.allowed)
        }
        let response = try await answer(request, endpoint: endpoint, path: path)
        // HEAD: what GET would answer, Content-Length included, without the body.
        return request.method == .head ? response.createHeadResponse() : response
    }

    func answer(_ request: Request, endpoint: Endpoint, path: String) async throws(Problem) -> Response {
        switch endpoint {
        case .recommendations:
            return try await evaluate(request, path: path, endpoint: .recommendations)
        case .nudges:
            return try await evaluate(request, path: path, endpoint: .nudges)
        case .journeys:
            return try Self.json(JourneysBody(state.snapshot))
        case .status:
            return try Self.json(StatusBody(snapshot: state.snapshot, state: state, store: store.status()))
        case .healthz:
            return try Self.json(["status": "ok"])
        case .readyz:
            let version = state.snapshot.ruleSet.version
            if state.isDraining {
                var response = try Self.json(["status": "draining", "ruleset": version], status: .serviceUnavailable)
                response.headers[.retryAfter] = String(Self.drainingRetryAfter)
                return response
            }
            return try Self.json(["status": "ready", "ruleset": version])
        case .metrics:
            if let durable = caps as? DurableCapStore {
                metrics.capVisitors(remembered: durable.remembered, evicted: durable.evictions)
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        case .events:
            return try await ingest(request)
        case .report:
            return try await report(request)
        case .openapi:
            return Response(status: .ok, headers: Self.jsonHeaders,
                            body: ResponseBody(byteBuffer: ByteBuffer(staticString: OpenAPIDocument.json)))
        }
    }

    func evaluate(_ request: Request, path: String, endpoint: DuwtjeWire.RequestDecoder.Endpoint) async throws(Problem) -> Response {
        let snapshot = state.snapshot
        let body = try await Self.collect(request, limit: snapshot.configuration.limits.maxBodyBytes, path: path)
        let bytes: ByteBuffer
        switch try evaluate(body: body, snapshot: snapshot, path: path, endpoint: endpoint) {
        case .written(let written): bytes = written
        case .admitting(let answer, let question): bytes = await admitted(answer, for: question)
        }
        return Response(status: .ok, headers: Self.jsonHeaders, body: ResponseBody(byteBuffer: bytes))
    }

    /// An evaluated body: written, or an answer whose nudge the caps must admit first.
    enum Evaluation {
        case written(ByteBuffer)
        case admitting(Answer, EvaluationRequest)
    }

    /// Decodes and evaluates a whole body, synchronously: what both transports run (the lean one on
    /// the event loop, see ``LeanResponder``). Admission, which may wait for a shared store, is left
    /// to ``admitted(_:for:)`` when the answer needs it.
    func evaluate(body: some Collection<UInt8>, snapshot: ServingSnapshot, path: String,
                  endpoint: DuwtjeWire.RequestDecoder.Endpoint) throws(Problem) -> Evaluation {
        let decoder = DuwtjeWire.RequestDecoder(endpoint: endpoint, maxLimit: snapshot.configuration.limits.maxLimit)
        let question: EvaluationRequest
        do {
            question = try decoder.decode(body, now: Date())
        } catch {
            throw .badRequest(error, path: path)
        }
        do throws(EvaluationError) {
            switch endpoint {
            case .recommendations:
                // The caps may start loading the visitor's lines now, to have them by admission.
                let hint = question.visitor.map { caps.prefetch(visitor: $0) } ?? .none
                var answer = try snapshot.ruleSet.evaluate(question)
                // Most admissions are answered from memory, here; only one that must wait for a
                // store (a visitor memory does not hold, a shared store) goes to a task.
                if answer.needsAdmission(for: question), !answer.admitNudgeWithoutWaiting(for: question, caps: caps, hint: hint) {
                    return .admitting(answer, question)
                }
                if let id = answer.nudgeID { metrics.nudgeServed(id) }
                return .written(AnswerWriter.write(answer))
            case .nudges:
                // Finite numbers and strings only: encoding cannot fail, and an empty body would be caught by any client.
                return .written(ByteBuffer(bytes: WireJSON.encode(try snapshot.ruleSet.nudges(for: question)) ?? []))
            }
        } catch {
            switch error {
            case .unknownJourney:
                throw Problem(slug: "unknown-journey", title: "Unknown journey", status: 404, detail: error.description,
                              field: "journey", instance: path)
            case .journeyRequired:
                throw Problem(slug: "missing-field", title: "Missing field", status: 400, detail: error.description,
                              field: "journey", instance: path)
            }
        }
    }

    /// The answer once the caps admitted its nudge (``Answer/admitNudge(for:caps:)``), written.
    func admitted(_ answer: Answer, for question: EvaluationRequest) async -> ByteBuffer {
        var answer = answer
        await answer.admitNudge(for: question, caps: caps)
        if let id = answer.nudgeID { metrics.nudgeServed(id) }
        return AnswerWriter.write(answer)
    }

    /// The body, up to `limit` bytes: a declared or actual length over it is 413 before more is read.
    /// - Parameter setting: the configuration setting that sets `limit`, named in the 413.
    static func collect(_ request: Request, limit: Int, path: String,
                        setting: String = "limits.max_body_bytes") async throws(Problem) -> [UInt8] {
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        if let declared, declared > limit {
            throw .bodyTooLarge(path: path, limit: limit, setting: setting)
        }
        var bytes: [UInt8] = []
        if let declared { bytes.reserveCapacity(declared) }
        do {
            for try await buffer in request.body {
                guard bytes.count + buffer.readableBytes <= limit else { throw Problem.bodyTooLarge(path: path, limit: limit, setting: setting) }
                bytes.append(contentsOf: buffer.readableBytesView)
            }
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem(slug: "malformed-request", title: "Malformed request", status: 400,
                          detail: "the body could not be read: \(error)", instance: path)
        }
        return bytes
    }

    /// `Retry-After` of `/readyz` while draining: about what a restart takes, so a load balancer looks
    /// again soon (the daemon may be coming back under systemd) without polling a stopping process.
    static let drainingRetryAfter = 5

    /// Made once: `HTTPFields` literals are built anew on every use.
    static let jsonHeaders: HTTPFields = [.contentType: "application/json"]

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok,
                     contentType: String = "application/json") throws(Problem) -> Response {
        guard let bytes = WireJSON.encode(value) else { throw .internalError(path: "") }
        return Response(status: status, headers: [.contentType: contentType],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func problem(_ error: any Error) -> Response {
        let problem = (error as? Problem) ?? .internalError(path: "")
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if let allowed = problem.allow { headers[.allow] = allowed }
        if let seconds = problem.retryAfter { headers[.retryAfter] = String(seconds) }
        if problem.status == 413 { headers[.connection] = "close" }
        return Response(status: HTTPResponse.Status(code: problem.status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: problem.body)))
    }
}
