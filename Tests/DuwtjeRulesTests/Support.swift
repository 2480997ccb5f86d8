import DuwtjeRules
import Foundation

/// Loads a rule set from in-memory files, in the order the directory reader would use.
func load(_ files: [String: String], timeZone: TimeZone = amsterdam) -> RuleSetLoader.Output {
    let ruleFiles = files.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        .map { RuleFile(path: $0, bytes: Array(files[$0]!.utf8)) }
    return RuleSetLoader(timeZone: timeZone).load(files: ruleFiles)
}

func load(_ text: String) -> RuleSetLoader.Output { load(["rules.yaml": text]) }

/// Compiles a rule set that must load without errors.
func compile(_ files: [String: String]) throws -> RuleSet {
    let output = load(files)
    guard let definition = output.definition else {
        throw LoadFailure(diagnostics: output.diagnostics.errors.map(\.description))
    }
    return RuleSet(definition, timeZone: amsterdam)
}

func compile(_ text: String) throws -> RuleSet { try compile(["rules.yaml": text]) }

struct LoadFailure: Error, CustomStringConvertible {
    var diagnostics: [String]
    var description: String { diagnostics.joined(separator: "\n") }
}

let amsterdam = TimeZone(identifier: "Europe/Amsterdam")!

func date(_ text: String) -> Date { TimeParsing.rfc3339(text)! }

/// The one diagnostic whose message contains `fragment`, as `line:col message`.
func finding(_ output: RuleSetLoader.Output, _ fragment: String) -> String? {
    output.diagnostics.first { $0.message.contains(fragment) }.map { "\($0.location.line):\($0.location.column) \($0.message)" }
}

func read(_ text: String, limits: YAMLLimits = .default) -> YAMLReader.Result {
    YAMLReader.read(Array(text.utf8), file: "t.yaml", limits: limits)
}

/// A small vocabulary most engine tests share.
let vocabulary = """
journeys:
  bz:
    stages:
      - id: bewustwording
      - id: interesse
        when: { context: { page: { prefix: /paspoort } } }
      - id: besluitvorming
        when: { context: { visits: { gte: 3 } } }
        fallback: [f-stage]
      - id: actie
    fallback: [f-journey, f-stage]
personas:
  ouder: { label: Ouder }
  student: { label: Student }
content_types:
  informatief: { label: Informatief }
  persuasief: { label: Persuasief }
  actie: { label: Actie }
context:
  process: { values: [paspoort, rijbewijs, verhuizing] }
  channel: { values: [web, balie, app] }
  page: { type: string }
  visits: { type: number }
  language: { values: [nl, en] }
  ingelogd: { type: boolean }
content:
  - { id: c1, type: informatief, title: C1, url: /c1, tags: [paspoort] }
  - { id: c2, type: persuasief, title: C2, url: /c2, tags: [paspoort, video] }
  - { id: c3, type: informatief, title: C3, url: /c3, tags: [paspoort] }
  - { id: c4, type: actie, title: C4, url: /c4, tags: [paspoort] }
  - { id: c-en, type: informatief, title: C EN, url: /en, tags: [paspoort], language: en }
  - { id: c-nl, type: informatief, title: C NL, url: /nl, tags: [paspoort], language: nl }
  - { id: c-later, type: informatief, title: Later, url: /later, active: { from: 2026-12-01 } }
  - { id: f-stage, type: informatief, title: FS, url: /fs }
  - { id: f-journey, type: informatief, title: FJ, url: /fj }
"""
