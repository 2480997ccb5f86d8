import DuwtjeTestSupport
import Foundation
import Testing

/// What the daemon's HTTP/1.1 pipeline refuses before any handler runs (it is set up by
/// `duwtje serve`, so it is tested on the binary's socket); statuses of the handlers themselves are
/// tested in process (DuwtjeServerTests).
@Suite("HTTP framing on the socket", .serialized, .timeLimit(.minutes(3)))
struct HTTPFramingTests {
    @Test("too many headers, an oversized header and garbage get 400 and a closed connection; the daemon still answers")
    func refusedBeforeHandlers() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let headers = (0..<150).map { "X-H\($0): v\r\n" }.joined()
        let many = await RawSocket.exchange(daemon.socketPath, "GET /healthz HTTP/1.1\r\nHost: d\r\n\(headers)\r\n")
        #expect(many.hasPrefix("HTTP/1.1 400"))
        let huge = await RawSocket.exchange(daemon.socketPath,
                                            "GET /healthz HTTP/1.1\r\nHost: d\r\nX-Big: \(String(repeating: "a", count: 20_000))\r\n\r\n")
        #expect(huge.hasPrefix("HTTP/1.1 400"))
        let garbage = await RawSocket.exchange(daemon.socketPath, "\u{1}\u{2}\u{3} nonsense\r\n\r\n")
        #expect(garbage.hasPrefix("HTTP/1.1 400"))
        #expect(try await daemon.client.get("/healthz").status == 200)
        #expect(await daemon.stop() == 0)
    }
}
