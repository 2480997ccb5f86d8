public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Plain blocking Unix-socket calls, each on a thread of its own, for what an HTTP client will not
/// do: trickle bytes, send oversized headers, hold a request half sent, bind a stale socket, receive
/// systemd's datagrams.
public enum RawSocket {
    /// Runs blocking work on a thread of its own, so it never holds up Swift's cooperative pool.
    public static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.start()
        }
    }

    /// `path` as a socket address, or nil when it does not fit in `sun_path`.
    public static func address(_ path: String) -> sockaddr_un? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        return address
    }

    static func withAddress(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        guard var address = address(path) else { return -1 }
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    /// A connected stream socket with a receive timeout, or -1.
    ///
    /// A connect interrupted by a signal (EINTR), or refused for a moment because the listen
    /// backlog is full (EAGAIN), is tried again on a new socket, as HTTP clients do; `errno` holds
    /// the last attempt's error when it returns -1.
    public static func connect(_ path: String, timeoutSeconds: Int = 20) -> Int32 {
        for _ in 0..<5 {
            let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            if withAddress(path, { Glibc.connect(descriptor, $0, $1) }) == 0 {
                setReceiveTimeout(descriptor, seconds: timeoutSeconds)
                return descriptor
            }
            let failure = errno
            close(descriptor)
            errno = failure
            guard failure == EINTR || failure == EAGAIN else { return -1 }
        }
        return -1
    }

    public static func setReceiveTimeout(_ descriptor: Int32, seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// A socket of `type` bound to `path`: `SOCK_DGRAM` receives systemd notifications; a
    /// `SOCK_STREAM` one, listening or closed at once (a stale socket file, as a killed daemon leaves).
    public static func bind(_ path: String, type: __socket_type = SOCK_STREAM, listening: Bool = false) -> Int32 {
        let descriptor = socket(AF_UNIX, Int32(type.rawValue), 0)
        guard descriptor >= 0, withAddress(path, { Glibc.bind(descriptor, $0, $1) }) == 0 else {
            close(descriptor)
            return -1
        }
        if listening { listen(descriptor, 4) }
        return descriptor
    }

    /// Sends all of `text`; false when the peer is gone. A signal (the test process gets a SIGCHLD for
    /// every daemon another test stops) interrupts a call without ending it: it is made again.
    public static func send(_ descriptor: Int32, _ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            sent += count
        }
        return true
    }

    /// One datagram (or one read of a stream), empty when the receive timeout passes.
    public static func receive(_ descriptor: Int32, flags: Int32 = 0) -> String {
        var buffer = [UInt8](repeating: 0, count: 4_096)
        var count = recv(descriptor, &buffer, buffer.count, flags)
        while count < 0, errno == EINTR { count = recv(descriptor, &buffer, buffer.count, flags) }
        return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
    }

    /// Reads until the peer closes or the receive timeout passes.
    public static func readAll(_ descriptor: Int32) -> String {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            data += buffer[0..<count]
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Bytes this end has sent that the peer has not read yet (`SIOCOUTQ`; for a Unix socket the
    /// sender is charged until the receiver reads). Zero means the daemon has accepted the connection
    /// and read everything sent: a positive sign, unlike a pause, that it has the request.
    public static func unread(_ descriptor: Int32) -> Int {
        var count: Int32 = 0
        let siocoutq: UInt = 0x5411
        guard ioctl(descriptor, siocoutq, &count) == 0 else { return -1 }
        return Int(count)
    }

    /// Whether the peer has sent anything (or closed) without waiting.
    public static func hasInput(_ descriptor: Int32) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) > 0
    }

    /// Waits up to `milliseconds` for input from the peer; true when some arrived.
    public static func awaitInput(_ descriptor: Int32, milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, milliseconds) > 0  // an interrupted poll (EINTR) is "nothing yet"
    }

    /// Sends a whole request and reads the answer until the connection closes ("" when it cannot connect).
    public static func exchange(_ path: String, _ request: String) async -> String {
        await onThread {
            let descriptor = connect(path, timeoutSeconds: 5)
            guard descriptor >= 0 else { return "" }
            defer { close(descriptor) }
            _ = send(descriptor, request)
            return readAll(descriptor)
        }
    }
}

/// The permission bits of `path` (not following a symbolic link), or nil when it does not exist.
public func fileMode(_ path: String) -> UInt32? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    return UInt32(info.st_mode) & 0o777
}
