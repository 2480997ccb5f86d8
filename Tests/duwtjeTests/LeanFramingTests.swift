import DuwtjeTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The lean transport's framing on the binary's socket (issue 14): what a client relies on beyond
/// one request per connection. The framer's cases are tested without a socket in
/// `DuwtjeWireTests/HTTPRequestFramerTests`.
@Suite("HTTP/1.1 framing of the lean transport, on the socket", .serialized, .timeLimit(.minutes(3)))
struct LeanFramingTests {
    static let body = #"{"journey": "bz", "persona": "ouder", "context": {"process": "paspoort"}}"#

    /// The statuses of the answers in `text`, in order.
    static func statuses(_ text: String) -> [String] {
        text.components(separatedBy: "HTTP/1.1 ").dropFirst().map { String($0.prefix(3)) }
    }

    @Test("pipelined requests, one answered off the event loop between two answered on it, come back in order; Connection: close ends it")
    func pipelined() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let post = "POST /v1/recommendations HTTP/1.1\r\nHost: d\r\nContent-Length: \(Self.body.utf8.count)\r\n\r\n" + Self.body
        let answer = await RawSocket.exchange(daemon.socketPath, post + "GET /v1/status HTTP/1.1\r\nHost: d\r\n\r\n"
            + "GET /v1/nothing HTTP/1.1\r\n\r\n" + "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n")
        #expect(Self.statuses(answer) == ["200", "200", "404", "200"], "\(answer)")
        let recommendation = try #require(answer.range(of: #""recommendations":"#))
        let status = try #require(answer.range(of: #""socket":"#))
        let notFound = try #require(answer.range(of: "urn:duwtje:problem:not-found"))
        #expect(recommendation.lowerBound < status.lowerBound && status.lowerBound < notFound.lowerBound)
        #expect(answer.hasSuffix(#"{"status":"ok"}"#))
        #expect(await daemon.stop() == 0)
    }

    /// Waits on `descriptor` until the daemon closes it (true) or 15 s pass (false), and how long that took.
    static func awaitClose(_ descriptor: Int32) -> (closed: Bool, seconds: Double) {
        let start = ContinuousClock.now
        RawSocket.setReceiveTimeout(descriptor, seconds: 15)
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count < 0, errno == EINTR { continue }
            if count > 0 { continue }
            let elapsed = ContinuousClock.now - start
            return (count == 0, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
    }

    @Test("limits.idle_timeout closes a keep-alive connection idle after an answer, and one that never sent a byte, not earlier")
    func idleTimeout() async throws {
        let daemon = try DaemonProcess(config: "limits: { idle_timeout: 1s, request_timeout: 10s }\n")
        try await daemon.start()
        let path = daemon.socketPath
        let (used, silent) = await RawSocket.onThread { () -> ((String, Bool, Double), (Bool, Double)) in
            let silentDescriptor = RawSocket.connect(path)
            let usedDescriptor = RawSocket.connect(path)
            defer {
                close(silentDescriptor)
                close(usedDescriptor)
            }
            RawSocket.setReceiveTimeout(usedDescriptor, seconds: 10)
            _ = RawSocket.send(usedDescriptor, "GET /healthz HTTP/1.1\r\nHost: d\r\n\r\n")
            let answer = RawSocket.receive(usedDescriptor)
            let afterAnswer = Self.awaitClose(usedDescriptor)
            let neverSent = Self.awaitClose(silentDescriptor)
            return ((answer, afterAnswer.closed, afterAnswer.seconds), neverSent)
        }
        #expect(used.0.hasPrefix("HTTP/1.1 200"), "\(used.0)")
        #expect(used.1, "the idle keep-alive connection was not closed within 15 s")
        #expect(used.2 >= 0.9, "closed \(used.2) s after its answer, before the idle timeout")
        #expect(silent.0, "a connection that never sent anything was not closed")
        #expect(await daemon.stop() == 0)
    }

    @Test("Expect: 100-continue gets 100 before the body is sent; a chunked body is answered; a half-closed client gets its answer")
    func continueChunkedHalfClose() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let path = daemon.socketPath
        let answer = await RawSocket.onThread { () -> (String, String) in
            let descriptor = RawSocket.connect(path)
            defer { close(descriptor) }
            RawSocket.setReceiveTimeout(descriptor, seconds: 10)
            _ = RawSocket.send(descriptor, "POST /v1/recommendations HTTP/1.1\r\nHost: d\r\nExpect: 100-continue\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n")
            let interim = RawSocket.receive(descriptor)
            let half = Self.body.utf8.count / 2
            let first = String(Self.body.prefix(half))
            let rest = String(Self.body.dropFirst(half))
            _ = RawSocket.send(descriptor, String(first.utf8.count, radix: 16) + "\r\n" + first + "\r\n"
                + String(rest.utf8.count, radix: 16) + ";x=1\r\n" + rest + "\r\n0\r\n\r\n")
            // The client is done sending: the daemon answers what it has, then closes.
            shutdown(descriptor, Int32(SHUT_WR))
            return (interim, RawSocket.readAll(descriptor))
        }
        #expect(answer.0 == "HTTP/1.1 100 Continue\r\n\r\n")
        #expect(Self.statuses(answer.1) == ["200"] && answer.1.contains(#""rule":"r1""#), "\(answer.1)")
        #expect(await daemon.stop() == 0)
    }

    @Test("HTTP/1.0 is answered and closed; Content-Length with Transfer-Encoding is 400 and closed; the daemon answers on")
    func http10AndSmuggling() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let old = await RawSocket.exchange(daemon.socketPath, "GET /healthz HTTP/1.0\r\n\r\n")
        #expect(old.hasPrefix("HTTP/1.1 200") && old.contains("Connection: close\r\n") && old.hasSuffix(#"{"status":"ok"}"#))
        let both = await RawSocket.exchange(daemon.socketPath, "POST /v1/recommendations HTTP/1.1\r\nContent-Length: 4\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n")
        #expect(Self.statuses(both) == ["400"] && both.contains("urn:duwtje:problem:malformed-request"), "\(both)")
        #expect(try await daemon.client.get("/healthz").status == 200)
        #expect(await daemon.stop() == 0)
    }
}
