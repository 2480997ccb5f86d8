@testable import DuwtjeServer
import DuwtjeTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("systemd notifications")
struct SystemdNotifierTests {
    @Test("READY, RELOADING with MONOTONIC_USEC and STOPPING reach $NOTIFY_SOCKET; without it nothing is sent")
    func notify() throws {
        let fixture = try Fixture()
        let path = fixture.directory + "/notify"
        let receiver = try NotifyReceiver(path: path, timeoutSeconds: 2)
        func receive() -> String { receiver.receive() }
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path])
        notifier.ready()
        #expect(receive() == "READY=1")
        let before = SystemdNotifier.monotonicMicroseconds()
        notifier.reloading()
        let reloading = receive().split(separator: "\n").map(String.init)
        #expect(reloading.first == "RELOADING=1")
        let stamp = UInt64(reloading.last?.replacingOccurrences(of: "MONOTONIC_USEC=", with: "") ?? "") ?? 0
        #expect(stamp >= before && stamp <= SystemdNotifier.monotonicMicroseconds())
        notifier.stopping()
        #expect(receive() == "STOPPING=1")
        #expect(!SystemdNotifier(environment: [:]).send("READY=1"))
    }
}
