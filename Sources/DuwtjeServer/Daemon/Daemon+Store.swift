import DuwtjeRules
import Foundation
import DuwtjeStore
import Logging

extension Daemon {
    /// Opens the event store and rebuilds nudge caps from it, wiring commits to the metrics, failures
    /// to the log, and pruning to the longest cap window of the rule set being served (which a reload
    /// may change).
    static func openStore(_ configuration: DaemonConfiguration, state: DaemonState,
                          metrics: DaemonMetrics, logger: Logger) throws(DaemonError) -> (EventStore, DurableCapStore) {
        do throws(StoreError) {
            let settings = configuration.store
            let store = try EventStore(path: settings.path, retentionDays: settings.retentionDays, timeZone: configuration.timeZone)
            let hasher = try VisitorHasher.load(secretAt: settings.secretPath)
            store.observe { duration, byType in metrics.committed(duration: duration, eventsByType: byType) }
            store.capWindow { DurableCapStore.longestWindow(in: state.snapshot.ruleSet) }
            // Once per failure, not per refused batch (clients retrying would flood the log).
            store.observeFailures { error, lasting in
                if lasting {
                    logger.critical("event store refuses writes until the daemon is restarted; recommendations go on",
                                    metadata: ["error": "\(error.description)"])
                } else {
                    logger.error("event store is out of space; batches get 503 until a commit succeeds again",
                                 metadata: ["error": "\(error.description)"])
                }
            }
            metrics.eventsReady()
            try store.prune()
            let caps = try DurableCapStore(store: store, hasher: hasher, maxVisitors: configuration.maxVisitors)
            return (store, caps)
        } catch {
            throw .store(error)
        }
    }
}
