public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A temporary directory with a rule set and a configuration file, and the real `duwtje` binary
/// serving them on a socket inside it. Everything is removed and the process stopped at the end.
/// For what needs a process of its own: signals, the socket file, systemd notifications, crashes.
public final class DaemonProcess {
    public let directory: String
    public var process: Process?
    public let stderrPath: String
    /// Runs the daemon as this user and group instead of the test's own (root in CI), through
    /// `setpriv`, which execs: the process's id is the daemon's, so signals reach it directly.
    public var user: (uid: uid_t, gid: gid_t)?

    public var socketPath: String { directory + "/run/d.sock" }
    public var rulesDirectory: String { directory + "/rules" }
    public var configPath: String { directory + "/duwtje.yaml" }
    public var databasePath: String { directory + "/var/duwtje.db" }

    public init(config extra: String = "", rules: String = Fixture.rules(why: "A"), socketMode: String = "0660") throws {
        // Short: a socket path must fit in 107 bytes.
        directory = "/tmp/dw-" + UUID().uuidString.prefix(8).lowercased()
        stderrPath = directory + "/stderr.log"
        try FileManager.default.createDirectory(atPath: directory + "/rules", withIntermediateDirectories: true)
        try write("rules/vocabulary.yaml", Fixture.vocabulary)
        try write("rules/rules.yaml", rules)
        try write("duwtje.yaml", "rules: rules\nsocket: { path: run/d.sock, mode: \"\(socketMode)\" }\n" + extra)
    }

    deinit {
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Writes a file whole (a hidden temporary name, then a rename), so the daemon never reads half of it.
    public func write(_ path: String, _ text: String) throws {
        try Fixture.writeWhole(directory + "/" + path, text)
    }

    /// A client for this daemon's socket.
    public var client: UnixHTTPClient { UnixHTTPClient(socketPath: socketPath) }

    /// The `duwtje` executable built beside this test bundle.
    public static var binary: String {
        var candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                          Bundle.main.bundleURL.deletingLastPathComponent(), Bundle.main.bundleURL]
        candidates += candidates.map { $0.deletingLastPathComponent() }
        for directory in candidates {
            let path = directory.appendingPathComponent("duwtje").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return "duwtje"
    }

    /// Starts `duwtje serve` (arguments after `serve`), not waiting for it; its standard error goes
    /// to `log` (default: this daemon's `stderr.log`). With `shell`, the daemon is started by `/bin/sh`
    /// after that command (e.g. `ulimit -n 64`), in the same process.
    public func launch(_ arguments: [String]? = nil, environment: [String: String] = [:], log: String? = nil,
                       shell: String? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve"] + (arguments ?? ["--config", configPath])
        if let shell {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", shell + " && exec \"$0\" \"$@\"", Self.binary] + (process.arguments ?? [])
        }
        if let user {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=\(user.uid)", "--regid=\(user.gid)", "--clear-groups", "--", Self.binary]
                + (process.arguments ?? [])
        }
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = nil
        env.merge(environment) { $1 }
        process.environment = env
        let logPath = log ?? stderrPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Starts the daemon (with `arguments` after `serve`, default `--config` and this daemon's
    /// configuration) and waits until it answers `/healthz`.
    public func start(_ arguments: [String]? = nil, environment: [String: String] = [:], shell: String? = nil) async throws {
        let process = try launch(arguments, environment: environment, shell: shell)
        self.process = process
        let answered = try await poll(within: 30) {
            guard process.isRunning else {
                throw DaemonFailed(message: "daemon exited \(process.terminationStatus): \(stderr)")
            }
            return try await probeHealth()
        }
        guard answered else { throw DaemonFailed(message: "daemon did not answer within 30s: \(stderr)") }
    }

    public struct DaemonFailed: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Whether `/healthz` answers 200 now.
    public func probeHealth() async throws -> Bool {
        await RawSocket.exchange(socketPath, "GET /healthz HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n").hasPrefix("HTTP/1.1 200")
    }

    public var pid: Int32 { process?.processIdentifier ?? 0 }

    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    public func signal(_ number: Int32) {
        if let process, process.isRunning { kill(process.processIdentifier, number) }
    }

    /// Waits up to `seconds` for the process to exit; returns its status, or nil (after SIGKILL) when it did not.
    public func waitForExit(seconds: Double = 20) async -> Int32? {
        guard let process else { return nil }
        return await Self.waitForExit(process, seconds: seconds)
    }

    public static func waitForExit(_ process: Process, seconds: Double = 20) async -> Int32? {
        _ = try? await poll(within: seconds) { !process.isRunning }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    /// Stops the daemon with SIGTERM and returns its exit status.
    @discardableResult
    public func stop() async -> Int32? {
        signal(SIGTERM)
        return await waitForExit()
    }

    /// Runs the `duwtje` binary (not a daemon) to the end, as `user` when given.
    public static func run(_ arguments: [String], as user: (uid: uid_t, gid: gid_t)? = nil) async throws -> CommandResult {
        try await CommandResult.run(binary, arguments, as: user)
    }
}
