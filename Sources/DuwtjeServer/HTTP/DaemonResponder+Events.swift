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
    /// 202 only once the batch is committed and fsynced (group commit, see ``EventStore``).
    func ingest(_ request: Request) async throws(Problem) -> Response {
        let path = "/v1/events"
        guard let store else { throw Self.storeUnavailable(path: path, reason: "the daemon runs without an event store") }
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
        // Dismissals are kept as keyed hashes, committed with the counts, and applied once durable.
        let durableCaps = caps as? DurableCapStore
        let dismissals = durableCaps?.dismissals(batch.dismissals, in: snapshot.ruleSet) ?? []
        do {
            try await store.append(batch.counts, dismissals: dismissals)
            durableCaps?.remember(dismissals)
        } catch {
            // The store tells the log once when it starts failing (``Daemon/openStore``), not here per batch.
            metrics.batchRejected(reason: "store-failed")
            throw Self.storeUnavailable(path: path, reason: store.failure == nil
                ? "the event store could not commit (the disk is full?); the batch is not stored; retry later"
                : "the event store refuses writes until the daemon is restarted; /v1/status says why")
        }
        return try Self.json(EventsAccepted(stored: batch.count, ruleset: snapshot.ruleSet.version), status: .accepted)
    }

    /// `GET /v1/report?journey=…&from=…&until=…`: read on a connection of its own, so a report
    /// never holds up ingestion.
    func report(_ request: Request) async throws(Problem) -> Response {
        let path = "/v1/report"
        guard let store else { throw Self.storeUnavailable(path: path, reason: "the daemon runs without an event store") }
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
        let storePath = store.path
        let result = await Task.detached { () -> Result<Report, StoreError> in
            do throws(StoreError) {
                let (totals, days) = try EventStore.totals(path: storePath, journey: journey, from: from, until: until)
                return .success(Report(totals: totals, days: days, journey: journey, from: from, until: until,
                                       experiments: Report.Experiment.all(in: snapshot.ruleSet)))
            } catch {
                return .failure(error)
            }
        }.value
        switch result {
        case .success(let report): return try Self.json(report)
        case .failure(let error):
            logger.error("cannot read the event store", metadata: ["error": "\(error.description)"])
            throw Self.storeUnavailable(path: path, reason: "the event store could not be read; the log says why")
        }
    }

    static func storeUnavailable(path: String, reason: String) -> Problem {
        Problem(slug: "store-unavailable", title: "Store unavailable", status: 503, detail: reason, instance: path)
    }
}

/// The answer to an accepted batch.
struct EventsAccepted: Encodable {
    var stored: Int
    var ruleset: String
}
