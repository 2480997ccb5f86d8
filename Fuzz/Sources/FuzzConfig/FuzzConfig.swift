import DuwtjeRules
import DuwtjeServer
import FuzzSupport

/// The daemon's configuration file parser: any bytes give a configuration or errors with places,
/// never both missing, never a trap; a configuration that parses holds only values the daemon can
/// start with (positive limits and timeouts, permission bits, absolute paths).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzInput.bytes(data, size)
    let (configuration, diagnostics) = DaemonConfiguration.parse(bytes, file: "duwtje.yaml", directory: "/etc/duwtje")
    require(configuration != nil || diagnostics.hasErrors, "no configuration and no error")
    require(configuration == nil || !diagnostics.hasErrors, "a configuration despite errors")
    for diagnostic in diagnostics {
        require(diagnostic.location.line >= 1 && diagnostic.location.column >= 1, "unplaced: \(diagnostic)")
    }
    if let configuration { checkValues(configuration) }
    return 0
}

private func checkValues(_ configuration: DaemonConfiguration) {
    let limits = configuration.limits
    require([limits.maxBodyBytes, limits.maxLimit, limits.maxHeaderBytes, limits.maxHeaderCount, limits.maxConnections,
             configuration.maxVisitors, configuration.store.retentionDays, configuration.events.maxBatch,
             configuration.events.maxBodyBytes].allSatisfy { $0 > 0 }, "a limit of zero or less: \(configuration)")
    require(limits.idleTimeout > .zero && limits.requestTimeout > .zero, "a timeout of zero or less")
    require(configuration.socket.mode <= 0o777, "socket mode \(configuration.socket.mode) beyond permission bits")
    for path in [configuration.rules, configuration.socket.path, configuration.store.path] {
        require(path.hasPrefix("/"), "a relative path left unresolved: '\(path)'")
    }
}
