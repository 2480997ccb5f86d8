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

    /// Snapshots alive in this process, as `/metrics` shows them (`duwtje_rule_sets_held`): one
    /// while serving; two while a reload's new set is being swapped in or a request answered from the
    /// previous one finishes. More, for longer, means something keeps old rule sets in memory.
    public static var held: Int { alive.load(ordering: .relaxed) }
    private static let alive = Atomic<Int>(0)

    public init(ruleSet: RuleSet, configuration: DaemonConfiguration, loadedAt: Date, fileCount: Int,
                counts: RuleSetLoader.Counts, warnings: [Diagnostic]) {
        self.ruleSet = ruleSet
        self.configuration = configuration
        self.loadedAt = loadedAt
        self.fileCount = fileCount
        self.counts = counts
        self.warnings = warnings
        Self.alive.add(1, ordering: .relaxed)
    }

    deinit {
        Self.alive.subtract(1, ordering: .relaxed)
    }

    /// Loads and compiles the rule set `configuration` names.
    ///
    /// - Throws: ``DaemonError/rulesDirectory(_:)`` or ``DaemonError/rules(directory:diagnostics:)``
    ///   with every error and its place.
    ///
    /// With `cancellation` (a reload), the load stops early once it is cancelled and throws its
    /// ``YAMLReader/cancelledMessage`` error.
    ///
    /// `workers`: the threads the load and the compile hand side work to (a loader thread's own,
    /// ``LoaderThreads``); the system's when nil.
    public static func load(_ configuration: DaemonConfiguration, now: Date = Date(),
                            cancellation: LoadCancellation? = nil, workers: LoadWorkers? = nil) throws(DaemonError) -> ServingSnapshot {
        var loader = RuleSetLoader(timeZone: configuration.timeZone, retention: Int64(configuration.store.retentionDays) * 86_400)
        loader.cancellation = cancellation
        loader.workers = workers
        var output: RuleSetLoader.Output
        do {
            output = try loader.load(directory: configuration.rules)
        } catch {
            throw .rulesDirectory(error)
        }
        // Taken out of `output`, and consumed: the serving rule set lets go of the rules' conditions
        // only when it holds the definition's one copy (``RuleSet/init(serving:timeZone:workers:)``).
        guard let definition = output.definition.take() else {
            throw .rules(directory: configuration.rules, diagnostics: output.diagnostics.errors)
        }
        let ruleSet = RuleSet(serving: consume definition, timeZone: configuration.timeZone, workers: workers)
        return ServingSnapshot(ruleSet: ruleSet, configuration: configuration,
                               loadedAt: now, fileCount: output.fileCount, counts: output.counts,
                               warnings: output.diagnostics.warnings)
    }
}

