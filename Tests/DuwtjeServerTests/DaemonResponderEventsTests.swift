@testable import DuwtjeServer
import DuwtjeTestSupport
import DuwtjeWire
import Foundation
import Testing

/// `POST /v1/events` and `GET /v1/report` through the responder in this process, on a real SQLite
/// store in a temporary directory.
@Suite("Events and the report, in process")
struct DaemonResponderEventsTests {
    @Test("a batch is acknowledged once stored, counted in the report, the metrics and the status")
    func acknowledgedAndCounted() async throws {
        let daemon = try await InProcessDaemon(rules: EventsFixture.rules)
        // Every event carries its time, two days back: the day it is counted on is then fixed by the
        // test, not by when the test happens to run (a test near midnight saw two different days).
        let at = Date().addingTimeInterval(-2 * 86_400)
        let stamp = ISO8601DateFormatter().string(from: at)
        let events = EventsFixture.repeated(12, EventsFixture.event("impression", at: stamp))
            + EventsFixture.repeated(3, EventsFixture.event("click", at: stamp))
            + [EventsFixture.event("dismiss", content: nil, at: stamp)]
        let reply = try await daemon.post("/v1/events", EventsFixture.batch(events))
        #expect(reply.status == 202)
        #expect(reply.json?["stored"] as? Int == 16)

        let report = try await daemon.get("/v1/report?journey=bz")
        #expect(report.status == 200)
        let rules = try #require(report.json?["rules"] as? [[String: Any]])
        let r1 = try #require(rules.first { $0["rule"] as? String == "r1" })
        let variant = try #require((r1["variants"] as? [[String: Any]])?.first)
        #expect(variant["impressions"] as? Int == 12)
        // 3 clicks and 1 dismissal are below 10: shown as "<10", and the click rate is withheld.
        #expect(variant["clicks"] as? String == "<10" && variant["dismissals"] as? String == "<10")
        #expect(variant["click_rate"] is NSNull && variant["suppressed"] as? Bool == true)

        let metrics = try await daemon.metricsText()
        #expect(metrics.contains(#"duwtje_events_stored_total{type="impression"} 12"#))
        #expect(metrics.contains(#"duwtje_events_stored_total{type="click"} 3"#))
        #expect(metrics.contains("duwtje_store_commit_duration_seconds_count"))

        let status = try await daemon.get("/v1/status")
        let store = try #require(status.json?["store"] as? [String: Any])
        #expect(store["path"] as? String == daemon.configuration.store.path)
        #expect((store["size_bytes"] as? Int ?? 0) > 0)
        #expect(store["oldest_day"] as? String == EventCountKey.day(of: at, in: daemon.configuration.timeZone))
        #expect(fileMode(daemon.configuration.store.secretPath) == 0o600)
    }

    @Test("a batch with one unknown id is refused whole with 422 naming it and its index; nothing is stored")
    func unknownIdStoresNothing() async throws {
        let daemon = try await InProcessDaemon(rules: EventsFixture.rules)
        var events = EventsFixture.repeated(5, EventsFixture.event("impression"))
        events[3] = EventsFixture.event("impression", rule: "nope")
        let refused = try await daemon.post("/v1/events", EventsFixture.batch(events))
        #expect(refused.status == 422)
        #expect(refused.headers["content-type"] == "application/problem+json")
        #expect(refused.json?["type"] as? String == "urn:duwtje:problem:unknown-ids")
        let errors = try #require(refused.json?["errors"] as? [[String: Any]])
        #expect(errors.count == 1)
        #expect(errors.first?["index"] as? Int == 3 && errors.first?["field"] as? String == "rule"
            && errors.first?["value"] as? String == "nope")

        // An unknown variant and content are named too, each with its index.
        let mixed = try await daemon.post("/v1/events", EventsFixture.batch([
            EventsFixture.event("click", rule: "exp", variant: "zz", content: "c2"),
            EventsFixture.event("click", content: "c9"),
        ]))
        #expect(mixed.status == 422)
        let named = (mixed.json?["errors"] as? [[String: Any]])?.map { "\($0["index"] ?? "")/\($0["field"] ?? "")" }
        #expect(named == ["0/variant", "1/content"])

        let malformed = try await daemon.post("/v1/events", EventsFixture.batch([#"{"type": "view", "journey": "bz"}"#]))
        #expect(malformed.status == 400)

        let report = try await daemon.get("/v1/report")
        #expect((report.json?["rules"] as? [Any])?.isEmpty == true)
        #expect(try await daemon.metricsText().contains(#"duwtje_event_batches_rejected_total{reason="unknown-ids"} 2"#))
    }

    @Test("the report's figures match hand-computed ones")
    func reportFigures() async throws {
        let daemon = try await InProcessDaemon(rules: EventsFixture.rules)
        let control = EventsFixture.experiment("controle", impressions: 200, clicks: 20, conversions: 10)
        let variant = EventsFixture.experiment("a", impressions: 220, clicks: 44, conversions: 15)
        #expect(try await daemon.post("/v1/events", EventsFixture.batch(control)).status == 202)
        #expect(try await daemon.post("/v1/events", EventsFixture.batch(variant)).status == 202)
        let reply = try await daemon.get("/v1/report?journey=bz&from=2020-01-01")
        #expect(reply.status == 200)
        try EventsFixture.checkFigures(reply.json)
        let bad = try await daemon.get("/v1/report?from=gisteren")
        #expect(bad.status == 400 && bad.json?["field"] as? String == "from")
        #expect(try await daemon.get("/v1/report?journey=nope").status == 404)
    }

    @Test("a /v1/events body over events.max_body_bytes gets 413 naming that setting, and counts as a rejected batch")
    func eventsBodyTooLarge() async throws {
        let daemon = try await InProcessDaemon(config: "events: { max_body_bytes: 1024 }\n")
        let reply = try await daemon.post("/v1/events", "{\"events\":[" + String(repeating: " ", count: 2_000) + "]}")
        #expect(reply.status == 413)
        #expect(reply.body.contains("(events.max_body_bytes)"), "\(reply.body)")
        #expect(!reply.body.contains("limits.max_body_bytes"))
        #expect(try await daemon.metricsText().contains(#"duwtje_event_batches_rejected_total{reason="body-too-large"} 1"#))
    }

    @Test("GET /v1/report with from after until is 400 naming from; the same day for both is a range")
    func reportRange() async throws {
        let daemon = try await InProcessDaemon()
        let refused = try await daemon.get("/v1/report?from=2026-11-20&until=2026-11-01")
        #expect(refused.status == 400 && refused.json?["field"] as? String == "from")
        #expect(refused.body.contains("'from' (2026-11-20) is after 'until' (2026-11-01)"))
        #expect(try await daemon.get("/v1/report?from=2026-11-01&until=2026-11-01").status == 200)
    }

    /// The contract's `Day` (format `date`) refuses these; the daemon used to take them (Schemathesis
    /// found `until=9578-09-31`, answered 200 with the non-day echoed back).
    @Test("GET /v1/report takes only calendar days: no 30 February, no signs, nothing before 1970")
    func reportDays() async throws {
        let daemon = try await InProcessDaemon()
        for day in ["9578-09-31", "2026-02-30", "2025-02-29", "2026-+1-01", "2026-1-01", "1969-12-31", "2026-11-01T00:00:00Z"] {
            let reply = try await daemon.get("/v1/report?until=" + day)
            #expect(reply.status == 400 && reply.json?["type"] as? String == "urn:duwtje:problem:invalid-value", "\(day)")
            #expect(reply.json?["field"] as? String == "until", "\(day)")
        }
        for day in ["2024-02-29", "1970-01-01", "2026-12-31"] {
            #expect(try await daemon.get("/v1/report?until=" + day).status == 200, "\(day)")
        }
    }
}
