import DuwtjeRules
import DuwtjeReport
import DuwtjeStore
import DuwtjeWire
import Foundation
import Hummingbird
import HTTPTypes
import Logging
import NIOCore

extension DaemonResponder {
    /// `POST /v1/events`: checks the whole batch against the rule set being served, then answers
    /// 202 only once the batch is durable in the store (group commit, see ``Store/append(_:)``).
    /// A batch with an idempotency key (`batch`, or the `Idempotency-Key` header) that repeats a
    /// remembered one counts nothing: 202 with the first answer and `Idempotent-Replayed: true`, or
    /// 422 when the key came with other events.
    func ingest(_ request: Request) async throws(Problem) -> Response {
        let path = "/v1/events"
        let snapshot = state.snapshot
        let settings = snapshot.configuration.events
        let batch: EventBatch
        do {
            let body = try await Self.collect(request, limit: settings.maxBodyBytes, path: path, setting: "events.max_body_bytes")
            batch = try EventBatch.decode(body, idempotencyKey: HTTPField.Name.idempotencyKey.flatMap { request.headers[$0] },
                                          ruleSet: snapshot.ruleSet, maxBatch: settings.maxBatch, retentionDays: store.retentionDays)
        } catch {
            metrics.batchRejected(reason: error.reason)
            throw error
        }
        guard let answer = WireJSON.encode(EventsAccepted(stored: batch.count, ruleset: snapshot.ruleSet.version)) else {
            throw .internalError(path: path)
        }
        let receipt = batch.key.map { BatchReceipt(key: $0, digest: batch.digest ?? [], answer: answer) }
        let outcome: BatchReceipt.Outcome
        do {
            outcome = try await store.append(batch.counts, dismissals: batch.dismissals, ruleSet: snapshot.ruleSet, receipt: receipt)
        } catch {
            // The store tells the log once when it starts failing (``Daemon/openStore``), not here per batch.
            metrics.batchRejected(reason: "store-failed")
            if let seconds = error.retryAfter {
                // A shared store that is unreachable: logged once per change of state by the store.
                var problem = Self.storeUnavailable(path: path, reason: "the store is unavailable for now; nothing was stored, retry later")
                problem.retryAfter = seconds
                throw problem
            }
            throw Self.storeUnavailable(path: path, reason: store.status().failure == nil
                ? "the event store could not commit (the disk is full?); the batch is not stored; retry later"
                : "the event store refuses writes until the daemon is restarted; /v1/status says why")
        }
        var headers = Self.jsonHeaders
        switch outcome {
        case .stored:
            return Response(status: .accepted, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer)))
        case .replayed(let first):
            metrics.batchReplayed()
            if let name = HTTPField.Name.idempotentReplayed { headers[name] = "true" }
            return Response(status: .accepted, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: first)))
        case .keyReused:
            let problem = Problem.batchKeyReused(key: batch.key ?? "", path: path)
            metrics.batchRejected(reason: problem.reason)
            throw problem
        }
    }

    /// `GET /v1/report?journey=…&from=…&until=…`: read on a connection of its own, so a report
    /// never holds up ingestion.
    func report(_ request: Request) async throws(Problem) -> Response {
        let path = "/v1/report"
        var journey: String?
        var from: String?
        var until: String?
        for (name, value) in request.uri.queryParameters {
            let key = String(name)
            let text = String(value)
            switch key {
            case "journey": journey = text.isEmpty ? nil : text
            case "from", "until":
                guard ReportQuery.isDay(text) else {
                    throw Problem(slug: "invalid-value", title: "Invalid value", status: 400,
                                  detail: "'\(key)' must be a day as yyyy-MM-dd, not '\(text)'", field: key, instance: path)
                }
                if key == "from" { from = text } else { until = text }
            default:
                throw Problem(slug: "unknown-field", title: "Unknown field", status: 400,
                              detail: "'\(key)' is not a parameter of /v1/report; use journey, from and until", field: key,
                              instance: path)
            }
        }
        if let problem = ReportQuery.rangeProblem(from: from, until: until) {
            throw Problem(slug: "invalid-value", title: "Invalid value", status: 400, detail: problem, field: "from", instance: path)
        }
        let snapshot = state.snapshot
        if let journey, !snapshot.ruleSet.definition.journeys.contains(where: { $0.id == journey }) {
            throw Problem(slug: "unknown-journey", title: "Unknown journey", status: 404, detail: "no journey '\(journey)'",
                          field: "journey", instance: path)
        }
        do {
            // The store reads off the event loops (SQLite on the blocking pool, PostgreSQL over the network).
            let result = try await store.totals(journey: journey, from: from, until: until)
            return try Self.json(Report(totals: result.totals, days: result.days, journey: journey, from: from, until: until,
                                        experiments: Report.Experiment.all(in: snapshot.ruleSet)))
        } catch let problem as Problem {
            throw problem
        } catch {
            logger.error("cannot read the event store", metadata: ["error": "\(error)"])
            throw Self.storeUnavailable(path: path, reason: "the event store could not be read; the log says why")
        }
    }

    /// 503 with `Retry-After`: the client keeps the batch and sends it again then. A full disk
    /// clears by itself once space returns; other I/O errors last until a restart, which operations
    /// see in `/v1/status` and the log, so half a minute neither floods the daemon nor loses much time.
    static func storeUnavailable(path: String, reason: String) -> Problem {
        var problem = Problem(slug: "store-unavailable", title: "Store unavailable", status: 503, detail: reason, instance: path)
        problem.retryAfter = storeRetryAfter
        return problem
    }

    static let storeRetryAfter = 30
}

extension HTTPField.Name {
    /// The request's key for an event batch (``BatchKey``); a valid token, so never nil.
    static let idempotencyKey = HTTPField.Name(BatchKey.headerName)
    /// Set on the 202 to a repeated batch, as the idempotency-key draft's implementers do.
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")
}

/// The answer to an accepted batch.
struct EventsAccepted: Encodable {
    var stored: Int
    var ruleset: String
}
