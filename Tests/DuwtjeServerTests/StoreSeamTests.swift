import DuwtjeReport
import DuwtjeRules
@testable import DuwtjeServer
@testable import DuwtjeStore
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing
import DuwtjeTestSupport

@Suite("The store seam: the daemon's responder over any Store")
struct StoreSeamTests {
    /// A gate the first commit waits at, inside its transaction, until the test opens it.
    ///
    /// Only the first: the showing a recommendation admits while that commit is held rides the
    /// *next* group commit, which the writer starts as soon as the first one is done. A gate that
    /// held every commit (the semaphore opened once) caught that second commit whenever the writer
    /// reached it before the test had removed the hook, as under the load of the full parallel run,
    /// and held the pool's only thread forever: the report query queued behind it never ran.
    final class Gate: Sendable {
        let entered = Mutex(false)
        let open = DispatchSemaphore(value: 0)
        /// Set once the held batch was answered.
        let acknowledged = Mutex(false)

        func hold() {
            let first = entered.withLock { entered -> Bool in
                defer { entered = true }
                return !entered
            }
            if first { open.wait() }
        }
    }

    func request(_ method: HTTPRequest.Method, _ path: String, _ body: String = "") -> Request {
        Request(head: HTTPRequest(method: method, scheme: nil, authority: nil, path: path),
                body: RequestBody(buffer: ByteBuffer(string: body)))
    }

    @Test("a commit held open (through its fsync) holds up neither /v1/status, nor recommendations, nor a report")
    func statusDuringCommit() async throws {
        let fixture = try Fixture()
        var configuration = DaemonConfiguration.defaults(in: fixture.directory)
        configuration.rules = fixture.rulesDirectory
        let state = DaemonState(try ServingSnapshot.load(configuration))
        // A pool of its own with two threads: the held commit occupies one, the report reads on the other.
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        let store = try SQLiteStore(path: fixture.directory + "/var/d.db", secretPath: fixture.directory + "/var/d.secret",
                                    retentionDays: 30, timeZone: .gmt, maxVisitors: 100, capWindow: 86_400, threadPool: pool)
        let gate = Gate()
        store.events.commitHook.withLock { $0 = { gate.hold() } }
        let responder = DaemonResponder(state: state, metrics: DaemonMetrics(),
                                        logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }, store: store)
        let event = #"{"events": [{"type": "impression", "journey": "bz", "stage": "bewustwording", "persona": "ouder", "rule": "r1", "content": "c1"}]}"#
        let ingest = Task {
            let code = try await responder.route(request(.post, "/v1/events", event), path: "/v1/events").status.code
            gate.acknowledged.withLock { $0 = true }
            return code
        }

        try #require(try await eventually("the commit started") { gate.entered.withLock { $0 } })

        // With the commit open: status and a recommendation (with a visitor, so a cap is admitted) answer.
        let status = try await responder.route(request(.get, "/v1/status"), path: "/v1/status")
        #expect(status.status.code == 200)
        #expect(store.status().state == "ok")
        let question = #"{"journey": "bz", "persona": "ouder", "context": {"process": "paspoort"}, "visitor": "v"}"#
        let answer = try await responder.route(request(.post, "/v1/recommendations", question), path: "/v1/recommendations")
        #expect(answer.status.code == 200)
        #expect(store.durableCaps.memory.admit(visitor: DurableCapStore.key(store.durableCaps.hasher.hash("v")), nudge: "n1",
                                               cap: Cap(max: 1, per: 86_400), now: Date()) == false,
                "the recommendation's nudge was admitted (counted) while the commit was open")
        // A report query reads beside the open commit (WAL), on the pool's other thread.
        let report = try await responder.route(request(.get, "/v1/report?journey=bz"), path: "/v1/report")
        #expect(report.status.code == 200)
        // The batch is not acknowledged while its commit is open.
        #expect(!gate.acknowledged.withLock { $0 })

        gate.open.signal()
        #expect(try await ingest.value == 202)
        let totals = try await store.totals(journey: "bz", from: nil, until: nil)
        #expect(totals.totals.map(\.count) == [1])
        await store.close()
        try await pool.shutdownGracefully()
    }
}
