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
}
