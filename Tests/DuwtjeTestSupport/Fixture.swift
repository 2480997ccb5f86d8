import Foundation

/// A temporary directory with a small rule set, removed when the test is done.
public final class Fixture {
    public let directory: String

    public init() throws {
        directory = NSTemporaryDirectory() + "duwtje-unit-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory + "/rules", withIntermediateDirectories: true)
        try write("rules/vocabulary.yaml", Fixture.vocabulary)
        try write("rules/rules.yaml", Fixture.rules(why: "A"))
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    public var rulesDirectory: String { directory + "/rules" }

    /// Writes a file whole: into a hidden temporary name, then renamed, so a reader never sees half of it.
    public func write(_ path: String, _ text: String) throws {
        let target = directory + "/" + path
        let temporary = URL(fileURLWithPath: target).deletingLastPathComponent().path + "/.tmp-" + UUID().uuidString
        try text.write(toFile: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary, target) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    public static let vocabulary = """
    journeys:
      bz:
        label: Burgerzaken
        stages:
          - id: bewustwording
          - id: besluitvorming
            when: { context: { visits: { gte: 3 } } }
        fallback: [f1]
    personas:
      ouder: { label: Ouder }
    content_types:
      informatief: { label: Informatief }
    context:
      process: { values: [paspoort, rijbewijs] }
      visits: { type: number }
    content:
      - { id: c1, type: informatief, title: C1, url: /c1 }
      - { id: c2, type: informatief, title: C2, url: /c2 }
      - { id: f1, type: informatief, title: F1, url: /f1 }

    """

    public static func rules(why: String) -> String {
        """
        rules:
          - id: r1
            journey: bz
            when: { persona: [ouder], context: { process: paspoort } }
            recommend: [ { content: c1 }, { content: c2 } ]
            why: \(why)
            nudge:
              id: n1
              message: Maak online een afspraak.
              alternative: Bel 14 020.
              cap: { max: 2, per: 1d }

        """
    }

    /// A rule file with two errors: an unknown persona (line 4) and an unknown content id (line 5).
    public static let brokenRules = """
    rules:
      - id: r1
        journey: bz
        when: { persona: [oudr] }
        recommend: [ { content: c9 } ]
        why: kapot

    """
}
