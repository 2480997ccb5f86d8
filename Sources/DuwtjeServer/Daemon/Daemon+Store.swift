import DuwtjeRules
import Foundation
import DuwtjeStore

extension Daemon {
    /// Opens the event store and rebuilds nudge caps from it, wiring commits to the metrics and
    /// pruning to the longest cap window of the rule set being served (which a reload may change).
    static func openStore(_ configuration: DaemonConfiguration, state: DaemonState,
                          metrics: DaemonMetrics) throws(DaemonError) -> (EventStore, DurableCapStore) {
        do throws(StoreError) {
            let settings = configuration.store
            let store = try EventStore(path: settings.path, retentionDays: settings.retentionDays, timeZone: configuration.timeZone)
            let hasher = try VisitorHasher.load(secretAt: settings.secretPath)
            store.observe { duration, byType in metrics.committed(duration: duration, eventsByType: byType) }
            store.capWindow { DurableCapStore.longestWindow(in: state.snapshot.ruleSet) }
            metrics.eventsReady()
            try store.prune()
            let caps = try DurableCapStore(store: store, hasher: hasher, maxVisitors: configuration.maxVisitors,
                                           window: DurableCapStore.longestWindow(in: state.snapshot.ruleSet))
            return (store, caps)
        } catch {
            throw .store(error)
        }
    }
}
