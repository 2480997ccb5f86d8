import DuwtjeTestSupport
import Foundation
import Testing

/// `caps.max_visitors` bounds memory, never a cap: a visitor forgotten to make room is read back from
/// the store when they return (issue 18, item 4), and every visitor's caps come back after a restart.
@Suite("caps under caps.max_visitors, end to end", .serialized, .timeLimit(.minutes(3)))
struct CapEvictionTests {
    /// The fixture's rule with a nudge shown at most once a week.
    static let rules = Fixture.rules(why: "A").replacingOccurrences(of: "cap: { max: 2, per: 1d }", with: "cap: { max: 1, per: 7d }")

    static func request(_ visitor: String) -> String {
        #"{"journey": "bz", "persona": "ouder", "visitor": "\#(visitor)", "context": {"process": "paspoort"}}"#
    }

    /// The nudge served to `visitor` now, if any.
    static func nudge(_ client: UnixHTTPClient, _ visitor: String) async throws -> String? {
        let reply = try await client.post("/v1/recommendations", request(visitor))
        #expect(reply.status == 200)
        return (reply.json?["nudge"] as? [String: Any])?["id"] as? String
    }

    /// A sample's value in the Prometheus text of `/metrics`, by its full name (labels included).
    static func metric(_ client: UnixHTTPClient, _ name: String) async throws -> Double? {
        let text = try await client.get("/metrics").body
        return text.split(separator: "\n").lazy.compactMap { line -> Double? in
            let parts = line.split(separator: " ")
            guard parts.count == 2, parts[0] == name else { return nil }
            return Double(parts[1])
        }.first
    }

    @Test("max_visitors 10, cap once per 7d: v0 is not nudged again after ten others pushed it out of memory, nor after a restart")
    func evictedVisitorKeepsCap() async throws {
        let daemon = try DaemonProcess(config: "caps: { max_visitors: 10 }\n", rules: Self.rules)
        try await daemon.start()
        var client = daemon.client
        #expect(try await Self.nudge(client, "v0") == "n1")
        #expect(try await Self.nudge(client, "v0") == nil)
        for index in 1...10 {
            #expect(try await Self.nudge(client, "v\(index)") == "n1", "v\(index)'s first visit")
        }
        // v0 was the least recently seen of eleven: forgotten from memory, not from the store.
        #expect(try await Self.metric(client, "duwtje_cap_visitors_evicted_total") == 1)
        #expect(try await Self.metric(client, "duwtje_cap_visitors_remembered") == 10)
        #expect(try await Self.nudge(client, "v0") == nil, "the evicted visitor got a capped nudge again")
        // Reading v0 back pushed v1 out; v1 is read back in turn (pushing v2 out).
        #expect(try await Self.metric(client, "duwtje_cap_visitors_evicted_total") == 2)
        #expect(try await Self.nudge(client, "v1") == nil)
        #expect(try await Self.metric(client, "duwtje_cap_visitors_evicted_total") == 3)

        // After a restart memory holds the ten seen last; the eleventh comes from the store.
        #expect(await daemon.stop() == 0)
        try await daemon.start()
        client = daemon.client
        for index in 0...10 {
            #expect(try await Self.nudge(client, "v\(index)") == nil, "v\(index) after a restart")
        }
        #expect(try await Self.nudge(client, "someone-new") == "n1")
        #expect(await daemon.stop() == 0)
    }
}
