import DuwtjeRules
@testable import DuwtjeStore
import DuwtjeServer
import Testing

@Suite("store and events settings")
struct StoreSettingsTests {
    func parse(_ text: String) -> (DaemonConfiguration?, [Diagnostic]) { DaemonConfigurationTests().parse(text) }

    @Test("store and events settings have defaults and are read from the file")
    func settings() throws {
        let defaults = try #require(parse("").0)
        #expect(defaults.store == StoreSettings(path: "/etc/duwtje/var/duwtje.db", retentionDays: 400))
        #expect(defaults.events == EventSettings())
        let parsed = try #require(parse("store: { path: /srv/d.db, retention: 30d }\nevents: { max_batch: 50 }\n").0)
        #expect(parsed.store.path == "/srv/d.db" && parsed.store.retentionDays == 30 && parsed.events.maxBatch == 50)
        #expect(parsed.store.secretPath == "/srv/d.db.secret")
        let (bad, diagnostics) = parse("store: { retention: 5h }\n")
        #expect(bad == nil && diagnostics.first?.message.contains("store.retention") == true)
    }

    @Test("the PostgreSQL engine: its settings, what it requires, and its URL read without leaking the password")
    func postgresql() throws {
        let parsed = try #require(parse("""
            store: { engine: postgresql, url: "postgresql://duwtje:geheim@db.example:6432/duwtje?sslmode=verify-full",
                     password_file: pw, secret_file: /etc/duwtje/visitor.key, pool: 4, flush_interval: 200ms, node: web1 }
            """).0)
        #expect(parsed.store.engine == .postgresql && parsed.store.pool == 4 && parsed.store.node == "web1")
        #expect(parsed.store.flushInterval == .milliseconds(200))
        #expect(parsed.store.passwordFile == "/etc/duwtje/pw" && parsed.store.secretPath == "/etc/duwtje/visitor.key")
        let location = try PostgresLocation(url: parsed.store.url ?? "")
        #expect(location.host == "db.example" && location.port == 6432 && location.database == "duwtje" && location.tls == .verifyFull)
        #expect(location.password == "geheim" && !location.redacted.contains("geheim"))
        let socket = try PostgresLocation(url: "postgresql://duwtje@/duwtje?host=/run/postgresql")
        #expect(socket.socketPath == "/run/postgresql/.s.PGSQL.5432" && socket.tls == .disable)
        #expect(throws: StoreError.self) { try PostgresLocation(url: "postgresql://d@/d?sslmode=sometimes") }

        let (missing, diagnostics) = parse("store: { engine: postgresql }\n")
        #expect(missing == nil)
        #expect(diagnostics.map(\.message).contains { $0.contains("needs 'store.url'") })
        #expect(diagnostics.map(\.message).contains { $0.contains("needs 'store.secret_file'") })
        #expect(parse("store: { engine: mysql }\n").1.first?.message.contains("sqlite or postgresql") == true)
        #expect(parse("store: { flush_interval: 5ms }\n").1.first?.message.contains("store.flush_interval") == true)
    }
}
