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

/// Runs the diagnostics listener and names it in a failure to listen (a port in use), which
/// would otherwise read as a failure of the socket.
struct DiagnosticsListener: Service {
    let application: any Service
    let address: DiagnosticsSettings.Address

    func run() async throws {
        do {
            try await application.run()
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw DaemonError.diagnostics(address: "\(address)", reason: Daemon.reason(error))
        }
    }
}
