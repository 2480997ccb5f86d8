import DuwtjeTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Problem bodies that operators and integrators read when a limit bites, where the daemon's HTTP
/// pipeline writes them (the 408 of the request deadline); the handlers' 413s are tested in process
/// (DuwtjeServerTests, DaemonResponderTests).
@Suite("limits name their own setting")
struct LimitProblemTests {
    @Test("the 408 body names the request's path and has sorted keys, like every other problem body")
    func requestTimeout() async throws {
        let daemon = try DaemonProcess(config: "limits: { request_timeout: 1s }\n")
        try await daemon.start()
        // A request line and part of the head, then nothing: the deadline cuts it off.
        let response = await RawSocket.exchange(daemon.socketPath, "POST /v1/recommendations HTTP/1.1\r\nHost: d\r\n")
        #expect(response.hasPrefix("HTTP/1.1 408"))
        let body = String(response[(response.range(of: "\r\n\r\n")?.upperBound ?? response.endIndex)...])
        #expect(body == "{\"detail\":\"the request was not complete within 1s (limits.request_timeout); send it whole, at once\","
            + "\"instance\":\"/v1/recommendations\",\"status\":408,\"title\":\"Request timeout\",\"type\":\"urn:duwtje:problem:request-timeout\"}")
        #expect(await daemon.stop() == 0)
    }

    @Test("a request left half-sent behind a pipelined one is cut off at the deadline too, naming its own path")
    func timeoutAfterPipelinedAnswer() async throws {
        let daemon = try DaemonProcess(config: "limits: { request_timeout: 1s, idle_timeout: 60s }\n")
        try await daemon.start()
        // One whole request and the start of a second in one write: the first is answered at once;
        // the second's clock starts then, and nothing more arrives (the idle timeout never applies:
        // a request is under way).
        let started = ContinuousClock.now
        let response = await RawSocket.exchange(daemon.socketPath,
                                                "GET /healthz HTTP/1.1\r\nHost: d\r\n\r\nGET /v1/journeys HTTP/1.1\r\nHo")
        #expect(response.hasPrefix("HTTP/1.1 200 OK"), "\(response)")
        let second = response.range(of: "HTTP/1.1 408 Request Timeout").map { String(response[$0.lowerBound...]) }
        #expect(second?.contains("Connection: close") == true, "\(response)")
        #expect(second?.contains("\"instance\":\"/v1/journeys\"") == true, "\(response)")
        #expect(ContinuousClock.now - started < .seconds(4))
        #expect(await daemon.stop() == 0)
    }
}
