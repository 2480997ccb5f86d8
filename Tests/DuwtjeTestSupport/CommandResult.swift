public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a finished command printed: its exit status, standard output and standard error.
public struct CommandResult: Sendable {
    public var status: Int32
    public var output: String
    public var errors: String
    public var lines: [Substring] { output.split(separator: "\n") }

    /// Runs `executable` to the end (as `user`, through `setpriv`, when given). Standard error goes
    /// to a file, so that neither pipe can fill up and block the child while the other is read.
    public static func run(_ executable: String, _ arguments: [String],
                           as user: (uid: uid_t, gid: gid_t)? = nil) async throws -> CommandResult {
        try await offPool { try runBlocking(executable, arguments, as: user) }
    }

    static func runBlocking(_ executable: String, _ arguments: [String],
                            as user: (uid: uid_t, gid: gid_t)?) throws -> CommandResult {
        let errorPath = FileManager.default.temporaryDirectory.appendingPathComponent("duwtje-stderr-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        // Writable by the user the command runs as.
        if let user { chown(errorPath, user.uid, user.gid) }
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let user {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=\(user.uid)", "--regid=\(user.gid)", "--clear-groups", "--", executable] + arguments
        }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: errorPath)
        try process.run()
        let outputBytes = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, output: String(decoding: outputBytes, as: UTF8.self),
                             errors: (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "")
    }
}
