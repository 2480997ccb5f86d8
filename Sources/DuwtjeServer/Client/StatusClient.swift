#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Asks a running daemon for `GET /v1/status` over its Unix socket, for `duwtje status`.
///
/// One blocking request with `Connection: close` and a deadline: the command line has nothing else
/// to do meanwhile, and an HTTP client library would bring an event loop for one request.
public enum StatusClient {
    /// Why no status came back, in words for an operator.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var socket: String
        public var reason: String
        public var description: String { "no answer from the daemon at \(socket): \(reason)" }
    }

    /// The body of `/v1/status` as JSON, or a ``Failure`` naming what went wrong.
    public static func fetch(socket path: String, timeout: Duration = .seconds(5)) throws(Failure) -> [String: Any] {
        let answer = try exchange(socket: path, request: "GET /v1/status HTTP/1.1\r\nHost: duwtje\r\nConnection: close\r\n\r\n",
                                  timeout: timeout)
        guard let split = answer.firstRange(of: Array("\r\n\r\n".utf8)) else {
            throw Failure(socket: path, reason: "the answer is not HTTP")
        }
        let head = String(decoding: answer[..<split.lowerBound], as: UTF8.self)
        let status = head.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) }
        guard status == 200 else {
            throw Failure(socket: path, reason: "it answered \(head.split(separator: "\r\n").first ?? "nothing")")
        }
        var body = Array(answer[split.upperBound...])
        if head.lowercased().contains("transfer-encoding: chunked") { body = dechunk(body) }
        guard let json = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            throw Failure(socket: path, reason: "the answer is not the JSON of /v1/status")
        }
        return json
    }

    static func exchange(socket path: String, request: String, timeout: Duration) throws(Failure) -> [UInt8] {
        guard var address = SocketFile.socketAddress(path) else { throw Failure(socket: path, reason: "the path is too long") }
        #if canImport(Glibc)
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let descriptor = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw Failure(socket: path, reason: SocketFile.reason(errno)) }
        defer { close(descriptor) }
        var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            let hint = switch code {
            case ENOENT: " (is the daemon running? systemctl status duwtje)"
            case ECONNREFUSED: " (a socket file without a daemon: it stopped without removing it)"
            case EACCES: " (this user may not connect: the socket is for its group, e.g. www-data, or root)"
            default: ""
            }
            throw Failure(socket: path, reason: SocketFile.reason(code) + hint)
        }
        let bytes = Array(request.utf8)
        let sent = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw Failure(socket: path, reason: "cannot send: \(SocketFile.reason(errno))") }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count == 0 { break }
            guard count > 0 else {
                throw Failure(socket: path, reason: errno == EAGAIN ? "no answer within \(timeout)" : SocketFile.reason(errno))
            }
            answer += buffer[0..<count]
        }
        return answer
    }

    /// A chunked body put back together (the daemon sends lengths, but a proxy in between may not).
    static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var body: [UInt8] = []
        var index = 0
        while let lineEnd = bytes[index...].firstRange(of: Array("\r\n".utf8)),
              let size = Int(String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self)
                  .split(separator: ";").first ?? "", radix: 16), size > 0 {
            let start = lineEnd.upperBound
            guard start + size <= bytes.count else { break }
            body += bytes[start..<start + size]
            index = start + size + 2
            guard index < bytes.count else { break }
        }
        return body
    }
}
