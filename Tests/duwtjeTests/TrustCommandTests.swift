import DuwtjeTestSupport
import Foundation
import Testing

/// `duwtje check --strict` and `duwtje register`, run as the real binary.
@Suite("Ethics and register commands")
struct TrustCommandTests {
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
    func strict() async throws {
        let directory = try Self.nagging()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let relaxed = try await DaemonProcess.run(["check", directory])
        #expect(relaxed.status == 0)
        #expect(relaxed.output.contains("rules.yaml:8:18: warning: nudge 'n1' has no cap (nudges must not nag)"))
        let strict = try await DaemonProcess.run(["check", "--strict", directory])
        #expect(strict.status == 1)
        #expect(strict.output.contains("rules.yaml:8:18: error: nudge 'n1' has no cap (nudges must not nag) [no-cap]"))
        #expect(strict.output.contains("error: the rule set has no 'register:' entry for the Algoritmeregister [no-register]"))
    }

    @Test("the shipped Rules/ are clean under duwtje check --strict")
    func shippedStrict() async throws {
        let result = try await DaemonProcess.run(["check", "--strict", Self.shipped])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains(": 0 errors, 0 warnings (sha256:"))
    }

    @Test("duwtje register Rules --json gives a complete entry with the standard's keys")
    func registerJSON() async throws {
        let result = try await DaemonProcess.run(["register", Self.shipped, "--json"])
        #expect(result.status == 0, "\(result.errors)")
        let entry = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        for key in ["name", "description_short", "organization", "status", "contact_email", "publication_category", "goal",
                    "proportionality", "human_intervention", "risks", "methods_and_models", "source_data", "lang",
                    "standard_version", "source_id", "tags"] {
            #expect(entry[key] != nil, "\(key)")
        }
        #expect((entry["source_id"] as? String)?.hasPrefix("sha256:") == true)
    }

    @Test("duwtje register on a set without register: fails with one clear line")
    func registerMissing() async throws {
        let directory = try Self.nagging()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try await DaemonProcess.run(["register", directory, "--json"])
        #expect(result.status == 1)
        #expect(result.output.isEmpty)
        #expect(result.errors.contains("error: the rule set has no 'register:' entry"))
    }

    @Test("duwtje check --config checks cap windows against that configuration's store.retention (default 400d)")
    func retentionFromConfig() async throws {
        let directory = try Self.nagging()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let rules = directory + "/rules.yaml"
        let text = try String(contentsOfFile: rules, encoding: .utf8)
        try text.replacingOccurrences(of: "alternative: Of bel 14 020. }", with: "alternative: Of bel 14 020., cap: { max: 1, per: 10d } }")
            .write(toFile: rules, atomically: true, encoding: .utf8)
        // Outside the rule folder, where it would be read as a rule file.
        let config = directory + "-duwtje.yaml"
        defer { try? FileManager.default.removeItem(atPath: config) }
        try "store: { retention: 5d }\n".write(toFile: config, atomically: true, encoding: .utf8)
        let without = try await DaemonProcess.run(["check", directory])
        #expect(!without.output.contains("[cap-beyond-retention]") && !without.output.contains("longer than the store's retention"))
        let with = try await DaemonProcess.run(["check", "--config", config, directory])
        #expect(with.status == 0)
        #expect(with.output.contains("warning: the cap window of nudge 'n1' (10d) is longer than the store's retention (5d)"))
        let broken = try await DaemonProcess.run(["check", "--config", directory + "-missing.yaml", directory])
        #expect(broken.status == 1)
        #expect(broken.errors.hasPrefix("duwtje: "))
    }
}
