import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real `duwtje serve`, started on a temporary socket with a temporary rule set, talked to over
/// the socket. Serialized: the machine has two cores and each test runs a daemon of its own.
@Suite("duwtje serve, end to end", .serialized, .timeLimit(.minutes(3)))
struct DaemonEndToEndTests {
    static let recommend = #"{"journey": "bz", "persona": "ouder", "context": {"process": "paspoort"}}"#

    @Test("every endpoint answers with the documented body")
    func endpoints() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let client = SocketClient(daemon)
        defer { Task { await client.shutdown() } }
        #expect(fileMode(daemon.socketPath) == 0o660)

        let health = try await client.get("/healthz")
        #expect(health.status == 200 && health.json?["status"] as? String == "ok")

        let status = try await client.get("/v1/status")
        #expect(status.status == 200 && status.headers["content-type"] == "application/json")
        let ruleset = try #require(status.json?["ruleset"] as? [String: Any])
        let version = try #require(ruleset["version"] as? String)
        #expect(version.hasPrefix("sha256:") && ruleset["rules"] as? Int == 1 && ruleset["files"] as? Int == 2)
        #expect(ruleset["directory"] as? String == daemon.rulesDirectory)
        #expect(status.json?["socket"] as? String == daemon.socketPath)
        #expect(status.json?["last_reload"] is NSNull)

        let ready = try await client.get("/readyz")
        #expect(ready.status == 200 && ready.json?["ruleset"] as? String == version)

        let journeys = try await client.get("/v1/journeys")
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
        let first = try await client.post("/v1/recommendations", body)
        #expect(first.status == 200)
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
        _ = try await client.post("/v1/recommendations", body)
        let third = try await client.post("/v1/recommendations", body)
        #expect(third.json?["nudge"] is NSNull)
        let noExplain = try await client.post("/v1/recommendations", #"{"journey": "bz", "limit": 1, "context": {"nieuw": 1}}"#)
        #expect(noExplain.json?["explanation"] == nil && (noExplain.json?["recommendations"] as? [Any])?.count == 1)
        #expect((noExplain.json?["warnings"] as? [String])?.first?.contains("unknown context key 'nieuw'") == true)

        let nudges = try await client.post("/v1/nudges", Self.recommend)
        #expect(nudges.status == 200 && nudges.json?["ruleset"] as? String == version)
        let listed = try #require((nudges.json?["nudges"] as? [[String: Any]])?.first)
        #expect(listed["id"] as? String == "n1" && listed["rule"] as? String == "r1" && listed["rank"] as? Int == 1)

        let metrics = try await client.get("/metrics")
        #expect(metrics.status == 200 && metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        #expect(metrics.body.contains(#"duwtje_http_requests_total{endpoint="recommendations",status="200"} 4"#))
        #expect(metrics.body.contains(#"duwtje_nudges_served_total{nudge="n1"} 2"#))
        #expect(metrics.body.contains("duwtje_rules_loaded 1"))
        #expect(metrics.body.contains(#"duwtje_http_request_duration_seconds_bucket{endpoint="status""#))
        #expect(metrics.body.contains(#"duwtje_reloads_total{result="ok"} 0"#))
        #expect(!daemon.stderr.contains("v-1"))
        #expect(await daemon.stop() == 0)
    }

    @Test("every error status, as problem+json naming what to fix")
    func errors() async throws {
        let daemon = try DaemonProcess(config: "limits: { max_body_bytes: 1024 }\n")
        try await daemon.start()
        let client = SocketClient(daemon)
        defer { Task { await client.shutdown() } }

        func problem(_ reply: Reply, _ status: Int, _ type: String, field: String? = nil) {
            #expect(reply.status == status)
            #expect(reply.headers["content-type"] == "application/problem+json")
            #expect(reply.json?["status"] as? Int == status)
            #expect(reply.json?["type"] as? String == "urn:duwtje:problem:" + type)
            #expect((reply.json?["title"] as? String)?.isEmpty == false)
            #expect((reply.json?["detail"] as? String)?.isEmpty == false)
            #expect(reply.json?["field"] as? String == field)
        }
        let malformed = try await client.post("/v1/recommendations", #"{"journey": "bz""#)
        problem(malformed, 400, "malformed-json")
        #expect((malformed.json?["detail"] as? String)?.hasPrefix("the body is not valid JSON") == true)
        problem(try await client.post("/v1/recommendations", #"{"journey": 1}"#), 400, "wrong-type", field: "journey")
        problem(try await client.post("/v1/recommendations", #"{"context": {"visits": {}}}"#), 400, "wrong-type", field: "context.visits")
        let unknown = try await client.post("/v1/recommendations", #"{"jouney": "bz"}"#)
        problem(unknown, 400, "unknown-field", field: "jouney")
        #expect(unknown.json?["detail"] as? String == "unknown field 'jouney' (did you mean 'journey'?)")
        problem(try await client.post("/v1/nudges", #"{"visitor": "v"}"#), 400, "unknown-field", field: "visitor")
        problem(try await client.post("/v1/recommendations", #"{"limit": 21}"#), 400, "invalid-value", field: "limit")
        let journey = try await client.post("/v1/recommendations", #"{"journey": "bx"}"#)
        problem(journey, 404, "unknown-journey", field: "journey")
        #expect(journey.json?["detail"] as? String == "unknown journey 'bx' (did you mean 'bz'?)")
        problem(try await client.get("/v1/nothing"), 404, "not-found")
        problem(try await client.get("/v1/events"), 405, "method-not-allowed")
        problem(try await client.post("/v1/report", "{}"), 405, "method-not-allowed")
        let method = try await client.get("/v1/recommendations")
        problem(method, 405, "method-not-allowed")
        #expect(method.headers["allow"] == "POST")
        let post = try await client.post("/healthz", "{}")
        problem(post, 405, "method-not-allowed")
        #expect(post.headers["allow"] == "GET, HEAD")
        let large = try await client.post("/v1/recommendations", "{\"journey\": \"" + String(repeating: "x", count: 2_000) + "\"}")
        problem(large, 413, "body-too-large")
        // Oversized or too many headers: 400 and the connection closed, before any handler runs.
        let headers = (0..<150).map { "X-H\($0): v\r\n" }.joined()
        let many = try await RawClient.exchange(daemon.socketPath, "GET /healthz HTTP/1.1\r\nHost: d\r\n\(headers)\r\n")
        #expect(many.hasPrefix("HTTP/1.1 400"))
        let huge = try await RawClient.exchange(daemon.socketPath,
                                                "GET /healthz HTTP/1.1\r\nHost: d\r\nX-Big: \(String(repeating: "a", count: 20_000))\r\n\r\n")
        #expect(huge.hasPrefix("HTTP/1.1 400"))
        // Garbage instead of HTTP.
        let garbage = try await RawClient.exchange(daemon.socketPath, "\u{1}\u{2}\u{3} nonsense\r\n\r\n")
        #expect(garbage.hasPrefix("HTTP/1.1 400"))
        // And the daemon still answers.
        #expect(try await client.get("/healthz").status == 200)
        let metrics = try await client.get("/metrics")
        #expect(metrics.body.contains(#"duwtje_http_requests_total{endpoint="other",status="404"} 1"#))
        #expect(metrics.body.contains(#"duwtje_http_requests_total{endpoint="events",status="405"} 1"#))
        #expect(metrics.body.contains(#"duwtje_http_requests_total{endpoint="recommendations",status="413"} 1"#))
        #expect(await daemon.stop() == 0)
    }
}
