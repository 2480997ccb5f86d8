/// A place in a rule file, so that every finding can point the writer at the exact spot.
///
/// Lines and columns are 1-based, as editors and `file:line:col` annotations expect.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The file's path relative to the rule set's directory.
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }

    /// `path:line:col` with the file's path prefixed by the directory the user named.
    public func formatted(directory: String?) -> String {
        guard let directory, !directory.isEmpty, directory != "." else { return description }
        return (directory.hasSuffix("/") ? directory : directory + "/") + description
    }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        if lhs.file != rhs.file { return Array(lhs.file.utf8).lexicographicallyPrecedes(Array(rhs.file.utf8)) }
        if lhs.line != rhs.line { return lhs.line < rhs.line }
        return lhs.column < rhs.column
    }
}

/// One finding of a load: an error refuses the rule set, a warning only questions it.
///
/// Diagnostics are values rather than thrown errors so that a load can report all of them at once.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    public var severity: Severity
    public var location: SourceLocation
    /// What is wrong, in one sentence.
    public var message: String
    /// How to fix it, when there is something useful to say.
    public var fix: String?
    /// The ethics check that raised this warning (rules.md 7, "Ethics checks"), e.g. `no-cap`;
    /// nil for every other finding. `duwtje check --strict` turns exactly these into errors.
    public var check: String?

    public init(_ severity: Severity, _ message: String, at location: SourceLocation, fix: String? = nil, check: String? = nil) {
        self.severity = severity
        self.location = location
        self.message = message
        self.fix = fix
        self.check = check
    }

    /// `file:line:col: error: message (fix)`, the format editors and CI annotate.
    public var description: String { formatted(directory: nil) }

    /// The same line with the file's path prefixed by the directory the user named.
    public func formatted(directory: String?) -> String {
        var line = "\(location.formatted(directory: directory)): \(severity.rawValue): \(message)"
        if let fix { line += " (\(fix))" }
        return line
    }
}

extension Array where Element == Diagnostic {
    public var errors: [Diagnostic] { filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { filter { $0.severity == .warning } }
    public var hasErrors: Bool { contains { $0.severity == .error } }
}
