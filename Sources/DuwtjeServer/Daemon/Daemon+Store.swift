import DuwtjeRules
import Foundation
import Logging
import NIOPosix
public import DuwtjeStore

extension Daemon {
    /// Opens the configured store engine behind `any Store`, wiring its commits and health to the
    /// metrics and telling it which rule set is served (now and after each reload).
    ///
    /// Blocking work of the store (SQLite commits with their fsync, report queries) runs on
    /// `threadPool`, the daemon's one pool for blocking work, never on an event loop.
    ///
    /// A PostgreSQL database that cannot be reached is no reason to refuse to start: the website
    /// keeps its recommendations, and the store starts degraded (docs/api.md). A database used with
    /// another key is: that server would count caps apart from the others.
    static func openStore(_ configuration: DaemonConfiguration, state: DaemonState, metrics: DaemonMetrics,
                          threadPool: NIOThreadPool, logger: Logger) async throws(DaemonError) -> any Store {
        let settings = configuration.store
        let store: any Store
        do throws(StoreError) {
            let window = DurableCapStore.longestWindow(in: state.snapshot.ruleSet)
            switch settings.engine {
            case .sqlite:
                store = try SQLiteStore(path: settings.path, secretPath: settings.secretPath, retentionDays: settings.retentionDays,
                                        timeZone: configuration.timeZone, maxVisitors: configuration.maxVisitors,
                                        capWindow: window, threadPool: threadPool)
            case .postgresql:
                store = try await PostgresStore.open(try postgresSettings(configuration),
                                                     hasher: try VisitorHasher.load(secretAt: settings.secretPath, create: false),
                                                     logger: logger)
            }
        } catch {
            throw .store(error)
        }
        store.observe(commits: { duration, byType in metrics.committed(duration: duration, eventsByType: byType) },
                      health: { degraded in metrics.storeDegraded(degraded) })
        metrics.eventsReady()
        let announce: @Sendable (ServingSnapshot) -> Void = { snapshot in
            store.serving(ruleSet: snapshot.ruleSet.version, loadedAt: snapshot.loadedAt,
                          capWindow: DurableCapStore.longestWindow(in: snapshot.ruleSet))
        }
        announce(state.snapshot)
        state.onInstall(announce)
        return store
    }

    /// The PostgreSQL engine's settings from the configuration (the password read from its file).
    public static func postgresSettings(_ configuration: DaemonConfiguration) throws(StoreError) -> PostgresStore.Settings {
        let settings = configuration.store
        var password: String?
        if let file = settings.passwordFile {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw StoreError(path: file, message: "store.password_file cannot be read")
            }
            password = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
        }
        let location = try PostgresLocation(url: settings.url ?? "", password: password)
        return PostgresStore.Settings(location: location, pool: settings.pool, flushInterval: settings.flushInterval,
                                      node: settings.node ?? ProcessInfo.processInfo.hostName,
                                      retentionDays: settings.retentionDays, maxVisitors: configuration.maxVisitors,
                                      timeZone: configuration.timeZone)
    }
}
