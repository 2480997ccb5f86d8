import ArgumentParser
import DuwtjeRules
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `duwtje matrix`: the GAP matrix of the inbound method, so marketing staff see per journey what
/// every stage × persona gets, and where only fallbacks or nothing answer, without reading YAML.
struct Matrix: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show per journey what every stage × persona gets, and where the gaps are.",
        discussion: "Each cell is the engine's answer to a request with that stage and persona (and the --context "
            + "values), without a visitor. Below the grids: rules that can never be consulted, content no request "
            + "can reach, and nudges without a cap or an alternative. Exit 0: the matrix informs, it does not judge."
    )

    @OptionGroup var options: RuleSetOptions

    @Option(help: "Only this journey.")
    var journey: String?

    @Option(name: .customLong("context"), help: "A context value every request carries, as key=value; repeatable.")
    var contextPairs: [String] = []

    @Option(help: "How many items each cell asks for.")
    var limit: Int = 3

    @Option(help: "The moment to evaluate at, RFC 3339 (default: now).")
    var now: String?

    @Option(help: "Also write the matrix as one self-contained HTML page to this file.")
    var html: String?

    @Flag(help: "Print the matrix as JSON instead of text.")
    var json = false

    func run() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
        let moment = try parseNow(now)
        // Warnings are `duwtje check`'s: the matrix shows none, so it does not look for them.
        let (definition, zone) = try options.loadDefinition(warnings: false)
        let context = try Query.context(contextPairs, definition: definition)
        let matrix: JourneyMatrix
        do {
            matrix = try JourneyMatrix(definition: definition, timeZone: zone, journey: journey, context: context, limit: limit,
                                       now: moment)
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        if let html {
            do {
                try Self.writeAtomically(html) { out in matrix.writeHTML { out.write($0) } }
            } catch {
                printError("error: cannot write \(html): \(error)")
                throw ExitCode(1)
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(matrix), as: UTF8.self))
        } else {
            // Line by line: at 100,000 rules the text is 7 MB, not worth holding whole.
            var out = BufferedOutput(FileHandle.standardOutput)
            matrix.writeText(width: 120, directory: options.directory) { line in
                out.write(line)
                out.write("\n")
            }
            if let html { out.write("\nHTML written to \(html)\n") }
            try out.flush()
        }
    }

    /// Writes a file as `Data.write(options: .atomic)` does (a temporary file beside it, renamed over
    /// it at the end, so a reader never sees half a page), but piece by piece.
    static func writeAtomically(_ path: String, _ body: (inout BufferedOutput) -> Void) throws {
        let temporary = path + ".duwtje-\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporary) else {
            throw OutputError(String(cString: strerror(errno)))
        }
        do {
            var out = BufferedOutput(handle)
            body(&out)
            try out.flush()
            try handle.close()
            guard rename(temporary, path) == 0 else { throw OutputError(String(cString: strerror(errno))) }
        } catch {
            try? handle.close()
            unlink(temporary)
            throw error
        }
    }
}

struct OutputError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Text gathered into 64 KiB writes. The first failed write is kept and thrown by ``flush()``.
struct BufferedOutput {
    let handle: FileHandle
    var buffer: [UInt8] = []
    var failure: (any Error)?

    init(_ handle: FileHandle) {
        self.handle = handle
        buffer.reserveCapacity(1 << 16)
    }

    mutating func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { drain() }
    }

    mutating func drain() {
        if failure == nil {
            do { try handle.write(contentsOf: buffer) } catch { failure = error }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    mutating func flush() throws {
        drain()
        if let failure { throw failure }
    }
}

/// `--now` as a date, or the current moment.
func parseNow(_ text: String?) throws -> Date {
    guard let text else { return Date() }
    guard let date = TimeParsing.rfc3339(text) else {
        throw ValidationError("--now must be an RFC 3339 time such as 2026-11-22T10:00:00+01:00")
    }
    return date
}
