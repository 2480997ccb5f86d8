public import DuwtjeRules
public import DuwtjeStore

/// Why the daemon cannot start (or a reload cannot be applied): what is wrong and how to fix it.
///
/// ``description`` is one line, because `duwtje serve` prints exactly one line to standard error
/// when it refuses to start: operators read it in `journalctl`, where a backtrace helps no one.
public enum DaemonError: Error, Sendable, CustomStringConvertible {
    /// The configuration file could not be read at all.
    case configurationUnreadable(path: String, reason: String)
    /// The configuration file has mistakes, each with its place.
    case configuration(file: String, diagnostics: [Diagnostic])
    /// The rule directory could not be read.
    case rulesDirectory(RuleDirectoryError)
    /// The rule set has errors, each with its place.
    case rules(directory: String, diagnostics: [Diagnostic])
    /// Another daemon answers on the socket.
    case alreadyRunning(socket: String)
    /// The socket's directory cannot be created or written.
    case socketDirectory(path: String, reason: String)
    /// The socket path is too long for a Unix socket address.
    case socketPathTooLong(path: String, limit: Int)
    /// Something that is not a socket is in the socket's place; the daemon will not delete it.
    case notASocket(path: String)
    /// Another process held the lock file for too long.
    case lockTimeout(path: String)
    /// The lock file could not be opened or locked.
    case lockFailed(path: String, reason: String)
    /// The configured group does not exist, or the socket could not be given to it.
    case socketGroup(group: String, reason: String)
    /// The socket's mode could not be set.
    case socketMode(path: String, reason: String)
    /// Binding or listening on the socket failed.
    case bind(path: String, reason: String)
    /// The event store (or its secret) could not be opened.
    case store(StoreError)
    /// The diagnostics listener (`diagnostics.listen`) could not listen.
    case diagnostics(address: String, reason: String)

    public var description: String {
        switch self {
        case .configurationUnreadable(let path, let reason):
            return "configuration file \(path) \(reason) (pass --config FILE, or start without one to use the defaults)"
        case .configuration(let file, let diagnostics):
            return Self.summary(of: diagnostics, in: file, prefix: nil, check: "fix each place named")
        case .rulesDirectory(let error):
            return "rules: \(error)"
        case .rules(let directory, let diagnostics):
            return Self.summary(of: diagnostics, in: directory, prefix: directory, check: "run `duwtje check \(directory)` for all of them")
        case .alreadyRunning(let socket):
            return "another duwtje daemon is already answering on \(socket) (stop it first, or pass --socket PATH)"
        case .socketDirectory(let path, let reason):
            return "socket directory \(path) \(reason) (create it writable for this user, or pass --socket PATH)"
        case .socketPathTooLong(let path, let limit):
            return "socket path \(path) is \(path.utf8.count) bytes, longer than the \(limit) a Unix socket address holds (use a shorter path)"
        case .notASocket(let path):
            return "\(path) exists and is not a socket; refusing to replace it (remove it, or pass --socket PATH)"
        case .lockTimeout(let path):
            return "another process holds \(path) (another daemon starting?); try again, or find it with `fuser \(path)`"
        case .lockFailed(let path, let reason):
            return "cannot lock \(path): \(reason) (check the socket directory's permissions)"
        case .socketGroup(let group, let reason):
            return "cannot give the socket to group '\(group)': \(reason) (set socket.group to a group this user belongs to, or null)"
        case .socketMode(let path, let reason):
            return "cannot set the mode of \(path): \(reason)"
        case .bind(let path, let reason):
            return "cannot listen on \(path): \(reason)"
        case .store(let error):
            // A PostgreSQL error says its own fix; a SQLite file's is to point store.path elsewhere.
            return error.retryAfter != nil || error.path.hasPrefix("postgresql://") || error.path.hasPrefix("store.")
                ? error.description : "\(error.description) (set store.path to a writable place)"
        case .diagnostics(let address, let reason):
            return "cannot listen on \(address) (diagnostics.listen): \(reason); under systemd, TCP also needs RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 (systemctl edit duwtje)"
        }
    }

    /// The diagnostics a failed load produced (configuration or rules), for logs and `/v1/status`.
    public var diagnostics: [Diagnostic] {
        switch self {
        case .configuration(_, let diagnostics), .rules(_, let diagnostics): return diagnostics
        default: return []
        }
    }

    /// `N errors; the first: path:line:col: error: …` in one line.
    static func summary(of diagnostics: [Diagnostic], in place: String, prefix: String?, check: String) -> String {
        let errors = diagnostics.errors
        guard let first = errors.first else { return "\(place) does not load" }
        let count = errors.count == 1 ? "1 error" : "\(errors.count) errors"
        let firstLine = first.formatted(directory: prefix)
        if errors.count == 1 { return "\(place) has \(count): \(firstLine)" }
        return "\(place) has \(count); the first: \(firstLine) (\(check))"
    }
}
