import DuwtjeTestSupport
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

    init() async throws {
        guard let binaries = Self.binaries else {
            throw Failed(description: "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); .ci/run installs Debian's postgresql")
        }
        // Short: the socket path (DIR/.s.PGSQL.5432) must fit in 107 bytes.
        directory = "/tmp/pg-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if getuid() == 0 { try await Self.run("/bin/chown", ["postgres:postgres", directory], asPostgres: false) }
        try await Self.run(binaries + "/initdb", ["-D", dataDirectory, "-U", "duwtje", "-A", "trust", "-E", "UTF8", "--no-sync"])
        try await start()
        try await Self.run(binaries + "/createdb", ["-h", directory, "-U", "duwtje", "duwtje"])
    }

    deinit {
        // A deinit cannot await: the one blocking wait left, and a short one (an immediate stop).
        _ = try? Self.runBlocking((Self.binaries ?? "") + "/pg_ctl", ["-D", dataDirectory, "-m", "immediate", "-w", "stop"],
                                  asPostgres: true)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Starts the server and waits until it accepts connections.
    func start() async throws {
        try await Self.run((Self.binaries ?? "") + "/pg_ctl",
                     ["-D", dataDirectory, "-l", directory + "/server.log", "-w", "-t", "60", "-o", "-k \(directory) -h ''", "start"])
    }

    /// Stops the server: `fast` (clean) or `immediate` (as a crash: no checkpoint, recovery at start).
    func stop(mode: String) async throws {
        try await Self.run((Self.binaries ?? "") + "/pg_ctl", ["-D", dataDirectory, "-m", mode, "-w", "stop"])
    }

    /// Writes a 32-byte visitor-hash key (mode 0600) and returns its path.
    func secret(_ name: String) async throws -> String {
        let path = directory + "/" + name + ".secret"
        var bytes = [UInt8](repeating: 0, count: 32)
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255) }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw Failed(description: "cannot write the visitor-hash key \(path)")
        }
        return path
    }

    /// Runs one SQL statement on the daemons' database with `psql` (stopping at an error); returns
    /// its rows unaligned, without headers.
    @discardableResult
    func sql(_ statement: String) async throws -> String {
        try await Self.run((Self.binaries ?? "") + "/psql", psqlArguments + ["-At", "-c", statement])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `psql`'s arguments for the daemons' database.
    var psqlArguments: [String] { ["-h", directory, "-U", "duwtje", "-d", "duwtje", "-v", "ON_ERROR_STOP=1"] }

    /// The `store:` line of a daemon's configuration for this cluster.
    func storeConfig(secret: String, node: String, flush: String = "50ms") -> String {
        "store: { engine: postgresql, url: \"\(url)\", secret_file: \(secret), node: \(node), flush_interval: \(flush), pool: 4 }\n"
    }

    /// Runs a PostgreSQL program (as `postgres` when root), waits, and throws with its output when it
    /// fails. `posix_spawn` and `waitpid` rather than `Process`: `pg_ctl start` leaves the server running
    /// as a grandchild, and `Process.waitUntilExit` was seen never to return for it.
    @discardableResult
    static func run(_ program: String, _ arguments: [String], asPostgres: Bool = true) async throws -> String {
        try await offPool { try runBlocking(program, arguments, asPostgres: asPostgres) }
    }

    static func runBlocking(_ program: String, _ arguments: [String], asPostgres: Bool) throws -> String {
        let runuser = FileManager.default.fileExists(atPath: "/usr/sbin/runuser") ? "/usr/sbin/runuser" : "/sbin/runuser"
        let argv = asPostgres && getuid() == 0 ? [runuser, "-u", "postgres", "--", program] + arguments : [program] + arguments
        let output = "/tmp/pg-run-" + UUID().uuidString.prefix(8)
        defer { unlink(output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, &cArguments, environ)
        guard spawned == 0 else { throw Failed(description: "cannot run \(argv[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = (status & 0x7f) == 0
        let code = (status >> 8) & 0xff
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard exited && code == 0 else {
            throw Failed(description: "\(program) \(arguments.joined(separator: " ")) failed (status \(status)): \(text)")
        }
        return text
    }
}
