#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
public import NIOCore

/// Frames HTTP/1.1 requests out of a byte stream, strictly by RFC 9112: a value-type state machine
/// with no I/O, so it is tested and fuzzed without sockets, and the server's channel handler only
/// feeds it bytes and acts on what it returns.
///
/// One request at a time: ``next(_:)`` returns ``Frame/head(_:)`` when a head is whole (the caller
/// may then answer at once, e.g. 413 for a declared length over its limit, or send `100 Continue`,
/// and sets ``bodyLimit``), then ``Frame/body(_:)`` with the whole body (empty when there is none),
/// then the next request's head. Bytes of a pipelined next request stay in the input until asked.
///
/// Strict on purpose (there is no proxy in front to normalise anything, and any leniency two
/// parsers disagree on is a smuggling hole): lines end in CRLF (a bare CR or LF is refused), no
/// whitespace before a header's colon, no obsolete line folding, `Content-Length` and
/// `Transfer-Encoding` together refused, differing lengths refused, `Transfer-Encoding` in an
/// HTTP/1.0 request refused, only `chunked` as transfer coding. Every refusal is an
/// ``HTTPFramingError`` after which the connection must close.
public struct HTTPRequestFramer: Sendable {
    public struct Limits: Sendable, Equatable {
        /// The largest head (request line, header lines and the blank line), and of a chunked
        /// body's trailer section.
        public var maxHeaderBytes: Int
        /// The most header fields in one head.
        public var maxHeaderCount: Int

        public init(maxHeaderBytes: Int, maxHeaderCount: Int) {
            self.maxHeaderBytes = maxHeaderBytes
            self.maxHeaderCount = maxHeaderCount
        }
    }

    public enum Frame: Sendable, Equatable {
        /// More bytes are needed; everything given so far is kept (in the input, or consumed into
        /// the framer's own state).
        case needMore
        /// A request's head is whole; its body comes with the next call.
        case head(HTTPRequestHead)
        /// The whole body of the request whose head came last (empty without a body).
        case body(ByteBuffer)
        /// The framing is broken; answer with the error's status and close.
        case failure(HTTPFramingError)
    }

    enum State: Sendable {
        case head
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(bytes: Int)
        case bodyDone
        case failed(HTTPFramingError)
    }

    public let limits: Limits
    /// The largest body of the current request; a chunked body growing past it fails with 413.
    /// (A `Content-Length` over it is the caller's to refuse at ``Frame/head(_:)``, before any
    /// byte of the body is read.) Reset to `Int.max` with every head.
    public var bodyLimit = Int.max
    var state = State.head
    /// How far the search for the end of the head got, so a head arriving a byte at a time is
    /// not scanned again from its start on every byte.
    var scanned = 0
    /// A chunked body, as its chunks arrive.
    var chunks = ByteBuffer()

    public init(limits: Limits) {
        self.limits = limits
    }

    /// Whether the framer is between requests with nothing of a next one consumed: the moment a
    /// connection may close without cutting a request in half (given an empty input).
    public var isIdle: Bool {
        if case .head = state { return scanned == 0 }
        return false
    }

    /// The next frame out of `input`, consuming what it uses.
    public mutating func next(_ input: inout ByteBuffer) -> Frame {
        switch state {
        case .failed(let error):
            return .failure(error)
        case .head:
            return nextHead(&input)
        case .bodyDone:
            state = .head
            return .body(ByteBuffer())
        case .fixedBody(let remaining):
            guard input.readableBytes >= remaining, let body = input.readSlice(length: remaining) else { return .needMore }
            state = .head
            return .body(body)
        case .chunkSize, .chunkData, .chunkDataEnd, .trailers:
            return nextChunks(&input)
        }
    }

    mutating func fail(_ error: HTTPFramingError) -> Frame {
        state = .failed(error)
        return .failure(error)
    }

    // MARK: The head

    mutating func nextHead(_ input: inout ByteBuffer) -> Frame {
        // RFC 9112 2.2: empty lines before the request line are ignored.
        while input.readableBytes >= 2, scanned == 0,
              input.getInteger(at: input.readerIndex, as: UInt16.self) == 0x0D0A {
            input.moveReaderIndex(forwardBy: 2)
        }
        if scanned == 0, input.readableBytes < 2, input.readableBytesView.first == 0x0D { return .needMore }
        let result: Result<(HTTPRequestHead, Int)?, HTTPFramingError> = input.withUnsafeReadableBytes { bytes in
            guard let end = Self.headEnd(bytes, from: max(0, scanned - 3)) else {
                scanned = bytes.count
                if bytes.count > limits.maxHeaderBytes {
                    return .failure(.malformed("the head is over \(limits.maxHeaderBytes) bytes (limits.max_header_bytes)"))
                }
                return .success(nil)
            }
            guard end <= limits.maxHeaderBytes else {
                return .failure(.malformed("the head is over \(limits.maxHeaderBytes) bytes (limits.max_header_bytes)"))
            }
            return Self.parseHead(UnsafeRawBufferPointer(rebasing: bytes[..<end]), limits: limits).map { ($0, end) }
        }
        switch result {
        case .failure(let error):
            return fail(error)
        case .success(nil):
            return .needMore
        case .success(let (head, length)?):
            input.moveReaderIndex(forwardBy: length)
            scanned = 0
            bodyLimit = .max
            if head.chunked {
                chunks.clear()
                state = .chunkSize
            } else if let length = head.contentLength, length > 0 {
                state = .fixedBody(remaining: length)
            } else {
                state = .bodyDone
            }
            return .head(head)
        }
    }

    /// The length of the head up to and including its blank line, or nil while it is not all in.
    static func headEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var index = start
        let last = bytes.count - 4
        while index <= last {
            // Find the next LF fast, then look around it.
            guard let base = bytes.baseAddress,
                  let found = memchr(base + index + 1, 0x0A, bytes.count - index - 1) else { return nil }
            let lf = base.distance(to: UnsafeRawPointer(found))
            if lf + 2 < bytes.count, bytes[lf - 1] == 0x0D, bytes[lf + 1] == 0x0D, bytes[lf + 2] == 0x0A { return lf + 3 }
            if lf + 2 >= bytes.count { return nil }
            index = lf
        }
        return nil
    }

    /// The head's fields that matter, from its bytes (ending in CRLF CRLF).
    static func parseHead(_ bytes: UnsafeRawBufferPointer, limits: Limits) -> Result<HTTPRequestHead, HTTPFramingError> {
        var lines = LineReader(bytes: bytes)
        guard let requestLine = lines.next() else { return .failure(.malformed("the request has no request line")) }
        guard case .success(let line) = requestLine else { return .failure(.malformed("a line of the head does not end in CRLF")) }
        var head: HTTPRequestHead
        switch parseRequestLine(UnsafeRawBufferPointer(rebasing: bytes[line])) {
        case .success(let parsed): head = parsed
        case .failure(let error): return .failure(error)
        }
        var count = 0
        var contentLength: Int?
        var transferEncoding = false
        var close = false
        var keepAliveToken = false
        while let next = lines.next() {
            guard case .success(let range) = next else { return .failure(.malformed("a line of the head does not end in CRLF")) }
            if range.isEmpty { break }
            count += 1
            guard count <= limits.maxHeaderCount else {
                return .failure(.malformed("more than \(limits.maxHeaderCount) header fields (limits.max_header_count)"))
            }
            let field = UnsafeRawBufferPointer(rebasing: bytes[range])
            guard let colon = Self.index(of: UInt8(ascii: ":"), in: field), colon > 0 else {
                return .failure(.malformed(field.first == 0x20 || field.first == 0x09
                    ? "obsolete line folding is not accepted; send each header field on one line"
                    : "a header line has no field name and colon"))
            }
            for index in 0..<colon where !isTokenByte(field[index]) {
                return .failure(.malformed("a header field name has a character a token may not have (whitespace before the colon?)"))
            }
            let value = trimmed(field, from: colon + 1)
            for byte in value where (byte < 0x20 && byte != 0x09) || byte == 0x7F {
                return .failure(.malformed("a header field value has a control character"))
            }
            let name = UnsafeRawBufferPointer(rebasing: field[..<colon])
            switch name.count {
            case 14 where equalsLowercased(name, "content-length"):
                guard let length = parseContentLength(value) else {
                    return .failure(.malformed("Content-Length must be a number of bytes"))
                }
                if let earlier = contentLength, earlier != length {
                    return .failure(.malformed("two different Content-Length values"))
                }
                contentLength = length
            case 17 where equalsLowercased(name, "transfer-encoding"):
                guard !transferEncoding else { return .failure(.malformed("Transfer-Encoding is sent twice")) }
                transferEncoding = true
                guard equalsLowercased(value, "chunked") else {
                    return .failure(HTTPFramingError(status: 501, detail: "the only transfer coding taken is 'chunked'"))
                }
            case 10 where equalsLowercased(name, "connection"):
                forEachToken(value) { token in
                    if equalsLowercased(token, "close") { close = true }
                    if equalsLowercased(token, "keep-alive") { keepAliveToken = true }
                }
            case 6 where equalsLowercased(name, "expect"):
                guard equalsLowercased(value, "100-continue") else {
                    return .failure(HTTPFramingError(status: 417, detail: "the only expectation met is '100-continue'"))
                }
                head.expectsContinue = !head.isHTTP10
            case 15 where equalsLowercased(name, "idempotency-key"):
                let key = String(decoding: value, as: UTF8.self)
                head.idempotencyKey = head.idempotencyKey.map { $0 + ", " + key } ?? key
            default:
                continue
            }
        }
        if transferEncoding {
            guard contentLength == nil else {
                return .failure(.malformed("Content-Length and Transfer-Encoding together; send one of them"))
            }
            guard !head.isHTTP10 else { return .failure(.malformed("Transfer-Encoding in an HTTP/1.0 request")) }
            head.chunked = true
        }
        head.contentLength = contentLength
        head.keepAlive = !close && (!head.isHTTP10 || keepAliveToken)
        if !head.hasBody { head.expectsContinue = false }
        return .success(head)
    }

    /// `METHOD SP origin-form SP HTTP/1.x`.
    static func parseRequestLine(_ line: UnsafeRawBufferPointer) -> Result<HTTPRequestHead, HTTPFramingError> {
        guard let firstSpace = Self.index(of: 0x20, in: line), firstSpace > 0 else {
            return .failure(.malformed("the request line is not 'METHOD /path HTTP/1.1'"))
        }
        for index in 0..<firstSpace where !isTokenByte(line[index]) {
            return .failure(.malformed("the method has a character a token may not have"))
        }
        let rest = UnsafeRawBufferPointer(rebasing: line[(firstSpace + 1)...])
        guard let secondSpace = Self.index(of: 0x20, in: rest), secondSpace > 0 else {
            return .failure(.malformed("the request line is not 'METHOD /path HTTP/1.1'"))
        }
        let target = UnsafeRawBufferPointer(rebasing: rest[..<secondSpace])
        let version = UnsafeRawBufferPointer(rebasing: rest[(secondSpace + 1)...])
        guard version.count == 8, Self.equals(UnsafeRawBufferPointer(rebasing: version[..<5]), "HTTP/"), version[6] == UInt8(ascii: "."),
              (0x30...0x39).contains(version[5]), (0x30...0x39).contains(version[7]) else {
            return .failure(.malformed("the request line does not end in an HTTP version such as HTTP/1.1"))
        }
        guard version[5] == UInt8(ascii: "1"), version[7] == UInt8(ascii: "0") || version[7] == UInt8(ascii: "1") else {
            return .failure(HTTPFramingError(status: 505, detail: "only HTTP/1.1 and HTTP/1.0 are spoken here"))
        }
        guard target.first == UInt8(ascii: "/") else {
            return .failure(.malformed("the request target must be a path starting with '/'"))
        }
        for byte in target where byte <= 0x20 || byte >= 0x7F {
            return .failure(.malformed("the request target has a character a URI may not have"))
        }
        let query = Self.index(of: UInt8(ascii: "?"), in: target)
        let pathBytes = UnsafeRawBufferPointer(rebasing: target[..<(query ?? target.count)])
        // An endpoint's path is its constant: no string made (most are over 15 bytes, so not small).
        let endpoint = Endpoint.matching(pathBytes)
        return .success(HTTPRequestHead(
            method: Self.method(UnsafeRawBufferPointer(rebasing: line[..<firstSpace])),
            path: endpoint?.path ?? String(decoding: pathBytes, as: UTF8.self), endpoint: endpoint,
            query: query.map { String(decoding: UnsafeRawBufferPointer(rebasing: target[($0 + 1)...]), as: UTF8.self) },
            isHTTP10: version[7] == UInt8(ascii: "0")))
    }

    /// The method token as a string; the daemon's own methods as constants.
    static func method(_ bytes: UnsafeRawBufferPointer) -> String {
        if equals(bytes, "GET") { return "GET" }
        if equals(bytes, "POST") { return "POST" }
        if equals(bytes, "HEAD") { return "HEAD" }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: Chunked bodies (RFC 9112 7.1)

    mutating func nextChunks(_ input: inout ByteBuffer) -> Frame {
        while true {
            switch state {
            case .chunkSize:
                guard let line = readLine(&input, limit: 1_024) else { return .needMore }
                switch line {
                case .failure(let error): return fail(error)
                case .success(let bytes):
                    guard let size = Self.chunkSize(bytes) else {
                        return fail(.malformed("a chunk size is not a hexadecimal number"))
                    }
                    guard size <= bodyLimit - chunks.readableBytes else {
                        return fail(HTTPFramingError(status: 413, detail: "the body is over the limit of \(bodyLimit) bytes"))
                    }
                    state = size == 0 ? .trailers(bytes: 0) : .chunkData(remaining: size)
                }
            case .chunkData(let remaining):
                let available = min(remaining, input.readableBytes)
                guard available > 0, var part = input.readSlice(length: available) else { return .needMore }
                chunks.writeBuffer(&part)
                state = available == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - available)
            case .chunkDataEnd:
                guard input.readableBytes >= 2 else { return .needMore }
                guard input.readInteger(as: UInt16.self) == 0x0D0A else {
                    return fail(.malformed("a chunk's data is not followed by CRLF"))
                }
                state = .chunkSize
            case .trailers(let used):
                let room = limits.maxHeaderBytes - used
                guard let line = readLine(&input, limit: room) else {
                    if input.readableBytes > room + 1 {
                        return fail(.malformed("the trailer section is over \(limits.maxHeaderBytes) bytes"))
                    }
                    return .needMore
                }
                switch line {
                case .failure(let error): return fail(error)
                case .success(let bytes):
                    if bytes.readableBytes == 0 {
                        state = .head
                        let body = chunks
                        chunks = ByteBuffer()
                        return .body(body)
                    }
                    // Trailer fields are read past, not used (RFC 9110 6.5: a recipient may discard them).
                    guard bytes.readableBytesView.contains(UInt8(ascii: ":")) else {
                        return fail(.malformed("a trailer line has no field name and colon"))
                    }
                    state = .trailers(bytes: used + bytes.readableBytes + 2)
                }
            case .head, .fixedBody, .bodyDone, .failed:
                return next(&input)
            }
        }
    }

    /// One CRLF-terminated line (without the CRLF), or nil while it is not all in; a line longer
    /// than `limit`, or a bare CR or LF, is an error.
    func readLine(_ input: inout ByteBuffer, limit: Int) -> Result<ByteBuffer, HTTPFramingError>? {
        let view = input.readableBytesView
        guard let lf = view.firstIndex(of: 0x0A) else {
            // `limit` bytes and the CR may be in before the LF: the same line, whole, is taken.
            return view.count > limit + 1 ? .failure(.malformed("a line is over \(limit) bytes")) : nil
        }
        let length = lf - view.startIndex
        guard length >= 1, view[lf - 1] == 0x0D else { return .failure(.malformed("a line does not end in CRLF")) }
        guard length - 1 <= limit else { return .failure(.malformed("a line is over \(limit) bytes")) }
        guard let line = input.readSlice(length: length - 1) else { return nil }
        input.moveReaderIndex(forwardBy: 2)
        if line.readableBytesView.contains(0x0D) { return .failure(.malformed("a line has a bare CR")) }
        return .success(line)
    }

    /// `1*HEXDIG [ BWS ";" chunk-ext ]`, the extension ignored; nil when not a size or too large.
    static func chunkSize(_ line: ByteBuffer) -> Int? {
        var size = 0
        var digits = 0
        for byte in line.readableBytesView {
            let value: Int
            switch byte {
            case 0x30...0x39: value = Int(byte - 0x30)
            case 0x41...0x46: value = Int(byte - 0x41 + 10)
            case 0x61...0x66: value = Int(byte - 0x61 + 10)
            case UInt8(ascii: ";"), 0x20, 0x09: return digits > 0 ? size : nil
            default: return nil
            }
            digits += 1
            guard digits <= 15 else { return nil }
            size = size * 16 + value
        }
        return digits > 0 ? size : nil
    }
}

// MARK: Byte helpers

extension HTTPRequestFramer {
    /// Reads the head's lines (each without its CRLF); a bare CR or LF is an error.
    struct LineReader {
        let bytes: UnsafeRawBufferPointer
        var position = 0

        /// The first CR and any LF before it are found with `memchr` (many bytes per step), not a
        /// byte at a time: the same answer, the first of CR and LF decides.
        mutating func next() -> Result<Range<Int>, HTTPFramingError>? {
            guard position < bytes.count, let base = bytes.baseAddress else { return nil }
            let rest = bytes.count - position
            guard let found = memchr(base + position, 0x0D, rest) else {
                if memchr(base + position, 0x0A, rest) != nil { return .failure(.malformed("a bare LF")) }
                return .failure(.malformed("a line does not end in CRLF"))
            }
            let index = base.distance(to: UnsafeRawPointer(found))
            if index > position, memchr(base + position, 0x0A, index - position) != nil { return .failure(.malformed("a bare LF")) }
            guard index + 1 < bytes.count, bytes[index + 1] == 0x0A else { return .failure(.malformed("a bare CR")) }
            let line = position..<index
            position = index + 2
            return .success(line)
        }
    }

    /// Where `byte` first is in `bytes` (`memchr`: many bytes per step, where a generic
    /// `firstIndex(of:)` takes one).
    static func index(of byte: UInt8, in bytes: UnsafeRawBufferPointer) -> Int? {
        guard let base = bytes.baseAddress, let found = memchr(base, Int32(byte), bytes.count) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// Whether `bytes` are exactly `text`.
    static func equals(_ bytes: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
        guard bytes.count == text.utf8CodeUnitCount else { return false }
        guard let base = bytes.baseAddress else { return true }
        return memcmp(base, text.utf8Start, bytes.count) == 0
    }

    /// RFC 9110 5.6.2 tchar.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
             UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// `field` from `start` without leading and trailing spaces and tabs.
    static func trimmed(_ field: UnsafeRawBufferPointer, from start: Int) -> UnsafeRawBufferPointer {
        var lower = start
        var upper = field.count
        while lower < upper, field[lower] == 0x20 || field[lower] == 0x09 { lower += 1 }
        while upper > lower, field[upper - 1] == 0x20 || field[upper - 1] == 0x09 { upper -= 1 }
        return UnsafeRawBufferPointer(rebasing: field[lower..<upper])
    }

    /// Whether `bytes`, lowercased, are `lowercase` (ASCII).
    static func equalsLowercased(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = UnsafeRawBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        for index in 0..<bytes.count {
            var byte = bytes[index]
            if byte >= 0x41, byte <= 0x5A { byte |= 0x20 }
            if byte != expected[index] { return false }
        }
        return true
    }

    /// Calls `body` with each comma-separated, trimmed, non-empty element of a list value.
    static func forEachToken(_ value: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        var start = 0
        for index in 0...value.count where index == value.count || value[index] == UInt8(ascii: ",") {
            let element = trimmed(UnsafeRawBufferPointer(rebasing: value[start..<index]), from: 0)
            if !element.isEmpty { body(element) }
            start = index + 1
        }
    }

    /// `1*DIGIT`, or a list of equal ones (RFC 9112 6.3 lets a recipient take `42, 42` as 42); nil
    /// otherwise or above 2^53.
    static func parseContentLength(_ value: UnsafeRawBufferPointer) -> Int? {
        var result: Int?
        var valid = true
        forEachToken(value) { element in
            var number = 0
            for byte in element {
                guard byte >= 0x30, byte <= 0x39, number < 1 << 53 else {
                    valid = false
                    return
                }
                number = number * 10 + Int(byte - 0x30)
            }
            if let earlier = result, earlier != number { valid = false }
            result = number
        }
        return valid ? result : nil
    }
}
