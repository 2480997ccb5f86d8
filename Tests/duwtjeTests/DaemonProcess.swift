import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
#if canImport(Glibc)
import Glibc
import DuwtjeTestSupport
#endif

/// A temporary directory with a rule set and a configuration file, and the real `duwtje` binary
/// serving them on a socket inside it. Everything is removed and the process stopped at the end.
final class DaemonProcess {
    let directory: String
    var process: Process?
    let stderrPath: String

    var socketPath: String { directory + "/run/d.sock" }
    var rulesDirectory: String { directory + "/rules" }
    var configPath: String { directory + "/duwtje.yaml" }

    init(config extra: String = "", rules: String = Fixture.rules(why: "A"), socketMode: String = "0660") throws {
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
    func write(_ path: String, _ text: String) throws {
        let target = directory + "/" + path
        let temporary = URL(fileURLWithPath: target).deletingLastPathComponent().path + "/.tmp-" + UUID().uuidString
        try text.write(toFile: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary, target) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// The `duwtje` executable built beside this test bundle.
    static var binary: String {
        var candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                          Bundle.main.bundleURL.deletingLastPathComponent(), Bundle.main.bundleURL]
        candidates += candidates.map { $0.deletingLastPathComponent() }
        for directory in candidates {
            let path = directory.appendingPathComponent("duwtje").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return "duwtje"
    }

    /// Starts `duwtje serve` (arguments after `serve`), not waiting for it. With `shell`, the daemon
    /// is started by `/bin/sh` after that command (e.g. `ulimit -n 64`), in the same process.
    func launch(_ arguments: [String]? = nil, environment: [String: String] = [:], shell: String? = nil) throws -> Process {
        let process = Process()
        let serve = ["serve"] + (arguments ?? ["--config", configPath])
        if let shell {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", shell + " && exec \"$0\" \"$@\"", Self.binary] + serve
        } else {
            process.executableURL = URL(fileURLWithPath: Self.binary)
            process.arguments = serve
        }
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = nil
        env.merge(environment) { $1 }
        process.environment = env
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Starts the daemon and waits until it answers `/healthz`.
    func start(environment: [String: String] = [:], shell: String? = nil) async throws {
        let process = try launch(environment: environment, shell: shell)
        self.process = process
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if !process.isRunning {
                throw DaemonFailed(message: "daemon exited \(process.terminationStatus): \(stderr)")
            }
            if FileManager.default.fileExists(atPath: socketPath), (try? await probeHealth()) == true { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw DaemonFailed(message: "daemon did not answer within 30s: \(stderr)")
    }

    struct DaemonFailed: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    func probeHealth() async throws -> Bool {
        let response = try await RawClient.exchange(socketPath, "GET /healthz HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
        return response.hasPrefix("HTTP/1.1 200")
    }

    var pid: Int32 { process?.processIdentifier ?? 0 }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    func signal(_ number: Int32) {
        if let process, process.isRunning { kill(process.processIdentifier, number) }
    }

    /// Waits up to `seconds` for the process to exit; returns its status, or nil (after SIGKILL) when it did not.
    func waitForExit(seconds: Double = 20) async -> Int32? {
        guard let process else { return nil }
        return await Self.waitForExit(process, seconds: seconds)
    }

    static func waitForExit(_ process: Process, seconds: Double = 20) async -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    /// Stops the daemon with SIGTERM and returns its exit status.
    @discardableResult
    func stop() async -> Int32? {
        signal(SIGTERM)
        return await waitForExit()
    }

    var url: String { "http+unix://" + (socketPath.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? socketPath) }
}

/// One answer: status, headers and body, with the body as JSON when it is.
struct Reply: Sendable {
    var status: Int
    var headers: [String: String]
    var body: String

    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
    }
}

/// An AsyncHTTPClient that reaches the daemon over its socket with `http+unix://` URLs.
final class SocketClient: Sendable {
    let client: HTTPClient
    let base: String

    init(_ daemon: DaemonProcess, connections: Int = 32) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connections
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(15))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        base = daemon.url
    }

    func shutdown() async {
        try? await client.shutdown()
    }

    func get(_ path: String, method: HTTPMethod = .GET) async throws -> Reply {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        return try await send(request)
    }

    func post(_ path: String, _ body: String) async throws -> Reply {
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        return try await send(request)
    }

    func send(_ request: HTTPClientRequest) async throws -> Reply {
        let response = try await client.execute(request, timeout: .seconds(15))
        let body = try await response.body.collect(upTo: 4 << 20)
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return Reply(status: Int(response.status.code), headers: headers, body: String(buffer: body))
    }
}

/// A plain blocking Unix-socket client on its own thread, for what an HTTP client library will not
/// do: trickle bytes, send oversized headers, hold a request half sent.
enum RawClient {
    /// Runs blocking work on a thread of its own, so it never holds up Swift's cooperative pool.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.start()
        }
    }

    static func connect(_ path: String, timeoutSeconds: Int = 20) -> Int32 {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() where index < buffer.count - 1 { buffer[index] = byte }
        }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            close(descriptor)
            return -1
        }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return descriptor
    }

    static func send(_ descriptor: Int32, _ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Reads until the peer closes or the receive timeout passes.
    static func readAll(_ descriptor: Int32) -> String {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { break }
            data += buffer[0..<count]
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Sends a whole request and reads the answer until the connection closes.
    static func exchange(_ path: String, _ request: String) async throws -> String {
        await onThread {
            let descriptor = connect(path, timeoutSeconds: 5)
            guard descriptor >= 0 else { return "" }
            defer { close(descriptor) }
            _ = send(descriptor, request)
            return readAll(descriptor)
        }
    }
}

/// Polls `condition` every 20 ms for up to `seconds`; records an issue when it never holds.
func eventually(seconds: Double = 15, _ what: String = "condition", _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("\(what) did not hold within \(seconds)s")
}

func fileMode(_ path: String) -> UInt32? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    return UInt32(info.st_mode) & 0o777
}
