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
        out.reserveCapacity(out.writerIndex + 160 + (omitBody ? 0 : body.readableBytes))
        out.writeStaticString("HTTP/1.1 ")
        writeStatus(status, into: &out)
        if let contentType {
            out.writeStaticString("Content-Type: ")
            out.writeString(contentType)
            out.writeStaticString("\r\n")
        }
        for (name, value) in headers {
            out.writeString(name)
            out.writeStaticString(": ")
            out.writeString(value)
            out.writeStaticString("\r\n")
        }
        if close {
            out.writeStaticString("Connection: close\r\n")
        } else if keepAlive10 {
            out.writeStaticString("Connection: keep-alive\r\n")
        }
        out.writeStaticString("Date: ")
        out.writeString(date)
        out.writeStaticString("\r\nContent-Length: ")
        writeDecimal(contentLength ?? body.readableBytes, into: &out)
        out.writeStaticString("\r\n\r\n")
        if !omitBody {
            var body = body
            out.writeBuffer(&body)
        }
    }

    /// The interim answer to `Expect: 100-continue`.
    public static let continueLine: StaticString = "HTTP/1.1 100 Continue\r\n\r\n"

    /// `NNN Reason\r\n`.
    static func writeStatus(_ status: Int, into out: inout ByteBuffer) {
        switch status {
        case 200: out.writeStaticString("200 OK\r\n")
        case 202: out.writeStaticString("202 Accepted\r\n")
        case 400: out.writeStaticString("400 Bad Request\r\n")
        case 404: out.writeStaticString("404 Not Found\r\n")
        case 405: out.writeStaticString("405 Method Not Allowed\r\n")
        case 408: out.writeStaticString("408 Request Timeout\r\n")
        case 413: out.writeStaticString("413 Content Too Large\r\n")
        case 417: out.writeStaticString("417 Expectation Failed\r\n")
        case 500: out.writeStaticString("500 Internal Server Error\r\n")
        case 501: out.writeStaticString("501 Not Implemented\r\n")
        case 503: out.writeStaticString("503 Service Unavailable\r\n")
        case 505: out.writeStaticString("505 HTTP Version Not Supported\r\n")
        default:
            writeDecimal(status, into: &out)
            out.writeStaticString(" Status\r\n")
        }
    }

    static func writeDecimal(_ value: Int, into out: inout ByteBuffer) {
        guard value >= 10 else {
            out.writeInteger(UInt8(truncatingIfNeeded: 0x30 + max(0, value)))
            return
        }
        writeDecimal(value / 10, into: &out)
        out.writeInteger(UInt8(truncatingIfNeeded: 0x30 + value % 10))
    }
}
