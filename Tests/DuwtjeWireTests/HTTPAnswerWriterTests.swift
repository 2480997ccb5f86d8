import DuwtjeTestSupport
import DuwtjeWire
import Foundation
import NIOCore
import Testing

/// The lean transport's answers: what clients parse (status line, headers, length) and the `Date`.
@Suite("HTTP/1.1 answers")
struct HTTPAnswerWriterTests {
    @Test("one buffer: status line, Content-Type, extra headers, Connection, Date, Content-Length, body; HEAD without the body")
    func bytes() {
        var out = ByteBuffer()
        HTTPAnswerWriter.write(status: 200, contentType: "application/json", date: "Sun, 06 Nov 1994 08:49:37 GMT",
                               body: ByteBuffer(string: "{}"), close: false, into: &out)
        #expect(String(buffer: out) == "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 2\r\n\r\n{}")
        var head = ByteBuffer()
        HTTPAnswerWriter.write(status: 405, contentType: "application/problem+json", headers: [("Allow", "GET, HEAD")],
                               date: "d", body: ByteBuffer(string: "12345678901"), close: true, omitBody: true, into: &head)
        #expect(String(buffer: head) == "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/problem+json\r\n"
            + "Allow: GET, HEAD\r\nConnection: close\r\nDate: d\r\nContent-Length: 11\r\n\r\n")
    }

    @Test("any status and any length: reasons of the statuses sent, `NNN Status` otherwise, decimal lengths, appended after what the buffer holds")
    func statusesAndLengths() {
        for (status, line) in [(422, "422 Unprocessable Content"), (503, "503 Service Unavailable"), (299, "299 Status"), (0, "0 Status")] {
            var out = ByteBuffer(string: "before|")
            HTTPAnswerWriter.write(status: status, contentType: nil, date: "d", body: ByteBuffer(), close: false, into: &out)
            #expect(String(buffer: out) == "before|HTTP/1.1 \(line)\r\nDate: d\r\nContent-Length: 0\r\n\r\n")
        }
        for length in [0, 7, 9, 10, 99, 100, 65_536, 1_234_567, Int.max] {
            var out = ByteBuffer()
            HTTPAnswerWriter.write(status: 200, contentType: nil, date: "d", body: ByteBuffer(), close: false, omitBody: true,
                                   contentLength: length, into: &out)
            #expect(String(buffer: out).contains("\r\nContent-Length: \(length)\r\n\r\n"), "\(length)")
        }
        // Long values (a Retry-After, say, or a long content type) and a body after them.
        let long = String(repeating: "x", count: 5_000)
        var out = ByteBuffer()
        HTTPAnswerWriter.write(status: 200, contentType: long, headers: [("X-Long", long)], date: "d", body: ByteBuffer(string: "body"),
                               close: true, into: &out)
        #expect(String(buffer: out) == "HTTP/1.1 200 OK\r\nContent-Type: \(long)\r\nX-Long: \(long)\r\nConnection: close\r\n"
            + "Date: d\r\nContent-Length: 4\r\n\r\nbody")
    }

    @Test("Date is IMF-fixdate, the same text as a POSIX-locale DateFormatter in GMT, over seeded random times")
    func date() {
        #expect(HTTPDate.format(secondsSince1970: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        var random = SeededGenerator.forTest("HTTPAnswerWriterTests.date")
        // Up to 2100, and a few as far as the year 11,000 (five-digit years).
        for round in 0..<2_200 {
            let time = Int.random(in: 0...(round < 2_000 ? 4_102_444_800 : 285_000_000_000), using: &random)
            #expect(HTTPDate.format(secondsSince1970: time) == formatter.string(from: Date(timeIntervalSince1970: Double(time))),
                    "\(time) (seed \(random.seed))")
        }
    }
}
