import Foundation
import Testing
#if canImport(Glibc)
import Glibc
import DuwtjeTestSupport
#endif

/// The wall clock jumping under a running daemon (an NTP step, a VM resumed, an operator's `date -s`),
/// made real with libfaketime: the daemon reads its offset from a file on every clock call
/// (`FAKETIME_NO_CACHE`), so the test moves the clock while the daemon runs. As in a real step only
/// the wall clock moves (`FAKETIME_DONT_FAKE_MONOTONIC`). What the daemon promises (docs/api.md,
/// Decision: the wall clock): caps and `active` windows follow the wall clock, a nudge already
/// shown is never shown again because the clock went back, timers and uptime are monotonic.
@Suite("wall-clock jumps, end to end", .serialized, .timeLimit(.minutes(3)))
struct WallClockJumpTests {
    /// The multi-threaded libfaketime of Debian's `faketime` package (`.ci/run` installs it).
    static let library: String? = ["x86_64", "aarch64"].map { "/usr/lib/\($0)-linux-gnu/faketime/libfaketimeMT.so.1" }
        .first { FileManager.default.fileExists(atPath: $0) }

    /// Started through `/bin/sh` (which execs it): a Swift program exec'd straight from a process
    /// without libfaketime loses its arguments (libfaketime's constructor changes the environment
    /// before the Swift runtime finds `argv` from it) and prints its usage; one exec'd by a process
    /// that already has libfaketime loaded does not.
    static let preloaded = "true"

    /// `r1` nudges at most once a day; `r2` is active from `from` (a day, midnight UTC) on.
    static func rules(activeFrom from: String) -> String {
        Fixture.rules(why: "A").replacingOccurrences(of: "cap: { max: 2, per: 1d }", with: "cap: { max: 1, per: 1d }") + """
          - id: r2
            journey: bz
            when: { persona: [ouder], context: { process: rijbewijs } }
            recommend: [ { content: c2 } ]
            why: R2
            active: { from: \(from) }

        """
    }

    /// The nudge served to visitor `v` now (the daemon's clock: no `now` in the request).
    static func nudge(_ client: UnixHTTPClient) async throws -> String? {
        let reply = try await client.post("/v1/recommendations",
                                          #"{"journey": "bz", "persona": "ouder", "visitor": "v", "context": {"process": "paspoort"}}"#)
        #expect(reply.status == 200)
        return (reply.json?["nudge"] as? [String: Any])?["id"] as? String
    }

    /// Whether `r2` answers now (outside its `active` window the journey's fallback does).
    static func r2Active(_ client: UnixHTTPClient) async throws -> Bool {
        let reply = try await client.post("/v1/recommendations", #"{"journey": "bz", "persona": "ouder", "context": {"process": "rijbewijs"}}"#)
        #expect(reply.status == 200)
        return ((reply.json?["recommendations"] as? [[String: Any]])?.first?["rule"] as? String) == "r2"
    }

    static func uptime(_ client: UnixHTTPClient) async throws -> Int? {
        try await client.get("/v1/status").json?["uptime_seconds"] as? Int
    }

    /// Whether this build runs under ThreadSanitizer or AddressSanitizer (the daemon beside it is built
    /// the same way). Both intercept `clock_gettime` as libfaketime does; together the daemon hangs at
    /// start ("libfaketime: Unexpected recursive calls to clock_gettime()"), so the test runs in the
    /// normal builds only.
    static let underSanitizer = ["__tsan_init", "__asan_init"].contains { (name: String) in dlsym(nil, name) != nil }

    @Test("jumps of the wall clock forwards and backwards: caps and active windows follow it, a backwards jump never re-allows a capped nudge, timers and uptime do not jump",
          .enabled(if: library != nil, "needs libfaketime (apt-get install faketime)"),
          .disabled(if: underSanitizer, "libfaketime and the sanitizers both intercept clock_gettime"))
    func jumps() async throws {
        let day: TimeInterval = 86_400
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let from = formatter.string(from: Date().addingTimeInterval(3 * day))
        let daemon = try DaemonProcess(config: "timezone: UTC\n", rules: Self.rules(activeFrom: from))
        let offset = daemon.directory + "/faketime"
        func jump(_ to: String) throws { try Fixture.writeWhole(offset, to + "\n") }
        try jump("+0")
        let environment = [
            "LD_PRELOAD": try #require(Self.library), "FAKETIME_TIMESTAMP_FILE": offset,
            "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        ]
        try await daemon.start(environment: environment, shell: Self.preloaded)
        let client = daemon.client
        // A keep-alive connection held across every jump: its idle timeout is monotonic.
        let connection = RawSocket.connect(daemon.socketPath)
        defer { close(connection) }
        func keptAlive() -> Bool {
            guard RawSocket.send(connection, "GET /healthz HTTP/1.1\r\nHost: d\r\n\r\n") else { return false }
            var answer = ""
            // The whole answer (head and its JSON body), however many reads it takes.
            while !answer.hasSuffix("}") {
                let part = RawSocket.receive(connection)
                if part.isEmpty { return false }
                answer += part
            }
            return answer.hasPrefix("HTTP/1.1 200")
        }
        #expect(keptAlive())

        // Now: the nudge once, then capped for a day; r2 not yet active.
        #expect(try await Self.nudge(client) == "n1")
        #expect(try await Self.nudge(client) == nil)
        #expect(try await !Self.r2Active(client))

        // Back three hours: the showing now lies "in the future"; it still counts.
        try jump("-3h")
        #expect(try await Self.nudge(client) == nil, "a backwards jump re-allowed a capped nudge")

        // Forwards four days: the cap's day has passed and r2's window has begun, as if time had passed.
        try jump("+4d")
        #expect(try await Self.r2Active(client))
        #expect(try await Self.nudge(client) == "n1")
        #expect(try await Self.nudge(client) == nil)
        #expect(keptAlive(), "a wall-clock jump closed an idle keep-alive connection")
        #expect(try #require(try await Self.uptime(client)) < 3_600, "uptime followed the wall clock")

        // Back four days to now: r2 inactive again; the showing at +4d still counts.
        try jump("+0")
        #expect(try await !Self.r2Active(client))
        #expect(try await Self.nudge(client) == nil, "a backwards jump re-allowed a capped nudge")
        #expect(try #require(try await Self.uptime(client)) >= 0)
        #expect(keptAlive())

        // The caps survive a restart under the same clock; then the daemon stops cleanly.
        #expect(await daemon.stop() == 0)
        try await daemon.start(environment: environment, shell: Self.preloaded)
        #expect(try await Self.nudge(client) == nil)
        #expect(await daemon.stop() == 0)
    }
}
