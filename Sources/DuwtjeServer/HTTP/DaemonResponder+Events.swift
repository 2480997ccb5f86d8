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
    func ingest(_ request: Request) async throws(Problem) -> Response {
        let path = "/v1/events"
        let snapshot = state.snapshot
        let settings = snapshot.configuration.events
        let batch: EventBatch
        do {
            let body = try await Self.collect(request, limit: settings.maxBodyBytes, path: path, setting: "events.max_body_bytes")
            batch = try EventBatch.decode(body, ruleSet: snapshot.ruleSet, maxBatch: settings.maxBatch,
                                          retentionDays: store.retentionDays)
        } catch {
            metrics.batchRejected(reason: error.reason)
            throw error
        }
        do {
            try await store.append(batch.counts, dismissals: batch.dismissals, ruleSet: snapshot.ruleSet)
        } catch {
            metrics.batchRejected(reason: "store-failed")
            if let seconds = error.retryAfter {
                // A shared store that is unreachable: logged once per change of state by the store.
                var problem = Self.storeUnavailable(path: path, reason: "the store is unavailable for now; nothing was stored, retry later")
                problem.retryAfter = seconds
                throw problem
            }
            logger.critical("event store refuses writes", metadata: ["error": "\(error.description)"])
            throw Self.storeUnavailable(path: path, reason: "the event store could not commit; the log says why")
        }
        return try Self.json(EventsAccepted(stored: batch.count, ruleset: snapshot.ruleSet.version), status: .accepted)
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

/// The answer to an accepted batch.
struct EventsAccepted: Encodable {
    var stored: Int
    var ruleset: String
}
