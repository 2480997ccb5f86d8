import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL cluster for one test: `initdb` in a temporary directory, the server on a
/// Unix socket only (no TCP), run as the unprivileged `postgres` user when the tests run as root.
/// Stopped and removed at the end.
final class PostgresCluster: Sendable {
    let directory: String
    var dataDirectory: String { directory + "/data" }
    /// The URL a daemon's `store.url` takes.
    var url: String { "postgresql://duwtje@/duwtje?host=\(directory)" }

    /// The newest PostgreSQL's binaries (Debian keeps them under /usr/lib/postgresql/VERSION/bin).
    static let binaries: String? = {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        return versions.reversed().map { "\(root)/\($0)/bin" }.first { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }
    }()

    /// Whether tests can run here; in CI (`CI=true`) they run regardless, so a missing server fails.
    static var enabled: Bool { binaries != nil || ProcessInfo.processInfo.environment["CI"] == "true" }

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    init() throws {
        guard let binaries = Self.binaries else {
            throw Failed(description: "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); .ci/run installs Debian's postgresql")
        }
        // Short: the socket path (DIR/.s.PGSQL.5432) must fit in 107 bytes.
        directory = "/tmp/pg-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if getuid() == 0 { try Self.run("/bin/chown", ["postgres:postgres", directory], asPostgres: false) }
        try Self.run(binaries + "/initdb", ["-D", dataDirectory, "-U", "duwtje", "-A", "trust", "-E", "UTF8", "--no-sync"])
        try start()
        try Self.run(binaries + "/createdb", ["-h", directory, "-U", "duwtje", "duwtje"])
    }

    deinit {
        try? stop(mode: "immediate")
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Starts the server and waits until it accepts connections.
    func start() throws {
        try Self.run((Self.binaries ?? "") + "/pg_ctl",
                     ["-D", dataDirectory, "-l", directory + "/server.log", "-w", "-t", "60", "-o", "-k \(directory) -h ''", "start"])
    }

    /// Stops the server: `fast` (clean) or `immediate` (as a crash: no checkpoint, recovery at start).
    func stop(mode: String) throws {
        try Self.run((Self.binaries ?? "") + "/pg_ctl", ["-D", dataDirectory, "-m", mode, "-w", "stop"])
    }

    /// Writes a 32-byte visitor-hash key (mode 0600) and returns its path.
    func secret(_ name: String) throws -> String {
        let path = directory + "/" + name + ".secret"
        var bytes = [UInt8](repeating: 0, count: 32)
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255) }
        FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600])
        return path
    }

    /// The `store:` line of a daemon's configuration for this cluster.
    func storeConfig(secret: String, node: String, flush: String = "50ms") -> String {
        "store: { engine: postgresql, url: \"\(url)\", secret_file: \(secret), node: \(node), flush_interval: \(flush), pool: 4 }\n"
    }

    /// Runs a PostgreSQL program (as `postgres` when root), waits, and throws with its output when it fails.
    static func run(_ program: String, _ arguments: [String], asPostgres: Bool = true) throws {
        let process = Process()
        if asPostgres && getuid() == 0 {
            process.executableURL = URL(fileURLWithPath: FileManager.default.fileExists(atPath: "/usr/sbin/runuser") ? "/usr/sbin/runuser" : "/sbin/runuser")
            process.arguments = ["-u", "postgres", "--", program] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = arguments
        }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("pg-run-" + UUID().uuidString).path
        FileManager.default.createFile(atPath: output, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: output) }
        let handle = FileHandle(forWritingAtPath: output)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try? handle?.close()
        guard process.terminationStatus == 0 else {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            throw Failed(description: "\(program) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(text)")
        }
    }
}
