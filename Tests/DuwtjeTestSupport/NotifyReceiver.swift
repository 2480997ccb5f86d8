import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A datagram socket standing in for systemd's `$NOTIFY_SOCKET`: what the daemon tells systemd
/// arrives here, one message per datagram.
public final class NotifyReceiver: Sendable {
    public let path: String
    let descriptor: Int32

    public struct CannotBind: Error {}

    public init(path: String, timeoutSeconds: Int = 10) throws {
        self.path = path
        descriptor = RawSocket.bind(path, type: SOCK_DGRAM)
        guard descriptor >= 0 else { throw CannotBind() }
        RawSocket.setReceiveTimeout(descriptor, seconds: timeoutSeconds)
    }

    deinit { close(descriptor) }

    /// The next message, or "" when none arrives within the timeout.
    public func receive() -> String { RawSocket.receive(descriptor) }

    /// ``receive()`` on a thread of its own.
    public func next() async -> String {
        await RawSocket.onThread { [self] in receive() }
    }
}
