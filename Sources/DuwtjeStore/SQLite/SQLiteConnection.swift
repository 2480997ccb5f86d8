import CSQLite
import Foundation

/// What went wrong in the event store: the file, the step, and SQLite's own words.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    /// SQLite's result code, or 0 when the error did not come from SQLite.
    public var code: Int32
    /// Seconds after which a retry may succeed (a shared store that is unreachable), or nil when
    /// retrying will not help before an operator acts.
    public var retryAfter: Int?

    public init(path: String, message: String, code: Int32 = 0, retryAfter: Int? = nil) {
        self.path = path
        self.message = message
        self.code = code
        self.retryAfter = retryAfter
    }

    public var description: String { "event store \(path): \(message)" }

    /// `SQLITE_FULL`: a write found no space (`ENOSPC` from `write`, before any fsync). SQLite rolls
    /// the transaction back, so the store stays sound and may simply try again later.
    public var isDiskFull: Bool { code & 0xFF == SQLITE_FULL }

    /// `SQLITE_READONLY_DBMOVED` (a macro Swift does not import): the database file was deleted or
    /// replaced while open.
    static let movedCode: Int32 = SQLITE_READONLY | (4 << 8)

    /// The database file was deleted or replaced while open.
    public var isMoved: Bool { code == Self.movedCode }
}

/// A thin, typed wrapper over one SQLite connection: the few calls the event store needs.
///
/// Deliberately not `Sendable`: one connection is used by one owner at a time (the store keeps it
/// inside a `Mutex`), which is how SQLite is safe without its own serialisation.
final class SQLiteConnection {
    private var handle: OpaquePointer?
    let path: String

    /// Opens (and with `readOnly: false` creates) the database at `path`.
    ///
    /// Read-only, the file is opened so that nothing is created beside it: a WAL database's
    /// readers normally create `-shm` and `-wal`, which fails for a user who may read the store but
    /// not write its directory ("attempt to write a readonly database"), and where it succeeds
    /// leaves files owned by that user that the daemon's own user then cannot open. Without a
    /// `-wal` file no process has the database open (SQLite keeps it while any connection is
    /// open and removes it at the last close), so the file cannot change under the reader and is
    /// opened `immutable`: no locks, no shared memory, no files. With a `-wal` file a daemon is
    /// running (or crashed with changes not yet checkpointed): that reader needs SQLite's locks
    /// and its committed WAL frames, and the files are already there.
    init(path: String, readOnly: Bool) throws(StoreError) {
        self.path = path
        var flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        var name = path
        if readOnly, !FileManager.default.fileExists(atPath: path + "-wal") {
            name = "file:" + Self.uriPath(path) + "?immutable=1"
            flags |= SQLITE_OPEN_URI
        }
        var pointer: OpaquePointer?
        let code = sqlite3_open_v2(name, &pointer, flags | SQLITE_OPEN_NOMUTEX, nil)
        handle = pointer
        guard code == SQLITE_OK else {
            let message = pointer.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(pointer)
            handle = nil
            throw StoreError(path: path, message: "cannot open the database: \(message); check that the directory exists and is writable",
                             code: code)
        }
        sqlite3_busy_timeout(pointer, 5_000)
    }

    deinit {
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Closes the database now: at the last close SQLite checkpoints the WAL into the file and
    /// removes `-wal` and `-shm`. Every later call fails (SQLite's "misuse").
    func close() {
        statements.removeAll()
        sqlite3_close_v2(handle)
        handle = nil
    }

    /// Statements prepared once and kept for the connection's life, by their SQL: the group commit
    /// and the cap reads run the same few statements all day, and preparing one (parsing and
    /// planning its SQL) cost more than running it: 16,000 instructions a commit and 53,000 a cap
    /// read before (callgrind, `Benchmarks/Scripts/server-instructions.sh`).
    private var statements: [String: SQLiteStatement] = [:]

    /// The kept statement for `sql`, prepared on first use. Call ``resetCached()`` when done with
    /// it: a statement left part-way through its rows holds a read snapshot, which would keep the
    /// WAL from being checkpointed.
    func cached(_ sql: String) throws(StoreError) -> SQLiteStatement {
        if let statement = statements[sql] { return statement }
        let statement = try prepare(sql)
        statements[sql] = statement
        return statement
    }

    /// Resets every kept statement (and so ends any read a statement had left open).
    func resetCached() {
        for statement in statements.values { statement.reset() }
    }

    /// `path` as the path of a `file:` URI: `%`, `?` and `#` escaped (SQLite's URI rules), all else as is.
    static func uriPath(_ path: String) -> String {
        var escaped = ""
        for character in path {
            switch character {
            case "%": escaped += "%25"
            case "?": escaped += "%3F"
            case "#": escaped += "%23"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    func error(_ step: String, _ code: Int32) -> StoreError {
        Self.error(step, code, database: handle, path: path)
    }

    /// The error of `step` on `database` (nil: closed) at `path`, in SQLite's own words.
    static func error(_ step: String, _ code: Int32, database: OpaquePointer?, path: String) -> StoreError {
        let message = database.map { String(cString: sqlite3_errmsg($0)) } ?? "closed"
        return StoreError(path: path, message: "\(step): \(message) (SQLite code \(code))", code: code)
    }

    /// Runs one or more statements that return no rows.
    func execute(_ sql: String) throws(StoreError) {
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw error(sql.prefix(60).description, code) }
    }

    func prepare(_ sql: String) throws(StoreError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else { throw error("prepare", code) }
        return SQLiteStatement(statement, path: path)
    }

    /// The rows of a query, each as its columns' text (NULL as nil).
    func rows(_ sql: String, _ values: [SQLiteValue] = []) throws(StoreError) -> [[String?]] {
        let statement = try prepare(sql)
        try statement.bind(values)
        var result: [[String?]] = []
        while try statement.step() {
            result.append((0..<statement.columnCount).map { statement.text($0) })
        }
        return result
    }

    var changes: Int { Int(sqlite3_changes(handle)) }

    /// Whether the database file this connection has open is no longer the one at its path: deleted
    /// (unlinked) or replaced (another file renamed over it). SQLite's unix VFS compares the inode it
    /// opened with the one at the path now (`SQLITE_FCNTL_HAS_MOVED`).
    var hasMoved: Bool {
        var moved: Int32 = 0
        let code = sqlite3_file_control(handle, "main", SQLITE_FCNTL_HAS_MOVED, &moved)
        return code == SQLITE_OK && moved != 0
    }
}

/// A value bound to a statement parameter.
enum SQLiteValue {
    case text(String)
    case integer(Int64)
    case real(Double)
    case blob([UInt8])
}

/// One prepared statement, finalised when released.
final class SQLiteStatement {
    private let statement: OpaquePointer
    /// The database file, for errors. No reference to the connection: it keeps its cached
    /// statements, so one back would be a cycle. Errors read SQLite's message through the
    /// statement's own database handle, valid until the statement is finalised (a connection
    /// closed with `sqlite3_close_v2` stays open for its statements until then).
    private let path: String

    init(_ statement: OpaquePointer, path: String) {
        self.statement = statement
        self.path = path
    }

    private func error(_ step: String, _ code: Int32) -> StoreError {
        SQLiteConnection.error(step, code, database: sqlite3_db_handle(statement), path: path)
    }

    deinit {
        sqlite3_finalize(statement)
    }

    /// Binds `values` to parameters 1…n, after resetting the statement for another run.
    func bind(_ values: [SQLiteValue]) throws(StoreError) {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        // SQLITE_TRANSIENT: SQLite copies the bytes, so Swift's buffers may go away after the call.
        let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .text(let text): code = sqlite3_bind_text(statement, index, text, -1, transient)
            case .integer(let number): code = sqlite3_bind_int64(statement, index, number)
            case .real(let number): code = sqlite3_bind_double(statement, index, number)
            case .blob(let bytes):
                code = bytes.withUnsafeBytes { sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), transient) }
            }
            guard code == SQLITE_OK else { throw error("bind", code) }
        }
    }

    /// Back to before its first step, bindings kept.
    func reset() {
        sqlite3_reset(statement)
    }

    /// One step: true while there is a row to read, false when done.
    func step() throws(StoreError) -> Bool {
        let code = sqlite3_step(statement)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw error("step", code)
        }
    }

    /// Binds and runs a statement that returns no rows.
    func run(_ values: [SQLiteValue]) throws(StoreError) {
        try bind(values)
        while try step() {}
    }

    var columnCount: Int32 { sqlite3_column_count(statement) }

    func text(_ column: Int32) -> String? {
        guard sqlite3_column_type(statement, column) != SQLITE_NULL, let pointer = sqlite3_column_text(statement, column) else {
            return nil
        }
        return String(cString: pointer)
    }

    func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }

    func real(_ column: Int32) -> Double { sqlite3_column_double(statement, column) }

    func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let pointer = sqlite3_column_blob(statement, column) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
