import DuwtjeServer
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
import DuwtjeWire
import DuwtjeTestSupport
#endif

/// `POST /v1/events`, `GET /v1/report`, durable caps and `duwtje report`, on the real binary.
@Suite("events and report, end to end", .serialized, .timeLimit(.minutes(3)))
struct EventsEndToEndTests {
    @Test("a batch is acknowledged once stored, counted in the report, the metrics and the status")
    func acknowledgedAndCounted() async throws {
        let daemon = try DaemonProcess(rules: EventsFixture.rules)
        try await daemon.start()
        let client = SocketClient(daemon)
        defer { Task { await client.shutdown() } }

        let events = EventsFixture.repeated(12, EventsFixture.event("impression"))
            + EventsFixture.repeated(3, EventsFixture.event("click"))
            + [EventsFixture.event("dismiss", content: nil)]
        let reply = try await client.post("/v1/events", EventsFixture.batch(events))
        #expect(reply.status == 202)
        #expect(reply.json?["stored"] as? Int == 16)

        let report = try await client.get("/v1/report?journey=bz")
        #expect(report.status == 200)
        let rules = try #require(report.json?["rules"] as? [[String: Any]])
        let r1 = try #require(rules.first { $0["rule"] as? String == "r1" })
        let variant = try #require((r1["variants"] as? [[String: Any]])?.first)
        #expect(variant["impressions"] as? Int == 12)
        // 3 clicks and 1 dismissal are below 10: shown as "<10", and the click rate is withheld.
        #expect(variant["clicks"] as? String == "<10" && variant["dismissals"] as? String == "<10")
        #expect(variant["click_rate"] is NSNull && variant["suppressed"] as? Bool == true)

        let metrics = try await client.get("/metrics")
        #expect(metrics.body.contains(#"duwtje_events_stored_total{type="impression"} 12"#))
        #expect(metrics.body.contains(#"duwtje_events_stored_total{type="click"} 3"#))
        #expect(metrics.body.contains("duwtje_store_commit_duration_seconds_count"))

        let status = try await client.get("/v1/status")
        let store = try #require(status.json?["store"] as? [String: Any])
        #expect(store["path"] as? String == daemon.directory + "/var/duwtje.db")
        #expect((store["size_bytes"] as? Int ?? 0) > 0)
        #expect(store["oldest_day"] as? String == EventCountKey.day(of: Date(), in: TimeZone(identifier: "Europe/Amsterdam")!))
        #expect(fileMode(daemon.directory + "/var/duwtje.db.secret") == 0o600)
        #expect(await daemon.stop() == 0)
    }

    @Test("a batch with one unknown id is refused whole with 422 naming it and its index; nothing is stored")
    func unknownIdStoresNothing() async throws {
        let daemon = try DaemonProcess(rules: EventsFixture.rules)
        try await daemon.start()
        let client = SocketClient(daemon)
        defer { Task { await client.shutdown() } }

        var events = EventsFixture.repeated(5, EventsFixture.event("impression"))
        events[3] = EventsFixture.event("impression", rule: "nope")
        let refused = try await client.post("/v1/events", EventsFixture.batch(events))
        #expect(refused.status == 422)
        #expect(refused.headers["content-type"] == "application/problem+json")
        #expect(refused.json?["type"] as? String == "urn:duwtje:problem:unknown-ids")
        let errors = try #require(refused.json?["errors"] as? [[String: Any]])
        #expect(errors.count == 1)
        #expect(errors.first?["index"] as? Int == 3 && errors.first?["field"] as? String == "rule"
            && errors.first?["value"] as? String == "nope")

        // An unknown variant and content are named too, each with its index.
        let mixed = try await client.post("/v1/events", EventsFixture.batch([
            EventsFixture.event("click", rule: "exp", variant: "zz", content: "c2"),
            EventsFixture.event("click", content: "c9"),
        ]))
        #expect(mixed.status == 422)
        let named = (mixed.json?["errors"] as? [[String: Any]])?.map { "\($0["index"] ?? "")/\($0["field"] ?? "")" }
        #expect(named == ["0/variant", "1/content"])

        let malformed = try await client.post("/v1/events", EventsFixture.batch([#"{"type": "view", "journey": "bz"}"#]))
        #expect(malformed.status == 400)

        let report = try await client.get("/v1/report")
        #expect((report.json?["rules"] as? [Any])?.isEmpty == true)
        let metrics = try await client.get("/metrics")
        #expect(metrics.body.contains(#"duwtje_event_batches_rejected_total{reason="unknown-ids"} 2"#))
        #expect(await daemon.stop() == 0)
    }

    @Test("nudge caps survive a restart, also after SIGKILL")
    func capsSurviveRestart() async throws {
        let daemon = try DaemonProcess(rules: EventsFixture.rules)
        try await daemon.start()
        let body = #"{"journey": "bz", "persona": "ouder", "visitor": "cap-visitor", "context": {"process": "paspoort"}}"#
        var client = SocketClient(daemon)
        for _ in 0..<2 {
            let answer = try await client.post("/v1/recommendations", body)
            #expect((answer.json?["nudge"] as? [String: Any])?["id"] as? String == "n1")
        }
        #expect(try await client.post("/v1/recommendations", body).json?["nudge"] is NSNull)
        await client.shutdown()
        #expect(await daemon.stop() == 0)

        try await daemon.start()
        client = SocketClient(daemon)
        #expect(try await client.post("/v1/recommendations", body).json?["nudge"] is NSNull)
        // Another visitor still gets the nudge; after its showing is committed, SIGKILL.
        let other = body.replacingOccurrences(of: "cap-visitor", with: "other-visitor")
        for _ in 0..<2 { _ = try await client.post("/v1/recommendations", other) }
        try await Task.sleep(for: .milliseconds(300))
        await client.shutdown()
        daemon.signal(SIGKILL)
        _ = await daemon.waitForExit()

        try await daemon.start()
        client = SocketClient(daemon)
        #expect(try await client.post("/v1/recommendations", body).json?["nudge"] is NSNull)
        #expect(try await client.post("/v1/recommendations", other).json?["nudge"] is NSNull)
        let fresh = body.replacingOccurrences(of: "cap-visitor", with: "fresh-visitor")
        #expect((try await client.post("/v1/recommendations", fresh).json?["nudge"] as? [String: Any])?["id"] as? String == "n1")
        await client.shutdown()
        #expect(await daemon.stop() == 0)
    }

    @Test("no visitor id reaches the database, its WAL or the log")
    func noVisitorIdStored() async throws {
        let daemon = try DaemonProcess(config: "log: { level: trace }\n", rules: EventsFixture.rules)
        try await daemon.start()
        let client = SocketClient(daemon)
        let visitor = "visitor-7f3a9c1e"
        let body = #"{"journey": "bz", "persona": "ouder", "visitor": "\#(visitor)", "context": {"process": "paspoort"}}"#
        _ = try await client.post("/v1/recommendations", body)
        let events = EventsFixture.repeated(3, EventsFixture.event("impression", visitor: visitor))
        #expect(try await client.post("/v1/events", EventsFixture.batch(events)).status == 202)
        // Before the clean stop (which checkpoints the WAL), and after.
        let needle = Data(visitor.utf8)
        for suffix in ["", "-wal"] {
            let data = FileManager.default.contents(atPath: daemon.directory + "/var/duwtje.db" + suffix) ?? Data()
            #expect(data.range(of: needle) == nil, "visitor id found in duwtje.db\(suffix)")
        }
        await client.shutdown()
        #expect(await daemon.stop() == 0)
        for file in ["var/duwtje.db", "var/duwtje.db-wal", "stderr.log"] {
            let data = FileManager.default.contents(atPath: daemon.directory + "/" + file) ?? Data()
            #expect(data.range(of: needle) == nil, "visitor id found in \(file)")
        }
        #expect(daemon.stderr.contains("request"), "the log was written at trace level")
    }

    /// Inputs: experiment `exp`, holdout `controle` 200 impressions, 20 clicks, 10 conversions;
    /// variant `a` 220 impressions, 44 clicks, 15 conversions. Expected values computed by hand
    /// (Python, z = 1.959963984540054): Wilson intervals, Newcombe's hybrid score interval for the
    /// difference a − controle, and the pooled two-proportion z-test.
    @Test("the report's figures match hand-computed ones, over the socket and from `duwtje report --json`")
    func reportFigures() async throws {
        let daemon = try DaemonProcess(rules: EventsFixture.rules)
        try await daemon.start()
        let client = SocketClient(daemon)
        defer { Task { await client.shutdown() } }
        func events(_ variant: String, _ impressions: Int, _ clicks: Int, _ conversions: Int) -> [String] {
            EventsFixture.repeated(impressions, EventsFixture.event("impression", rule: "exp", variant: variant, content: "c2"))
                + EventsFixture.repeated(clicks, EventsFixture.event("click", rule: "exp", variant: variant, content: "c2"))
                + EventsFixture.repeated(conversions, EventsFixture.event("conversion", rule: "exp", variant: variant, content: "c2"))
        }
        #expect(try await client.post("/v1/events", EventsFixture.batch(events("controle", 200, 20, 10))).status == 202)
        #expect(try await client.post("/v1/events", EventsFixture.batch(events("a", 220, 44, 15))).status == 202)

        let reply = try await client.get("/v1/report?journey=bz&from=2020-01-01")
        #expect(reply.status == 200)
        try Self.checkFigures(reply.json)

        // The CLI reads the same store file directly.
        let output = try Self.run(["report", "--config", daemon.configPath, "--json"])
        try Self.checkFigures((try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [String: Any])
        let text = try Self.run(["report", "--config", daemon.configPath])
        #expect(text.contains("exp (reference: controle)"))
        #expect(await daemon.stop() == 0)
    }

    static func checkFigures(_ json: [String: Any]?) throws {
        let rules = try #require(json?["rules"] as? [[String: Any]])
        let exp = try #require(rules.first { $0["rule"] as? String == "exp" })
        #expect(exp["reference"] as? String == "controle")
        let variants = try #require(exp["variants"] as? [[String: Any]])
        #expect(variants.compactMap { $0["variant"] as? String } == ["controle", "a"])
        let control = variants[0], a = variants[1]
        #expect(control["impressions"] as? Int == 200 && control["clicks"] as? Int == 20 && control["conversions"] as? Int == 10)
        #expect(a["impressions"] as? Int == 220 && a["clicks"] as? Int == 44 && a["conversions"] as? Int == 15)
        func close(_ object: Any?, _ key: String, _ expected: Double) {
            let value = (object as? [String: Any])?[key] as? Double
            #expect(value.map { abs($0 - expected) < 1e-6 } == true, "\(key): \(String(describing: value)) ≠ \(expected)")
        }
        close(control["click_rate"], "value", 0.1)
        close(control["click_rate"], "low", 0.06567044866909588)
        close(control["click_rate"], "high", 0.1494058124327174)
        close(control["conversion_rate"], "low", 0.02738264560076393)
        close(control["conversion_rate"], "high", 0.08957814813877599)
        close(a["click_rate"], "value", 0.2)
        close(a["click_rate"], "low", 0.1524953525885687)
        close(a["click_rate"], "high", 0.2578015571285127)
        close(a["conversion_rate"], "value", 0.06818181818181818)
        close(a["conversion_rate"], "low", 0.041751057379023244)
        close(a["conversion_rate"], "high", 0.1094338884258666)
        close(a["click_vs_reference"], "difference", 0.1)
        close(a["click_vs_reference"], "low", 0.031460771613467525)
        close(a["click_vs_reference"], "high", 0.16722751000194713)
        close(a["click_vs_reference"], "z", 2.8479738510351136)
        close(a["click_vs_reference"], "p", 0.004399853955616632)
        close(a["conversion_vs_reference"], "difference", 0.018181818181818174)
        close(a["conversion_vs_reference"], "low", -0.02941035477455626)
        close(a["conversion_vs_reference"], "high", 0.0652273070138045)
        close(a["conversion_vs_reference"], "z", 0.7865380584410993)
        close(a["conversion_vs_reference"], "p", 0.4315523315866988)
        #expect(control["click_vs_reference"] is NSNull)
    }

    /// Runs the `duwtje` binary to the end and returns its standard output.
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: DaemonProcess.binary)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self)
    }
}
