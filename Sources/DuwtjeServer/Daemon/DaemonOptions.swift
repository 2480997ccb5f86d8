#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DuwtjeRules
public import Foundation
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

/// How `duwtje serve` was started: which configuration file, and which settings the command line
/// overrides. Kept whole so that a reload re-reads the same file with the same overrides.
public struct DaemonOptions: Sendable {
    /// `--config FILE`; nil means `Config/duwtje.yaml` if it exists, else the built-in defaults.
    public var configFile: String?
    /// `--rules DIR`, relative to the working directory.
    public var rules: String?
    /// `--socket PATH`, relative to the working directory.
    public var socket: String?
    /// The directory relative command-line paths are resolved against.
    public var workingDirectory: String
    /// Which HTTP/1.1 server answers on the socket (`--transport`, for measuring one against the other).
    public var transport: Transport = .lean

    /// The socket's HTTP/1.1 server. The diagnostics listener (TCP, monitors only) stays on Hummingbird.
    public enum Transport: String, Sendable, CaseIterable {
        /// ``LeanHTTPServer``: framing of its own on SwiftNIO, answers on the event loop (issue 14).
        case lean
        /// Hummingbird 2's HTTP/1.1 server, what served before issue 14.
        case hummingbird
    }

    public static let defaultConfigFile = "Config/duwtje.yaml"

    public init(configFile: String? = nil, rules: String? = nil, socket: String? = nil,
                workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.configFile = configFile
        self.rules = rules
        self.socket = socket
        self.workingDirectory = workingDirectory
    }

    /// Reads the configuration (the file, or the defaults) and applies the command-line overrides.
    public func loadConfiguration() throws(DaemonError) -> DaemonConfiguration {
        var configuration: DaemonConfiguration
        if let configFile {
            configuration = try DaemonConfiguration.load(file: DaemonConfiguration.resolve(configFile, against: workingDirectory))
        } else {
            let fallback = DaemonConfiguration.resolve(Self.defaultConfigFile, against: workingDirectory)
            if FileManager.default.fileExists(atPath: fallback) {
                configuration = try DaemonConfiguration.load(file: fallback)
            } else {
                configuration = .defaults(in: workingDirectory)
            }
        }
        if let rules { configuration.rules = DaemonConfiguration.resolve(rules, against: workingDirectory) }
        if let socket { configuration.socket.path = DaemonConfiguration.resolve(socket, against: workingDirectory) }
        return configuration
    }
}
