import DuwtjeTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Problem bodies that operators and integrators read when a limit bites.
@Suite("limits name their own setting")
struct LimitProblemTests {
    @Test("a /v1/events body over events.max_body_bytes gets 413 naming that setting, and counts as a rejected batch")
    func eventsBodyTooLarge() async throws {
        let daemon = try DaemonProcess(config: "events: { max_body_bytes: 1024 }\n")
        try await daemon.start()
        let body = "{\"events\":[" + String(repeating: " ", count: 2_000) + "]}"
        let response = try await RawClient.exchange(daemon.socketPath, "POST /v1/events HTTP/1.1\r\nHost: d\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body)
        #expect(response.hasPrefix("HTTP/1.1 413"))
        #expect(response.contains("(events.max_body_bytes)"), "\(response)")
        #expect(!response.contains("limits.max_body_bytes"))
        let metrics = try await RawClient.exchange(daemon.socketPath, "GET /metrics HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
        #expect(metrics.contains("duwtje_event_batches_rejected_total{reason=\"body-too-large\"} 1"), "\(metrics)")
        #expect(await daemon.stop() == 0)
    }

    @Test("the 408 body names the request's path and has sorted keys, like every other problem body")
    func requestTimeout() async throws {
        let daemon = try DaemonProcess(config: "limits: { request_timeout: 1s }\n")
        try await daemon.start()
        // A request line and part of the head, then nothing: the deadline cuts it off.
        let response = try await RawClient.exchange(daemon.socketPath, "POST /v1/recommendations HTTP/1.1\r\nHost: d\r\n")
        #expect(response.hasPrefix("HTTP/1.1 408"))
        let body = String(response[(response.range(of: "\r\n\r\n")?.upperBound ?? response.endIndex)...])
        #expect(body == "{\"detail\":\"the request was not complete within 1s (limits.request_timeout); send it whole, at once\","
            + "\"instance\":\"/v1/recommendations\",\"status\":408,\"title\":\"Request timeout\",\"type\":\"urn:duwtje:problem:request-timeout\"}")
        #expect(await daemon.stop() == 0)
    }
}
