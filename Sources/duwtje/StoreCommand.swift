import ArgumentParser
import DuwtjeServer
import DuwtjeStore
import Logging

/// `duwtje store migrate`: the shared store's schema, for operators who run migrations themselves
/// (the daemon also migrates at start, under the same advisory lock).
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Manage the shared store (store.engine: postgresql).",
        subcommands: [Migrate.self]
    )

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or migrate the PostgreSQL schema and record the visitor key's fingerprint.",
            discussion: """
                Safe beside running daemons and other migrations: it takes the same advisory lock. Exits 1 when the \\
                database cannot be reached, is newer than this duwtje, or was used with another store.secret_file.
                """
        )

        @Option(help: "The configuration file (default: Config/duwtje.yaml when it exists).")
        var config: String?

        func run() async throws {
            do {
                let configuration = try DaemonOptions(configFile: config).loadConfiguration()
                guard configuration.store.engine == .postgresql else {
                    printError("duwtje: store.engine is sqlite; the SQLite file is created and kept by the daemon, nothing to migrate")
                    throw ExitCode(1)
                }
                let settings = try Daemon.postgresSettings(configuration)
                let hasher = try VisitorHasher.load(secretAt: configuration.store.secretPath, create: false)
                let before = try await PostgresSchema.prepare(settings.location, hasher: hasher, logger: Logger(label: "duwtje.store"))
                print(before == PostgresSchema.version
                    ? "\(settings.location.redacted): schema version \(before), up to date"
                    : "\(settings.location.redacted): schema migrated from version \(before) to \(PostgresSchema.version)")
            } catch let error as DaemonError {
                printError("duwtje: \(error.description)")
                throw ExitCode(1)
            } catch let error as StoreError {
                printError("duwtje: \(error.description)")
                throw ExitCode(1)
            }
        }
    }
}
