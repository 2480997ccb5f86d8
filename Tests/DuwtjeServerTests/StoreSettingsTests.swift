import DuwtjeRules
import DuwtjeServer
import Testing

@Suite("store and events settings")
struct StoreSettingsTests {
    func parse(_ text: String) -> (DaemonConfiguration?, [Diagnostic]) {
        DaemonConfiguration.parse(Array(text.utf8), file: "/etc/duwtje/duwtje.yaml", directory: "/etc/duwtje")
    }

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
}
