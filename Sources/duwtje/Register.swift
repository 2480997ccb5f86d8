import ArgumentParser
import DuwtjeRules
import Foundation

/// `duwtje register [DIR] [--json | --html FILE]`: the rule set's Algoritmeregister entry
/// (publication standard 1.0.0), or the public page "Waarom zie ik dit?".
struct Register: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The rule set's entry in the Algoritmeregister (publication standard 1.0.0), or its public page.",
        discussion: """
            The people-written fields come from the set's register: section, the rest from the rules. A required \
            field left empty or a text over its maximum length is an error naming the field and its place (exit 1). \
            Without --json or --html, prints the entry field by field.
            """
    )

    @OptionGroup var rules: RuleSetOptions
    @OptionGroup var store: RetentionOptions

    @Flag(help: "Print the entry as JSON, keyed as the publication standard.")
    var json = false

    @Option(help: "Write the public page \"Waarom zie ik dit?\" to this file.")
    var html: String?

    @Option(help: "The moment the page describes (RFC 3339; default now): which nudges are active.")
    var now: String?

    func validate() throws {
        if json, html != nil { throw ValidationError("give --json or --html, not both") }
        if let now, TimeParsing.rfc3339(now) == nil { throw ValidationError("--now must be RFC 3339, not '\(now)'") }
    }

    func run() throws {
        let retentionDays = try store.retentionDays()
        let directory = rules.directory
        let zone = try TimeZoneOption.parse(rules.timezone)
        let (ruleSet, _) = try rules.load()
        let definition = ruleSet.definition
        let moment = now.flatMap(TimeParsing.rfc3339) ?? Date()
        let entry = AlgorithmRegisterEntry(definition, now: moment, retentionDays: retentionDays, timeZone: zone)
        if definition.register == nil {
            printError("\(directory): error: the rule set has no 'register:' entry (add one with name, description_short, organization, contact_email and publication_category)")
            throw ExitCode(1)
        }
        for diagnostic in entry.diagnostics { printError(diagnostic.formatted(directory: directory)) }
        if entry.diagnostics.hasErrors {
            printError("\(directory): the register entry has \(plural(entry.diagnostics.errors.count, "error"))")
            throw ExitCode(1)
        }
        if let html {
            let page = entry.publicPage(definition, generatedAt: moment, retentionDays: retentionDays, timeZone: zone)
            do {
                try page.write(toFile: html, atomically: true, encoding: .utf8)
            } catch {
                printError("duwtje: cannot write \(html): \(error.localizedDescription)")
                throw ExitCode(1)
            }
        } else if json {
            print(entry.json())
        } else {
            for field in AlgorithmRegisterEntry.fields {
                guard let value = entry.value(field.key) else { continue }
                let text: String
                switch value {
                case .text(let string): text = string
                case .list(let list): text = list.joined(separator: "; ")
                case .links(let links): text = links.map { "\($0.title) <\($0.link)>" }.joined(separator: "; ")
                }
                print("\(field.title) [\(field.key)]: \(text)")
            }
        }
    }
}
