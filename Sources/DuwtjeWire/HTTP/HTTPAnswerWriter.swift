public import NIOCore

/// Writes an HTTP/1.1 answer (status line, the few header fields the daemon sends, body) into one
/// buffer, so the server hands the socket one write per answer.
public enum HTTPAnswerWriter {
    /// One answer: head and body in `out`.
    /// - Parameters:
    ///   - headers: further header fields (`Allow`, `Retry-After`) as name and value.
    ///   - date: the `Date` line's value (IMF-fixdate, ``HTTPDate``): RFC 9110 6.6.1 wants it
    ///     from an origin server with a clock.
    ///   - close: adds `Connection: close`; `keepAlive10` adds `Connection: keep-alive` (an HTTP/1.0
    ///     client that asked for it).
    ///   - omitBody: HEAD: the head GET would get, `Content-Length` included, without the body.
    public static func write(status: Int, contentType: String?, headers: [(String, String)] = [], date: String,
                             body: ByteBuffer, close: Bool, keepAlive10: Bool = false, omitBody: Bool = false,
                             contentLength: Int? = nil, into out: inout ByteBuffer) {
        // The head is written in place into the buffer's free space through one `JSONOutput` (a
        // bounds check and a copy per piece): a dozen `ByteBuffer` writes, each checking capacity,
        // uniqueness and exclusive access, cost 3,900 instructions an answer (callgrind,
        // `server-instructions.sh`). The bound below covers every fixed piece; should it ever not,
        // the head moves to an area of its own and is copied once.
        var headBound = 160 + (contentType?.utf8.count ?? 0) + date.utf8.count
        for (name, value) in headers { headBound += name.utf8.count + value.utf8.count + 4 }
        out.reserveCapacity(out.writerIndex + headBound + (omitBody ? 0 : body.readableBytes))
        var overflow: ByteBuffer?
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: headBound) { area in
            var head = JSONOutput(borrowing: area)
            head.write("HTTP/1.1 ")
            if let line = statusLine(status) {
                head.write(line)
            } else {
                head.write(decimal: status)
                head.write(" Status\r\n")
            }
            if let contentType {
                head.write("Content-Type: ")
                head.write(raw: contentType)
                head.write("\r\n")
            }
            for (name, value) in headers {
                head.write(raw: name)
                head.write(": ")
                head.write(raw: value)
                head.write("\r\n")
            }
            if close {
                head.write("Connection: close\r\n")
            } else if keepAlive10 {
                head.write("Connection: keep-alive\r\n")
            }
            head.write("Date: ")
            head.write(raw: date)
            head.write("\r\nContent-Length: ")
            head.write(decimal: contentLength ?? body.readableBytes)
            head.write("\r\n\r\n")
            guard head.ownsArea else { return head.count }
            overflow = head.buffer()
            return 0
        }
        if var overflow { out.writeBuffer(&overflow) }
        if !omitBody {
            var body = body
            out.writeBuffer(&body)
        }
    }

    /// The interim answer to `Expect: 100-continue`.
    public static let continueLine: StaticString = "HTTP/1.1 100 Continue\r\n\r\n"

    /// `NNN Reason\r\n` for the statuses the daemon sends (others are written `NNN Status`).
    static func statusLine(_ status: Int) -> StaticString? {
        switch status {
        case 200: "200 OK\r\n"
        case 202: "202 Accepted\r\n"
        case 400: "400 Bad Request\r\n"
        case 404: "404 Not Found\r\n"
        case 405: "405 Method Not Allowed\r\n"
        case 408: "408 Request Timeout\r\n"
        case 413: "413 Content Too Large\r\n"
        case 417: "417 Expectation Failed\r\n"
        case 422: "422 Unprocessable Content\r\n"
        case 500: "500 Internal Server Error\r\n"
        case 501: "501 Not Implemented\r\n"
        case 503: "503 Service Unavailable\r\n"
        case 505: "505 HTTP Version Not Supported\r\n"
        default: nil
        }
    }
}
