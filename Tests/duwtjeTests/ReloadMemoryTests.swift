import DuwtjeTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What reloads leave in memory, with the real binary and real SIGHUPs (issue 15: a daemon that
/// kept its first rule set for good, beside every later one).
@Suite("duwtje serve: reloads let go of the rule sets they replace", .serialized, .timeLimit(.minutes(5)))
struct ReloadMemoryTests {
    @Test("10 SIGHUPs with requests between them: /metrics counts 1 rule set in memory again after each")
    func oneRuleSetAfterReloads() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let client = daemon.client
        let body = #"{"journey": "bz", "persona": "ouder", "context": {"process": "paspoort"}}"#
        try await eventually("one rule set after the start") { try await held(client) == 1 }
        var versions: Set<String> = []
        for round in 1...10 {
            try daemon.write("rules/rules.yaml", Fixture.rules(why: "round \(round)"))
            daemon.signal(SIGHUP)
            try await eventually("reload \(round)") { try await reloadsOK(client) == round }
            let answer = try #require(try await client.post("/v1/recommendations", body).json)
            versions.insert(try #require(answer["ruleset"] as? String))
            // The previous set is let go once no request reads it: at once here, so a wait, not a sleep.
            try #require(try await eventually("one rule set after reload \(round)") { try await held(client) == 1 })
        }
        #expect(versions.count == 10)
        #expect(await daemon.stop() == 0)
    }

    func reloadsOK(_ client: UnixHTTPClient) async throws -> Int {
        ((try await client.get("/v1/status").json)?["reloads"] as? [String: Any])?["ok"] as? Int ?? -1
    }

    /// `duwtje_rule_sets_held` from `/metrics`, or -1 when it is not there.
    func held(_ client: UnixHTTPClient) async throws -> Int {
        let metrics = try await client.get("/metrics").body
        for line in metrics.split(separator: "\n") where line.hasPrefix("duwtje_rule_sets_held ") {
            return Double(line.dropFirst("duwtje_rule_sets_held ".count)).map { Int($0) } ?? -1
        }
        return -1
    }
}
