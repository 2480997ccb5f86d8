public import DuwtjeRules
public import Foundation
import Synchronization

/// Everything a request is answered from: one compiled rule set and the settings that go with it.
///
/// Immutable and swapped whole on reload, so a request that reads it once is answered wholly by
/// the old rule set or wholly by the new one, never a mix.
public final class ServingSnapshot: Sendable {
    public let ruleSet: RuleSet
    public let configuration: DaemonConfiguration
    /// When this rule set was loaded.
    public let loadedAt: Date
    /// How many rule files it came from.
    public let fileCount: Int
    public let counts: RuleSetLoader.Counts
    /// The warnings of its load (loading succeeded despite them).
    public let warnings: [Diagnostic]

    public init(ruleSet: RuleSet, configuration: DaemonConfiguration, loadedAt: Date, fileCount: Int,
                counts: RuleSetLoader.Counts, warnings: [Diagnostic]) {
        self.ruleSet = ruleSet
        self.configuration = configuration
        self.loadedAt = loadedAt
        self.fileCount = fileCount
        self.counts = counts
        self.warnings = warnings
    }

    /// Loads and compiles the rule set `configuration` names.
    ///
    /// - Throws: ``DaemonError/rulesDirectory(_:)`` or ``DaemonError/rules(directory:diagnostics:)``
    ///   with every error and its place.
    /// - Parameter parsesConcurrently: parse the files on several threads (at start, when nothing
    ///   is served yet); a reload leaves the other cores to the requests.
    public static func load(_ configuration: DaemonConfiguration, now: Date = Date(),
                            parsesConcurrently: Bool = false) throws(DaemonError) -> ServingSnapshot {
        let snapshot = try compile(configuration, now: now, parsesConcurrently: parsesConcurrently)
        // The loader's trees and definitions are freed by now: give their pages back.
        MemoryRelease.afterLoad()
        return snapshot
    }

    static func compile(_ configuration: DaemonConfiguration, now: Date, parsesConcurrently: Bool) throws(DaemonError) -> ServingSnapshot {
        let loader = RuleSetLoader(timeZone: configuration.timeZone, retention: Int64(configuration.store.retentionDays) * 86_400,
                                   parsesConcurrently: parsesConcurrently)
        let output: RuleSetLoader.Output
        do {
            output = try loader.load(directory: configuration.rules)
        } catch {
            throw .rulesDirectory(error)
        }
        guard let definition = output.definition else {
            throw .rules(directory: configuration.rules, diagnostics: output.diagnostics.errors)
        }
        return ServingSnapshot(ruleSet: RuleSet(definition, timeZone: configuration.timeZone), configuration: configuration,
                               loadedAt: now, fileCount: output.fileCount, counts: output.counts,
                               warnings: output.diagnostics.warnings)
    }
}

/// What became of one reload, for `/v1/status` and the logs.
public struct ReloadReport: Sendable {
    public enum Result: String, Sendable {
        case ok
        case failed
    }

    public var at: Date
    public var trigger: String
    public var result: Result
    /// The version now served (the new one after success, the kept one after failure).
    public var serving: String
    /// Every error of a failed reload, with its place.
    public var errors: [Diagnostic]
    /// The rule directory the errors' files are relative to (nil for configuration errors, whose
    /// file names are already whole paths).
    public var directory: String?
    /// The one-line reason of a failure.
    public var message: String?
    public var duration: Duration
    /// Restart-only settings the new configuration changes (not applied until a restart).
    public var pendingRestart: [String]
}

/// The daemon's shared, mutable state: the snapshot requests are answered from and the history of
/// reloads. A `Mutex` rather than an actor so that reading the snapshot costs one lock, not a hop.
public final class DaemonState: Sendable {
    struct Storage {
        var snapshot: ServingSnapshot
        var lastReload: ReloadReport?
        var reloadsOK = 0
        var reloadsFailed = 0
    }

    private let storage: Mutex<Storage>
    public let startedAt: Date

    public init(_ snapshot: ServingSnapshot, startedAt: Date = Date()) {
        storage = Mutex(Storage(snapshot: snapshot))
        self.startedAt = startedAt
    }

    /// The snapshot to answer one request from; read it once per request.
    public var snapshot: ServingSnapshot { storage.withLock { $0.snapshot } }

    /// Swaps in a new snapshot in one step and records the reload.
    public func install(_ snapshot: ServingSnapshot, report: ReloadReport) {
        storage.withLock {
            $0.snapshot = snapshot
            $0.lastReload = report
            $0.reloadsOK += 1
        }
    }

    /// Records a failed reload; the snapshot stays as it was.
    public func recordFailure(_ report: ReloadReport) {
        storage.withLock {
            $0.lastReload = report
            $0.reloadsFailed += 1
        }
    }

    /// The last reload and the reload counts, read together.
    public var reloads: (last: ReloadReport?, ok: Int, failed: Int) {
        storage.withLock { ($0.lastReload, $0.reloadsOK, $0.reloadsFailed) }
    }
}
