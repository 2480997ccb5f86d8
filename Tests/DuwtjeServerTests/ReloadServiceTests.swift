import DuwtjeRules
@testable import DuwtjeServer
import Foundation
import Logging
import NIOPosix
import Synchronization
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
        try await eventually { setup.state.reloads.ok == 1 }
        let second = setup.state.snapshot.ruleSet.version
        #expect(second != first)

        try setup.fixture.write("rules/rules.yaml", Fixture.brokenRules)
        continuation.yield(.manual)
        try await eventually { setup.state.reloads.failed == 1 }
        #expect(setup.state.snapshot.ruleSet.version == second)
        let failed = try #require(setup.state.reloads.last)
        #expect(failed.result == .failed && failed.serving == second)
        let places = failed.errors.map { "\($0.location.file):\($0.location.line):\($0.location.column)" }
        #expect(places == ["rules.yaml:4:23", "rules.yaml:5:29"])
        #expect(failed.message?.contains("has 2 errors") == true)
        try await eventually { metricsText(setup.metrics).contains(#"duwtje_reloads_total{result="failed"} 1"#) }
        try await eventually { metricsText(setup.metrics).contains("duwtje_reload_errors_total 2") }

        try setup.fixture.write("rules/rules.yaml", Fixture.rules(why: "C"))
        continuation.yield(.manual)
        try await eventually { setup.state.reloads.ok == 2 }
        #expect(setup.state.snapshot.ruleSet.version != second && setup.state.reloads.last?.result == .ok)
        // The metrics are counted just after the swap: wait for them, not only for the swap.
        try await eventually { metricsText(setup.metrics).contains(#"duwtje_reloads_total{result="ok"} 2"#) }
        continuation.finish()
        await running.value
    }

    @Test("19 triggers arriving during a reload are coalesced into exactly one more, which reads the files as they are last")
    func coalescing() async throws {
        let setup = try setUp()
        try setup.fixture.write("rules/rules.yaml", Fixture.rules(why: "Z"))
        let configuration = setup.state.snapshot.configuration
        let expected = try ServingSnapshot.load(configuration).ruleSet.version
        // The first reload is held inside its load until all the other triggers have been handed over.
        let gate = ReloadGate()
        // A pool of its own: the held reload blocks one of its threads, not one of the singleton's
        // two, which other suites' blocking work needs meanwhile (the full run is one process).
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        defer { pool.shutdownGracefully { _ in } }
        let service = ReloadService(loadConfiguration: { () throws(DaemonError) in
                                        gate.pass()
                                        return configuration
                                    },
                                    state: setup.state, metrics: setup.metrics, notifier: SystemdNotifier(environment: [:]),
                                    logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }, signals: nil,
                                    threadPool: pool)
        let triggers = HeldTriggers(gate: gate, count: 20)
        let running = Task { await service.run(triggers: triggers) }
        try await eventually("every trigger handed over while the first reload runs") { triggers.exhausted.load(ordering: .acquiring) }
        gate.release()
        await running.value
        let (last, ok, failed) = setup.state.reloads
        #expect(ok == 2 && failed == 0, "20 triggers, one during none and 19 during the first reload: 2 reloads, not \(ok)")
        #expect(last?.trigger == "sighup")
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

    @Test("10 reloads, valid and failed, off the pool as SIGHUP runs them: every rule set but the one served is freed")
    func previousRuleSetsAreFreed() async throws {
        let setup = try setUp()
        var replaced: [Weak<ServingSnapshot>] = [Weak(setup.state.snapshot)]
        for round in 1...10 {
            if round % 4 == 0 {
                try setup.fixture.write("rules/rules.yaml", Fixture.brokenRules)
            } else {
                try setup.fixture.write("rules/rules.yaml", Fixture.rules(why: "round \(round)"))
            }
            let report = try #require(await setup.service.reloadOffThePool(trigger: .manual))
            #expect(report.result == (round % 4 == 0 ? .failed : .ok))
            replaced.append(Weak(setup.state.snapshot))
        }
        let served = setup.state.snapshot
        let kept = replaced.compactMap(\.object).filter { $0 !== served }
        #expect(kept.isEmpty, "\(kept.count) replaced rule sets are still in memory: \(kept.map(\.ruleSet.version))")
        #expect(setup.state.reloads.ok == 8)
    }
}

/// A reference that does not keep its object alive.
struct Weak<Object: AnyObject> {
    weak var object: Object?
    init(_ object: Object) { self.object = object }
}

/// Holds the first reload inside its configuration load until released; later ones pass.
final class ReloadGate: Sendable {
    private let state = Mutex((entered: false, released: false))
    private let semaphore = DispatchSemaphore(value: 0)

    var isEntered: Bool { state.withLock { $0.entered } }

    /// Called on the reload queue: the first call waits for ``release()``.
    func pass() {
        let first = state.withLock { state -> Bool in
            defer { state.entered = true }
            return !state.entered
        }
        if first { semaphore.wait() }
    }

    func release() { semaphore.signal() }
}

/// `.manual`, then, once the reload it starts is held in the gate, `count - 1` times `.sighup`;
/// `exhausted` is set when the consumer has taken them all and asked for more.
final class HeldTriggers: AsyncSequence, Sendable {
    typealias Element = ReloadTrigger
    let gate: ReloadGate
    let count: Int
    let handedOut = Atomic<Int>(0)
    let exhausted = Atomic<Bool>(false)

    init(gate: ReloadGate, count: Int) {
        self.gate = gate
        self.count = count
    }

    struct Iterator: AsyncIteratorProtocol {
        let source: HeldTriggers

        mutating func next() async -> ReloadTrigger? {
            let index = source.handedOut.load(ordering: .acquiring)
            guard index < source.count else {
                source.exhausted.store(true, ordering: .releasing)
                return nil
            }
            if index == 1 {
                let gate = source.gate
                _ = try? await poll(within: 15) { gate.isEntered }
            }
            source.handedOut.store(index + 1, ordering: .releasing)
            return index == 0 ? .manual : .sighup
        }
    }

    func makeAsyncIterator() -> Iterator { Iterator(source: self) }
}
