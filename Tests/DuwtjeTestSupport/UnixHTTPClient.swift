import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 client over a Unix socket: one connection per request (`Connection: close`),
/// blocking calls on a thread of their own. Enough for tests, with no TLS stack to build (the tests
/// used AsyncHTTPClient, which brought swift-nio-ssl and BoringSSL's C++ into every CI build).
public struct UnixHTTPClient: Sendable {
    public let socketPath: String
    public let timeoutSeconds: Int

    public init(socketPath: String, timeoutSeconds: Int = 15) {
        self.socketPath = socketPath
        self.timeoutSeconds = timeoutSeconds
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public func get(_ path: String, method: String = "GET") async throws -> Reply {
        try await send(method: method, path: path, body: nil)
    }

    public func post(_ path: String, _ body: String) async throws -> Reply {
        try await send(method: "POST", path: path, body: body)
    }

    /// One request; `headers` are sent after `Host` and `Connection`, in order.
    public func send(method: String, path: String, body: String?, headers: [(String, String)] = []) async throws -> Reply {
        let head = "\(method) \(path) HTTP/1.1\r\nHost: duwtje\r\nConnection: close\r\n"
            + headers.map { "\($0.0): \($0.1)\r\n" }.joined()
        let request = body.map { head + "Content-Type: application/json\r\nContent-Length: \($0.utf8.count)\r\n\r\n" + $0 }
            ?? head + "\r\n"
        let (socketPath, timeout) = (self.socketPath, timeoutSeconds)
        let result = await RawSocket.onThread { () -> Result<Reply, Failure> in
            let descriptor = RawSocket.connect(socketPath, timeoutSeconds: timeout)
            guard descriptor >= 0 else { return .failure(Failure(description: "cannot connect to \(socketPath): errno \(errno)")) }
            defer { close(descriptor) }
            guard RawSocket.send(descriptor, request) else { return .failure(Failure(description: "cannot send to \(socketPath)")) }
            return Self.readReply(descriptor)
        }
        return try result.get()
    }

    /// Reads one response: the head, then a body of `Content-Length` bytes, chunked, or to the close.
    static func readReply(_ descriptor: Int32) -> Result<Reply, Failure> {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var headEnd: Int?
        var expected: Int?
        var chunked = false
        var head = Reply(status: 0, headers: [:], body: "")
        while true {
            if let end = headEnd {
                if let expected, data.count - end >= expected { break }
                if chunked, let body = dechunk(data[end...]) {
                    head.body = String(decoding: body, as: UTF8.self)
                    return .success(head)
                }
            }
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count < 0 { return .failure(Failure(description: "no complete answer (errno \(errno)) after \(data.count) bytes")) }
            if count == 0 { break }
            data += buffer[0..<count]
            if headEnd == nil, let range = data.firstRange(of: Array("\r\n\r\n".utf8)) {
                headEnd = range.upperBound
                let lines = String(decoding: data[..<range.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
                let statusParts = lines.first?.split(separator: " ") ?? []
                guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
                    return .failure(Failure(description: "not an HTTP answer: \(lines.first ?? "")"))
                }
                head.status = status
                for line in lines.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    let name = line[..<colon].lowercased()
                    head.headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                expected = head.headers["content-length"].flatMap { Int($0) }
                chunked = head.headers["transfer-encoding"]?.lowercased() == "chunked"
            }
        }
        guard let end = headEnd else { return .failure(Failure(description: "the connection closed before an answer")) }
        if let expected, data.count - end < expected {
            return .failure(Failure(description: "the body ended after \(data.count - end) of \(expected) bytes"))
        }
        if chunked { return .failure(Failure(description: "the chunked body ended early")) }
        head.body = String(decoding: data[end...].prefix(expected ?? Int.max), as: UTF8.self)
        return .success(head)
    }

    /// The body of a complete chunked encoding, or nil while it is incomplete.
    static func dechunk(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        var body: [UInt8] = []
        var index = bytes.startIndex
        while true {
            guard let lineEnd = bytes[index...].firstRange(of: Array("\r\n".utf8)) else { return nil }
            let sizeText = String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { return nil }
            let start = lineEnd.upperBound
            if size == 0 { return body }
            guard bytes.endIndex - start >= size + 2 else { return nil }
            body += bytes[start..<(start + size)]
            index = start + size + 2
        }
    }
}
