#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DuwtjeRules
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import UnixSignals
import DuwtjeStore
import DuwtjeWire

/// Whether the server came up, and a way to stop it from `onServerRunning` if the socket could
/// not be finished (its group or mode not set).
actor StartupOutcome {
    var failure: DaemonError?
    var succeeded = false
    var group: ServiceGroup?

    func attach(_ group: ServiceGroup) {
        self.group = group
    }

    func succeed() {
        succeeded = true
    }

    func fail(_ error: DaemonError) async {
        failure = error
        await group?.triggerGracefulShutdown()
    }
}
