import Foundation
import Testing

/// `duwtje check --strict` and `duwtje register`, run as the real binary.
@Suite("Ethics and register commands")
struct TrustCommandTests {
    /// Runs the binary to completion; returns its status, standard output and standard error.
    static func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: DaemonProcess.binary)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting, so a full pipe cannot block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    static let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Rules").path

    /// A rule folder with one nudge without a cap, and no register.
    static func nagging() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("duwtje-strict-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try """
            journeys: { bz: { stages: [{ id: start }] } }
            content_types: { info: { label: Info } }
            content: [{ id: c1, type: info, title: C1, url: /c1 }]
            rules:
              - id: r1
                recommend: [{ content: c1 }]
                why: U ziet dit omdat het past.
                nudge: { id: n1, message: Doe het nu., alternative: Of bel 14 020. }

            """.write(toFile: directory + "/rules.yaml", atomically: true, encoding: .utf8)
        return directory
    }

    @Test("the ethics checks are warnings by default (exit 0) and errors with --strict (exit 1), each with its id")
    func strict() throws {
        let directory = try Self.nagging()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let relaxed = try Self.run(["check", directory])
        #expect(relaxed.status == 0)
        #expect(relaxed.out.contains("rules.yaml:8:18: warning: nudge 'n1' has no cap (nudges must not nag)"))
        let strict = try Self.run(["check", "--strict", directory])
        #expect(strict.status == 1)
        #expect(strict.out.contains("rules.yaml:8:18: error: nudge 'n1' has no cap (nudges must not nag) [no-cap]"))
        #expect(strict.out.contains("error: the rule set has no 'register:' entry for the Algoritmeregister [no-register]"))
    }

    @Test("the shipped Rules/ are clean under duwtje check --strict")
    func shippedStrict() throws {
        let result = try Self.run(["check", "--strict", Self.shipped])
        #expect(result.status == 0, "\(result.out)")
        #expect(result.out.contains(": 0 errors, 0 warnings (sha256:"))
    }

    @Test("duwtje register Rules --json gives a complete entry with the standard's keys")
    func registerJSON() throws {
        let result = try Self.run(["register", Self.shipped, "--json"])
        #expect(result.status == 0, "\(result.err)")
        let entry = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        for key in ["name", "description_short", "organization", "status", "contact_email", "publication_category", "goal",
                    "proportionality", "human_intervention", "risks", "methods_and_models", "source_data", "lang",
                    "standard_version", "source_id", "tags"] {
            #expect(entry[key] != nil, "\(key)")
        }
        #expect((entry["source_id"] as? String)?.hasPrefix("sha256:") == true)
    }

    @Test("duwtje register on a set without register: fails with one clear line")
    func registerMissing() throws {
        let directory = try Self.nagging()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try Self.run(["register", directory, "--json"])
        #expect(result.status == 1)
        #expect(result.out.isEmpty)
        #expect(result.err.contains("error: the rule set has no 'register:' entry"))
    }
}
