import DuwtjeRules
@testable import DuwtjeServer
import Foundation
import Logging
import Testing
import DuwtjeTestSupport

@Suite("Reading the daemon's configuration file")
struct DaemonConfigurationTests {
    func parse(_ text: String) -> (DaemonConfiguration?, [Diagnostic]) {
        DaemonConfiguration.parse(Array(text.utf8), file: "/etc/duwtje/duwtje.yaml", directory: "/etc/duwtje")
    }

    @Test("an empty file gives every default, relative to the file's directory")
    func defaults() throws {
        let (configuration, diagnostics) = parse("")
        let parsed = try #require(configuration)
        #expect(diagnostics.isEmpty)
        #expect(parsed.rules == "/etc/duwtje/Rules")
        #expect(parsed.socket.path == "/etc/duwtje/run/duwtje.sock")
        #expect(parsed.socket.mode == 0o660)
        #expect(parsed.socket.group == nil)
        #expect(parsed.timeZone.identifier == "Europe/Amsterdam")
        #expect(parsed.limits.maxBodyBytes == 65_536)
        #expect(parsed.limits.maxLimit == 20)
        #expect(parsed.limits.idleTimeout == .seconds(30))
        #expect(parsed.limits.requestTimeout == .seconds(10))
        #expect(parsed.limits.maxHeaderBytes == 16_384)
        #expect(parsed.limits.maxHeaderCount == 100)
        #expect(parsed.limits.maxConnections == 256)
        #expect(parsed.maxVisitors == 1_000_000)
        #expect(parsed.logLevel == .info)
        #expect(parsed.logFormat == .text)
    }

    @Test("every setting is read; relative paths are relative to the file")
    func everySetting() throws {
        let (configuration, diagnostics) = parse("""
        rules: ../Rules
        socket: { path: ../run/d.sock, mode: "0600", group: www-data }
        timezone: Europe/London
        limits: { max_body_bytes: 1024, max_limit: 5, idle_timeout: 1m, request_timeout: 3s, max_header_bytes: 2048,
                  max_header_count: 20, max_connections: 8 }
        caps: { max_visitors: 10 }
        log: { level: debug, format: json }
        """)
        #expect(diagnostics.isEmpty)
        let parsed = try #require(configuration)
        #expect(parsed.rules == "/etc/Rules")
        #expect(parsed.socket == .init(path: "/etc/run/d.sock", mode: 0o600, group: "www-data"))
        #expect(parsed.timeZone.identifier == "Europe/London")
        #expect(parsed.limits.maxBodyBytes == 1024 && parsed.limits.maxLimit == 5)
        #expect(parsed.limits.idleTimeout == .seconds(60) && parsed.limits.requestTimeout == .seconds(3))
        #expect(parsed.limits.maxHeaderBytes == 2048 && parsed.limits.maxHeaderCount == 20 && parsed.limits.maxConnections == 8)
        #expect(parsed.maxVisitors == 10 && parsed.logLevel == .debug && parsed.logFormat == .json)
        #expect(parsed.file == "/etc/duwtje/duwtje.yaml")
    }

    @Test("the shipped Config/duwtje.yaml parses and points at the shipped rules")
    func shipped() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let configuration = try DaemonConfiguration.load(file: root.path + "/Config/duwtje.yaml")
        #expect(configuration.rules == root.path + "/Rules")
        #expect(configuration.socket.path == root.path + "/run/duwtje.sock")
        #expect(configuration.socket.mode == 0o660)
    }

    @Test("unknown keys are errors with their place and the nearest known key")
    func unknownKeys() {
        let (configuration, diagnostics) = parse("""
        rules: Rules
        sockett: { path: x }
        limits:
          max_body: 10
        """)
        #expect(configuration == nil)
        #expect(diagnostics.map(\.description) == [
            "/etc/duwtje/duwtje.yaml:2:1: error: unknown setting 'sockett' (did you mean 'socket'?) "
                + "(known settings here: rules, socket, timezone, limits, caps, log, store, events)",
            "/etc/duwtje/duwtje.yaml:4:3: error: unknown setting 'max_body' in 'limits' (did you mean 'max_body_bytes'?) "
                + "(known settings here: max_body_bytes, max_limit, idle_timeout, request_timeout, max_header_bytes, "
                + "max_header_count, max_connections)",
        ])
    }

    @Test("wrong values are errors naming the setting, every one of them at once")
    func wrongValues() {
        let (configuration, diagnostics) = parse("""
        socket: { mode: "0999" }
        timezone: Europe/Amsterdan
        limits: { max_limit: 0, idle_timeout: soon, max_body_bytes: "big" }
        log: { level: loud, format: xml }
        """)
        #expect(configuration == nil)
        let messages = diagnostics.map { "\($0.location.line):\($0.location.column) \($0.message)" }
        #expect(messages == [
            "1:17 'socket.mode' must be permission bits in octal such as \"0660\", not '0999'",
            "2:11 unknown time zone 'Europe/Amsterdan' (did you mean 'Europe/Amsterdam'?)",
            "3:22 'limits.max_limit' must be between 1 and 1000, not 0",
            "3:39 'limits.idle_timeout' must be a duration such as 30s, 5m or 1h, not 'soon'",
            "3:61 'limits.max_body_bytes' must be a whole number, not 'big'",
            "4:15 unknown log level 'loud'",
            "4:29 unknown log format 'xml'",
        ])
    }

    @Test("duplicate keys and malformed YAML are errors with their place")
    func yamlErrors() {
        let (_, duplicate) = parse("rules: a\nrules: b\n")
        #expect(duplicate.map(\.description).first?.hasPrefix("/etc/duwtje/duwtje.yaml:2:1: error: duplicate key 'rules'") == true)
        let (_, malformed) = parse("socket: [unclosed\n")
        #expect(malformed.first?.message.hasPrefix("malformed YAML") == true)
    }

    @Test("the command line overrides the file; a missing default file means the defaults")
    func options() throws {
        let fixture = try Fixture()
        try fixture.write("duwtje.yaml", "rules: rules\nsocket: { path: s.sock }\n")
        let fromFile = try DaemonOptions(configFile: fixture.directory + "/duwtje.yaml", workingDirectory: "/").loadConfiguration()
        #expect(fromFile.rules.hasSuffix("/rules") && fromFile.socket.path.hasSuffix("/s.sock"))
        let overridden = try DaemonOptions(configFile: fixture.directory + "/duwtje.yaml", rules: "r", socket: "x.sock",
                                           workingDirectory: "/srv").loadConfiguration()
        #expect(overridden.rules == "/srv/r" && overridden.socket.path == "/srv/x.sock")
        let none = try DaemonOptions(workingDirectory: fixture.directory).loadConfiguration()
        #expect(none.file == nil && none.rules == fixture.directory + "/Rules")
        #expect(throws: DaemonError.self) {
            try DaemonOptions(configFile: "/nonexistent/duwtje.yaml").loadConfiguration()
        }
    }

    @Test("a reload keeps the restart-only settings of the running daemon and names them")
    func restartOnly() {
        let running = DaemonConfiguration.defaults(in: "/a")
        var changed = DaemonConfiguration.defaults(in: "/b")
        changed.limits.maxLimit = 7
        changed.limits.maxConnections = 3
        let applied = changed.keepingRestartOnlySettings(of: running)
        #expect(applied.socket == running.socket && applied.limits.maxConnections == 256)
        #expect(applied.limits.maxLimit == 7 && applied.rules == "/b/Rules")
        #expect(changed.restartOnlyDifferences(from: running) == ["socket.path", "limits.max_connections", "store"])
        #expect(applied.store == running.store)
    }
}
