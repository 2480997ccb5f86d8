import DuwtjeRules
@testable import DuwtjeServer
import Foundation
import Logging
import Testing
import DuwtjeTestSupport

@Suite("Reloading rules, fed by an AsyncStream instead of SIGHUP")
struct ReloadServiceTests {
    struct Setup {
        let fixture: Fixture
        let state: DaemonState
        let metrics: DaemonMetrics
        let service: ReloadService
    }

    func setUp() throws -> Setup {
        let fixture = try Fixture()
        var configuration = DaemonConfiguration.defaults(in: fixture.directory)
        configuration.rules = fixture.rulesDirectory
        let loaded = configuration
        let snapshot = try ServingSnapshot.load(configuration)
        let state = DaemonState(snapshot)
        let metrics = DaemonMetrics()
        let service = ReloadService(loadConfiguration: { () throws(DaemonError) in loaded }, state: state, metrics: metrics,
                                    notifier: SystemdNotifier(environment: [:]), logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
                                    signals: nil)
        return Setup(fixture: fixture, state: state, metrics: metrics, service: service)
    }

    func metricsText(_ metrics: DaemonMetrics) -> String { String(decoding: metrics.exposition(), as: UTF8.self) }

    @Test("valid, then invalid (kept, with places), then valid again")
    func validInvalidValid() async throws {
        let setup = try setUp()
        let first = setup.state.snapshot.ruleSet.version
        let (triggers, continuation) = AsyncStream.makeStream(of: ReloadTrigger.self)
        let service = setup.service
        let running = Task { await service.run(triggers: triggers) }
        defer { running.cancel() }

        try setup.fixture.write("rules/rules.yaml", Fixture.rules(why: "B"))
        continuation.yield(.manual)
        try await waitFor { setup.state.reloads.ok == 1 }
        let second = setup.state.snapshot.ruleSet.version
        #expect(second != first)

        try setup.fixture.write("rules/rules.yaml", Fixture.brokenRules)
        continuation.yield(.manual)
        try await waitFor { setup.state.reloads.failed == 1 }
        #expect(setup.state.snapshot.ruleSet.version == second)
        let failed = try #require(setup.state.reloads.last)
        #expect(failed.result == .failed && failed.serving == second)
        let places = failed.errors.map { "\($0.location.file):\($0.location.line):\($0.location.column)" }
        #expect(places == ["rules.yaml:4:23", "rules.yaml:5:29"])
        #expect(failed.message?.contains("has 2 errors") == true)
        #expect(metricsText(setup.metrics).contains(#"duwtje_reloads_total{result="failed"} 1"#))
        #expect(metricsText(setup.metrics).contains("duwtje_reload_errors_total 2"))

        try setup.fixture.write("rules/rules.yaml", Fixture.rules(why: "C"))
        continuation.yield(.manual)
        try await waitFor { setup.state.reloads.ok == 2 }
        #expect(setup.state.snapshot.ruleSet.version != second && setup.state.reloads.last?.result == .ok)
        #expect(metricsText(setup.metrics).contains(#"duwtje_reloads_total{result="ok"} 2"#))
        continuation.finish()
        await running.value
    }

    @Test("triggers that arrive together may be coalesced, and the last state of the files wins")
    func coalescing() async throws {
        let setup = try setUp()
        try setup.fixture.write("rules/rules.yaml", Fixture.rules(why: "Z"))
        let expected = try ServingSnapshot.load(setup.state.snapshot.configuration).ruleSet.version
        let (triggers, continuation) = AsyncStream.makeStream(of: ReloadTrigger.self)
        for _ in 0..<20 { continuation.yield(.sighup) }
        continuation.finish()
        await setup.service.run(triggers: triggers)
        let (_, ok, failed) = setup.state.reloads
        #expect(ok >= 1 && ok <= 20 && failed == 0)
        #expect(setup.state.snapshot.ruleSet.version == expected)
    }

    @Test("a configuration error on reload is reported with the file's place and the old rules stay")
    func configurationError() throws {
        let setup = try setUp()
        let before = setup.state.snapshot.ruleSet.version
        let path = setup.fixture.directory + "/duwtje.yaml"
        try setup.fixture.write("duwtje.yaml", "rules: rules\nlimits: { max_limitt: 3 }\n")
        let service = ReloadService(loadConfiguration: { () throws(DaemonError) in try DaemonConfiguration.load(file: path) },
                                    state: setup.state, metrics: setup.metrics, notifier: SystemdNotifier(environment: [:]),
                                    logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }, signals: nil)
        let report = service.reload(trigger: .manual)
        #expect(report.result == .failed && setup.state.snapshot.ruleSet.version == before)
        #expect(report.errors.map(\.description).first?.hasPrefix(path + ":2:11: error: unknown setting 'max_limitt'") == true)
    }
}

/// Polls `condition` every 10 ms for up to `seconds`.
func waitFor(seconds: Double = 10, _ condition: () -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        guard Date() < deadline else {
            Issue.record("condition not met within \(seconds)s")
            return
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}
