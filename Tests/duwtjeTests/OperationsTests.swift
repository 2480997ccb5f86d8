import Foundation
import Testing
#if canImport(Glibc)
import Glibc
import DuwtjeTestSupport
#endif

/// What operations rely on beside the API (issue 12): HEAD, the diagnostics listener for
/// Prometheus, `/readyz` during a drain, and `duwtje status`. The real binary, real sockets.
@Suite("operations: HEAD, diagnostics listener, draining, duwtje status", .serialized, .timeLimit(.minutes(3)))
struct OperationsTests {
    static let getPaths = ["/v1/journeys", "/v1/status", "/healthz", "/readyz", "/metrics", "/v1/report"]

    /// Splits a raw HTTP/1.1 answer into its status line, lower-cased headers and body.
    static func parse(_ answer: String) -> (status: String, headers: [String: String], body: String) {
        let parts = answer.components(separatedBy: "\r\n\r\n")
        var lines = (parts.first ?? "").components(separatedBy: "\r\n")
        let status = lines.isEmpty ? "" : lines.removeFirst()
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (status, headers, parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    /// A TCP port nothing listens on right now (the kernel's choice for port 0).
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test("HEAD on every GET endpoint: GET's status and headers, Content-Length included, no body; 405s name HEAD in Allow")
    func head() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        for path in Self.getPaths {
            let get = Self.parse(await RawSocket.exchange(daemon.socketPath, "GET \(path) HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n"))
            let head = Self.parse(await RawSocket.exchange(daemon.socketPath, "HEAD \(path) HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n"))
            #expect(head.status == get.status && head.status == "HTTP/1.1 200 OK", "\(path)")
            #expect(head.headers["content-type"] == get.headers["content-type"], "\(path)")
            #expect(head.body.isEmpty, "HEAD \(path) sent a body")
            #expect(Int(head.headers["content-length"] ?? "") ?? 0 > 0, "\(path)")
            if ["/v1/journeys", "/healthz", "/readyz"].contains(path) {
                #expect(head.headers["content-length"] == String(get.body.utf8.count), "\(path)")
            }
        }
        let post = Self.parse(await RawSocket.exchange(daemon.socketPath, "POST /v1/status HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
        #expect(post.status.hasPrefix("HTTP/1.1 405") && post.headers["allow"] == "GET, HEAD")
        let headOfPost = Self.parse(await RawSocket.exchange(daemon.socketPath, "HEAD /v1/recommendations HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n"))
        #expect(headOfPost.status.hasPrefix("HTTP/1.1 405") && headOfPost.headers["allow"] == "POST")
        #expect(await daemon.stop() == 0)
    }

    @Test("diagnostics listener: /metrics, /healthz, /readyz over TCP and nothing else; /readyz 503 while a SIGTERM drains requests")
    func diagnostics() async throws {
        let port = try Self.freePort()
        let daemon = try DaemonProcess(config: "diagnostics: { listen: \"127.0.0.1:\(port)\" }\nlimits: { request_timeout: 60s }\n")
        try await daemon.start()
        /// One request over TCP to the diagnostics listener, on a connection of its own.
        func get(_ path: String, method: String = "GET") async throws -> (Int, String) {
            let response = await RawSocket.onThread { () -> String in
                let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                guard descriptor >= 0 else { return "" }
                defer { close(descriptor) }
                RawSocket.setReceiveTimeout(descriptor, seconds: 5)
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = in_port_t(UInt16(port).bigEndian)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                let connected = withUnsafePointer(to: &address) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
                guard connected == 0 else { return "" }
                _ = RawSocket.send(descriptor, "\(method) \(path) HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return RawSocket.readAll(descriptor)
            }
            guard let status = Int(response.dropFirst("HTTP/1.1 ".count).prefix(3)) else { throw CocoaError(.fileReadUnknown) }
            let body = response.range(of: "\r\n\r\n").map { String(response[$0.upperBound...]) } ?? ""
            return (status, body)
        }
        try await eventually("the diagnostics listener answers") { (try? await get("/healthz").0) == 200 }
        #expect(try await get("/readyz").1.contains(#""status":"ready""#))
        let metrics = try await get("/metrics")
        #expect(metrics.0 == 200 && metrics.1.contains("duwtje_rules_loaded"))
        #expect(try await get("/metrics", method: "HEAD").0 == 200)
        // Never the API.
        for path in ["/v1/status", "/v1/journeys", "/v1/report", "/v1/recommendations", "/v1/events"] {
            #expect(try await get(path).0 == 404, "\(path)")
        }
        #expect(try await get("/v1/recommendations", method: "POST").0 == 404)
        #expect(daemon.stderr.contains("diagnostics listening") && daemon.stderr.contains("127.0.0.1:\(port)"))

        // A request in flight (half its body sent) keeps the daemon draining after SIGTERM.
        let body = #"{"journey": "bz", "persona": "ouder", "context": {"process": "paspoort"}}"#
        let head = "POST /v1/recommendations HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
        let path = daemon.socketPath
        let descriptor = await RawSocket.onThread { RawSocket.connect(path) }
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        // One answered request first: the daemon has accepted the connection before it is asked to stop.
        #expect(RawSocket.send(descriptor, "GET /healthz HTTP/1.1\r\nHost: d\r\n\r\n"))
        let healthy = await RawSocket.onThread { Self.readOneAnswer(descriptor) }
        #expect(healthy.hasPrefix("HTTP/1.1 200"))
        #expect(RawSocket.send(descriptor, head + String(body.prefix(10))))
        // The daemon has read the head: the request is in flight, not a connection that merely idles
        // (a SIGTERM before that read closes it as idle; on a loaded machine that happened).
        try await eventually("the daemon has read the request's head") { RawSocket.unread(descriptor) == 0 }
        daemon.signal(SIGTERM)
        try await eventually("/readyz says 503 while draining") {
            let (status, text) = (try? await get("/readyz")) ?? (0, "")
            return status == 503 && text.contains(#""status":"draining""#)
        }
        #expect(try await get("/healthz").0 == 200)
        #expect(RawSocket.send(descriptor, String(body.dropFirst(10))))
        let answer = await RawSocket.onThread { RawSocket.readAll(descriptor) }
        #expect(answer.hasPrefix("HTTP/1.1 200"))
        #expect(await daemon.waitForExit() == 0)
        #expect((try? await get("/healthz")) == nil, "the diagnostics listener closes with the daemon")
    }

    @Test("a diagnostics address other machines reach stops the start with one line, unless allow_remote: true")
    func remoteDiagnostics() async throws {
        let daemon = try DaemonProcess(config: "diagnostics: { listen: \"0.0.0.0:\(try Self.freePort())\" }\n")
        let status = await DaemonProcess.waitForExit(try daemon.launch())
        let lines = daemon.stderr.split(separator: "\n")
        #expect(status == 1 && lines.count == 1)
        #expect(lines.first?.contains("which other machines can reach") == true)
    }

    /// Reads one answer with a Content-Length from a keep-alive connection.
    static func readOneAnswer(_ descriptor: Int32) -> String {
        var data: [UInt8] = []
        var byte: UInt8 = 0
        while !data.suffix(4).elementsEqual([13, 10, 13, 10]), recv(descriptor, &byte, 1, 0) == 1 { data.append(byte) }
        let length = Int(parse(String(decoding: data, as: UTF8.self)).headers["content-length"] ?? "") ?? 0
        var body = [UInt8](repeating: 0, count: length)
        var read = 0
        while read < length {
            let count = body.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress! + read, length - read, 0) }
            guard count > 0 else { break }
            read += count
        }
        return String(decoding: data + body[0..<read], as: UTF8.self)
    }

    /// Runs `duwtje ARGUMENTS`, returning its exit status, standard output and standard error.
    static func run(_ arguments: [String]) async throws -> (Int32, String, String) {
        let result = try await DaemonProcess.run(arguments)
        return (result.status, result.output, result.errors)
    }

    @Test("duwtje status: version, rules, last reload and its errors, store, in a few lines; exit 1 when nobody answers")
    func status() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let (code, text, _) = try await Self.run(["status", "--socket", daemon.socketPath])
        let lines = text.split(separator: "\n")
        #expect(code == 0)
        #expect(lines.first?.hasPrefix("duwtje dev (commit unknown") == true)
        #expect(lines.contains { $0.hasPrefix("rules   sha256:") && $0.contains("from \(daemon.rulesDirectory)") && $0.contains("1 rules") })
        #expect(lines.contains("reload  none since the start"))
        #expect(lines.contains { $0.hasPrefix("store   ") })
        #expect(lines.count <= 8)

        try daemon.write("rules/rules.yaml", Fixture.brokenRules)
        daemon.signal(SIGHUP)
        try await eventually("the failed reload is reported") {
            try await Self.run(["status", "--config", daemon.configPath]).1.contains("failed, still serving")
        }
        let failed = try await Self.run(["status", "--config", daemon.configPath]).1
        #expect(failed.contains("\(daemon.rulesDirectory)/rules.yaml:4:23: error: unknown persona 'oudr'"))
        #expect(failed.contains("(reloads: 0 ok, 1 failed)"))

        #expect(await daemon.stop() == 0)
        let (gone, out, err) = try await Self.run(["status", "--socket", daemon.socketPath])
        #expect(gone == 1 && out.isEmpty)
        #expect(err == "duwtje: no answer from the daemon at \(daemon.socketPath): No such file or directory (is the daemon running? systemctl status duwtje)\n")
        #expect(try await Self.run(["--version"]).1.hasPrefix("dev (commit unknown"))
    }
}
