
import Foundation
import Testing

/// A `dismiss` event closes a nudge for that visitor for its `dismiss_for`, across restarts; over the
/// real socket of the real binary. Time is an input: requests carry `now`, the event carries `at`.
@Suite("dismissals, end to end", .serialized, .timeLimit(.minutes(3)))
struct DismissalEndToEndTests {
    static func time(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: date)
    }

    static func request(_ visitor: String, at date: Date) -> String {
        #"{"journey": "bz", "persona": "ouder", "visitor": "\#(visitor)", "context": {"process": "paspoort"}, "now": "\#(time(date))"}"#
    }

    static func nudge(_ reply: Reply) -> String? {
        (reply.json?["nudge"] as? [String: Any])?["id"] as? String
    }

    @Test("a dismissed nudge stays away for the visitor for dismiss_for (default 30d), after a restart too, then may return")
    func dismissal() async throws {
        let daemon = try DaemonProcess(rules: EventsFixture.rules)
        try await daemon.start()
        var client = SocketClient(daemon)
        let start = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let visitor = "dismissing-visitor"
        #expect(Self.nudge(try await client.post("/v1/recommendations", Self.request(visitor, at: start))) == "n1")

        let dismiss = #"{"type": "dismiss", "journey": "bz", "stage": "bewustwording", "persona": "ouder", "rule": "r1", "nudge": "n1", "visitor": "\#(visitor)", "at": "\#(Self.time(start))"}"#
        let accepted = try await client.post("/v1/events", EventsFixture.batch([dismiss]))
        #expect(accepted.status == 202)

        // The next 100 requests (the cap, 2 a day, would have allowed one more) never carry it.
        var carried = 0
        for second in 1...100 {
            let reply = try await client.post("/v1/recommendations", Self.request(visitor, at: start.addingTimeInterval(Double(second) * 600)))
            #expect(reply.status == 200)
            if Self.nudge(reply) == "n1" { carried += 1 }
        }
        #expect(carried == 0)
        // Another visitor is not affected.
        #expect(Self.nudge(try await client.post("/v1/recommendations", Self.request("someone-else", at: start))) == "n1")
        await client.shutdown()
        #expect(await daemon.stop() == 0)

        // After a restart the dismissal still holds, up to its last second …
        try await daemon.start()
        client = SocketClient(daemon)
        let window = 30.0 * 86_400
        #expect(Self.nudge(try await client.post("/v1/recommendations", Self.request(visitor, at: start.addingTimeInterval(86_400)))) == nil)
        #expect(Self.nudge(try await client.post("/v1/recommendations", Self.request(visitor, at: start.addingTimeInterval(window - 1)))) == nil)
        // … and after dismiss_for the nudge may return.
        #expect(Self.nudge(try await client.post("/v1/recommendations", Self.request(visitor, at: start.addingTimeInterval(window + 1)))) == "n1")
        await client.shutdown()
        #expect(await daemon.stop() == 0)

        // Only the keyed hash is stored: the visitor id is nowhere in the database files.
        for suffix in ["", "-wal"] {
            let bytes = FileManager.default.contents(atPath: daemon.directory + "/var/duwtje.db" + suffix) ?? Data()
            #expect(bytes.range(of: Data(visitor.utf8)) == nil, "duwtje.db\(suffix)")
        }
    }

    @Test("a dismiss without a visitor, or of content, is only counted")
    func countedOnly() async throws {
        let daemon = try DaemonProcess(rules: EventsFixture.rules)
        try await daemon.start()
        let client = SocketClient(daemon)
        let now = Date()
        let anonymous = #"{"type": "dismiss", "journey": "bz", "stage": "bewustwording", "persona": "ouder", "rule": "r1", "nudge": "n1"}"#
        let content = EventsFixture.event("dismiss", visitor: "v2")
        #expect(try await client.post("/v1/events", EventsFixture.batch([anonymous, content])).status == 202)
        #expect(Self.nudge(try await client.post("/v1/recommendations", Self.request("v2", at: now))) == "n1")
        await client.shutdown()
        #expect(await daemon.stop() == 0)
    }
}
