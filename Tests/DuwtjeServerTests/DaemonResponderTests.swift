@testable import DuwtjeServer
import DuwtjeTestSupport
import DuwtjeWire
import Foundation
import HTTPTypes
import Testing

/// Every route and status of api.md, through the daemon's responder in this process (no socket, no
/// child process): the same state, metrics and store `duwtje serve` wires up.
@Suite("Routes and statuses, in process")
struct DaemonResponderTests {
    static let recommend = #"{"journey": "bz", "persona": "ouder", "context": {"process": "paspoort"}}"#

    @Test("every endpoint answers with the documented body")
    func endpoints() async throws {
        let daemon = try await InProcessDaemon()
        let health = try await daemon.get("/healthz")
        #expect(health.status == 200 && health.json?["status"] as? String == "ok")

        let status = try await daemon.get("/v1/status")
        #expect(status.status == 200 && status.headers["content-type"] == "application/json")
        let ruleset = try #require(status.json?["ruleset"] as? [String: Any])
        let version = try #require(ruleset["version"] as? String)
        #expect(version.hasPrefix("sha256:") && ruleset["rules"] as? Int == 1 && ruleset["files"] as? Int == 2)
        #expect(ruleset["directory"] as? String == daemon.fixture.rulesDirectory)
        #expect(status.json?["socket"] as? String == daemon.configuration.socket.path)
        #expect(status.json?["last_reload"] is NSNull)

        let ready = try await daemon.get("/readyz")
        #expect(ready.status == 200 && ready.json?["ruleset"] as? String == version)

        let journeys = try await daemon.get("/v1/journeys")
        let journey = try #require((journeys.json?["journeys"] as? [[String: Any]])?.first)
        #expect(journey["id"] as? String == "bz" && journey["label"] as? String == "Burgerzaken")
        #expect((journey["stages"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["bewustwording", "besluitvorming"])
        #expect((journeys.json?["personas"] as? [[String: Any]])?.first?["id"] as? String == "ouder")
        #expect((journeys.json?["content_types"] as? [[String: Any]])?.first?["id"] as? String == "informatief")
        let keys = try #require(journeys.json?["context_keys"] as? [[String: Any]])
        #expect(keys.first { $0["id"] as? String == "process" }?["values"] as? [String] == ["paspoort", "rijbewijs"])
        #expect(keys.first { $0["id"] as? String == "visits" }?["type"] as? String == "number")

        // Recommendations with a nudge capped at 2 per day for one visitor.
        let body = #"{"journey": "bz", "persona": "ouder", "visitor": "v-1", "context": {"process": "paspoort"}, "explain": true}"#
        let first = try await daemon.post("/v1/recommendations", body)
        #expect(first.status == 200 && first.headers["content-type"] == "application/json")
        let answer = try #require(first.json)
        #expect(answer["ruleset"] as? String == version && answer["stage"] as? String == "bewustwording")
        #expect(answer["stage_source"] as? String == "default")
        let items = try #require(answer["recommendations"] as? [[String: Any]])
        #expect(items.compactMap { $0["content"] as? String } == ["c1", "c2", "f1"])
        #expect(items.first?["rule"] as? String == "r1" && items.first?["why"] as? String == "A")
        #expect(items.last?["fallback"] as? String == "journey")
        let nudge = try #require(answer["nudge"] as? [String: Any])
        #expect(nudge["id"] as? String == "n1" && nudge["alternative"] as? String == "Bel 14 020.")
        #expect((answer["explanation"] as? [[String: Any]])?.first?["matched"] as? Bool == true)
        _ = try await daemon.post("/v1/recommendations", body)
        let third = try await daemon.post("/v1/recommendations", body)
        #expect(third.json?["nudge"] is NSNull)
        let noExplain = try await daemon.post("/v1/recommendations", #"{"journey": "bz", "limit": 1, "context": {"nieuw": 1}}"#)
        #expect(noExplain.json?["explanation"] == nil && (noExplain.json?["recommendations"] as? [Any])?.count == 1)
        #expect((noExplain.json?["warnings"] as? [String])?.first?.contains("unknown context key 'nieuw'") == true)

        let nudges = try await daemon.post("/v1/nudges", Self.recommend)
        #expect(nudges.status == 200 && nudges.json?["ruleset"] as? String == version)
        let listed = try #require((nudges.json?["nudges"] as? [[String: Any]])?.first)
        #expect(listed["id"] as? String == "n1" && listed["rule"] as? String == "r1" && listed["rank"] as? Int == 1)

        let metrics = try await daemon.get("/metrics")
        #expect(metrics.status == 200 && metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        #expect(metrics.body.contains(#"duwtje_http_requests_total{endpoint="recommendations",status="200"} 4"#))
        #expect(metrics.body.contains(#"duwtje_nudges_served_total{nudge="n1"} 2"#))
        #expect(metrics.body.contains("duwtje_rules_loaded 1"))
        #expect(metrics.body.contains(#"duwtje_http_request_duration_seconds_bucket{endpoint="status""#))
        #expect(metrics.body.contains(#"duwtje_reloads_total{result="ok"} 0"#))
    }

    /// Checks one problem+json answer: status, type, a title and a detail, and the field it names.
    func expectProblem(_ reply: Reply, _ status: Int, _ type: String, field: String? = nil,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(reply.status == status, sourceLocation: sourceLocation)
        #expect(reply.headers["content-type"] == "application/problem+json", sourceLocation: sourceLocation)
        #expect(reply.json?["status"] as? Int == status, sourceLocation: sourceLocation)
        #expect(reply.json?["type"] as? String == "urn:duwtje:problem:" + type, sourceLocation: sourceLocation)
        #expect((reply.json?["title"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        #expect((reply.json?["detail"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(reply.json?["field"] as? String == field, sourceLocation: sourceLocation)
    }

    @Test("every error status, as problem+json naming what to fix")
    func errors() async throws {
        let daemon = try await InProcessDaemon(config: "limits: { max_body_bytes: 1024 }\n")
        let malformed = try await daemon.post("/v1/recommendations", #"{"journey": "bz""#)
        expectProblem(malformed, 400, "malformed-json")
        #expect((malformed.json?["detail"] as? String)?.hasPrefix("the body is not valid JSON") == true)
        expectProblem(try await daemon.post("/v1/recommendations", #"{"journey": 1}"#), 400, "wrong-type", field: "journey")
        expectProblem(try await daemon.post("/v1/recommendations", #"{"context": {"visits": {}}}"#), 400, "wrong-type",
                      field: "context.visits")
        let unknown = try await daemon.post("/v1/recommendations", #"{"jouney": "bz"}"#)
        expectProblem(unknown, 400, "unknown-field", field: "jouney")
        #expect(unknown.json?["detail"] as? String == "unknown field 'jouney' (did you mean 'journey'?)")
        expectProblem(try await daemon.post("/v1/nudges", #"{"visitor": "v"}"#), 400, "unknown-field", field: "visitor")
        expectProblem(try await daemon.post("/v1/recommendations", #"{"limit": 21}"#), 400, "invalid-value", field: "limit")
        let journey = try await daemon.post("/v1/recommendations", #"{"journey": "bx"}"#)
        expectProblem(journey, 404, "unknown-journey", field: "journey")
        #expect(journey.json?["detail"] as? String == "unknown journey 'bx' (did you mean 'bz'?)")
        expectProblem(try await daemon.get("/v1/nothing"), 404, "not-found")
        expectProblem(try await daemon.get("/v1/events"), 405, "method-not-allowed")
        expectProblem(try await daemon.post("/v1/report", "{}"), 405, "method-not-allowed")
        let method = try await daemon.get("/v1/recommendations")
        expectProblem(method, 405, "method-not-allowed")
        #expect(method.headers["allow"] == "POST")
        let post = try await daemon.post("/healthz", "{}")
        expectProblem(post, 405, "method-not-allowed")
        #expect(post.headers["allow"] == "GET, HEAD")
        let large = try await daemon.post("/v1/recommendations", "{\"journey\": \"" + String(repeating: "x", count: 2_000) + "\"}")
        expectProblem(large, 413, "body-too-large")
        #expect(large.headers["connection"] == "close")
        // And the daemon still answers, having counted each by endpoint.
        #expect(try await daemon.get("/healthz").status == 200)
        let metrics = try await daemon.metricsText()
        #expect(metrics.contains(#"duwtje_http_requests_total{endpoint="other",status="404"} 1"#))
        #expect(metrics.contains(#"duwtje_http_requests_total{endpoint="events",status="405"} 1"#))
        #expect(metrics.contains(#"duwtje_http_requests_total{endpoint="recommendations",status="413"} 1"#))
    }

    @Test("GET /v1/openapi.json serves the contract of docs/openapi.yaml: every endpoint of the table with its methods, no other")
    func contract() async throws {
        let daemon = try await InProcessDaemon()
        let reply = try await daemon.get("/v1/openapi.json")
        #expect(reply.status == 200 && reply.headers["content-type"] == "application/json")
        let document = try #require(reply.json)
        #expect((document["openapi"] as? String)?.hasPrefix("3.1.") == true)
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        #expect(Set(paths.keys) == Set(Endpoint.allCases.map(\.path)))
        for endpoint in Endpoint.allCases {
            let methods = Set((paths[endpoint.path] ?? [:]).keys.map { $0.uppercased() })
            #expect(methods == Set(endpoint.allowed.components(separatedBy: ", ")), "\(endpoint.path)")
        }
        let head = try await daemon.get("/v1/openapi.json", method: .head)
        #expect(head.status == 200 && head.body.isEmpty && head.headers["content-type"] == "application/json")
        let post = try await daemon.post("/v1/openapi.json", "{}")
        expectProblem(post, 405, "method-not-allowed")
        #expect(post.headers["allow"] == "GET, HEAD")
        #expect(try await daemon.metricsText().contains(#"duwtje_http_requests_total{endpoint="openapi",status="200"} 2"#), "GET and HEAD")
    }

    @Test("/readyz while draining is 503 with Retry-After, as the contract says")
    func drainingRetryAfter() async throws {
        let daemon = try await InProcessDaemon()
        daemon.state.beginDraining()
        let reply = try await daemon.get("/readyz")
        #expect(reply.status == 503 && reply.json?["status"] as? String == "draining")
        #expect(reply.headers["retry-after"] == "5")
        #expect(try await daemon.get("/healthz").status == 200)
    }
}
