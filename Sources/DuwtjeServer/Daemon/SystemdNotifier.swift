#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Tells systemd (`Type=notify-reload`) what the daemon is doing, through `$NOTIFY_SOCKET`.
///
/// Written out rather than linked from libsystemd, because the protocol is one datagram per state
/// change: `READY=1` once the socket listens, `RELOADING=1` with `MONOTONIC_USEC` when a reload
/// starts (without it `systemctl reload` waits its full timeout), `READY=1` when it is done, and
/// `STOPPING=1` on shutdown. Without `$NOTIFY_SOCKET` every call does nothing.
public struct SystemdNotifier: Sendable {
    /// The socket's address: a path, or an abstract name starting with `@`.
    public let address: String?

    public init(environment: [String: String]) {
        let value = environment["NOTIFY_SOCKET"]
        address = (value?.isEmpty ?? true) ? nil : value
    }

    public func ready(status: String? = nil) {
        send("READY=1" + (status.map { "\nSTATUS=\($0)" } ?? ""))
    }

    public func reloading() {
        send("RELOADING=1\nMONOTONIC_USEC=\(Self.monotonicMicroseconds())")
    }

    public func stopping() {
        send("STOPPING=1")
    }

    /// CLOCK_MONOTONIC in microseconds, the clock systemd compares `MONOTONIC_USEC` with.
    public static func monotonicMicroseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000 + UInt64(time.tv_nsec) / 1_000
    }

    /// Sends one datagram; returns whether it was sent. Failures are not fatal: the daemon serves
    /// the same with or without a supervisor listening.
    @discardableResult
    public func send(_ message: String) -> Bool {
        guard let address else { return false }
        var bytes = Array(address.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        var socketAddress = sockaddr_un()
        let capacity = MemoryLayout.size(ofValue: socketAddress.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else { return false }
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { path in
            for (index, byte) in bytes.enumerated() { path[index] = byte }
        }
        // An abstract address is exactly as long as its name; a path also counts its terminating NUL.
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
        let length = socklen_t(pathOffset + bytes.count + (bytes[0] == 0 ? 0 : 1))
        #if canImport(Glibc)
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let descriptor = socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let payload = Array(message.utf8)
        let sent = withUnsafePointer(to: &socketAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                payload.withUnsafeBytes { buffer in
                    sendto(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), address, length)
                }
            }
        }
        return sent == payload.count
    }
}
