public import Foundation

/// A rule set's entry in the Algoritmeregister, keyed as publication standard 1.0.0
/// (MinBZK/Algoritmeregister, `backend/app/schemas/config/v1_0_0.json`): the human-written part
/// from `register:`, and what the rules know filled in by the machine — the technical working, the
/// data used, language, standard version, source id (the rule set's version), tags and status.
///
/// Building it checks the entry as the register would: a required field left empty, a text over its
/// maximum length, a value outside a closed list, each is an error naming the field (its Dutch
/// title too) and its place.
public struct AlgorithmRegisterEntry: Sendable {
    public static let standardVersion = "1.0.0"

    /// One field of the standard: its key, its Dutch title, its maximum length, whether the register
    /// needs it to publish, and its closed list of values when it has one.
    public struct Field: Sendable {
        public var key: String
        public var title: String
        public var maxLength: Int?
        public var required: Bool
        public var permitted: [String]?
    }

    public static let fields: [Field] = [
        Field(key: "name", title: "Naam", maxLength: 100, required: true),
        Field(key: "description_short", title: "Korte omschrijving", maxLength: 350, required: true),
        Field(key: "organization", title: "Organisatie", maxLength: 100, required: true),
        Field(key: "category", title: "Thema", maxLength: nil, required: false, permitted: [
            "Organisatie en bedrijfsvoering", "Cultuur en recreatie", "Economie", "Overheidsfinanciën", "Wonen",
            "Internationaal", "Migratie en integratie", "Natuur en milieu", "Onderwijs en wetenschap",
            "Openbare orde en veiligheid", "Recht", "Ruimte en infrastructuur", "Sociale zekerheid", "Verkeer", "Werk",
            "Zorg en gezondheid",
        ]),
        Field(key: "status", title: "Status", maxLength: nil, required: true, permitted: ["In ontwikkeling", "In gebruik", "Buiten gebruik"]),
        Field(key: "begin_date", title: "Begindatum", maxLength: 7, required: false),
        Field(key: "end_date", title: "Einddatum", maxLength: 7, required: false),
        Field(key: "contact_email", title: "Contactgegevens", maxLength: 500, required: true),
        Field(key: "website", title: "Link naar publiekspagina", maxLength: 500, required: false),
        Field(key: "publication_category", title: "Publicatiecategorie", maxLength: nil, required: true,
              permitted: ["Hoog-risico AI-systeem", "Impactvolle algoritmes", "Overige algoritmes"]),
        Field(key: "url", title: "Link naar bronregistratie", maxLength: 500, required: false),
        Field(key: "goal", title: "Doel en impact", maxLength: 2_500, required: false),
        Field(key: "proportionality", title: "Afwegingen", maxLength: 2_500, required: false),
        Field(key: "human_intervention", title: "Menselijke tussenkomst", maxLength: 2_500, required: false),
        Field(key: "risks", title: "Risicobeheer", maxLength: 2_500, required: false),
        Field(key: "lawful_basis", title: "Wettelijke basis", maxLength: 2_500, required: false),
        Field(key: "lawful_basis_grouping", title: "Verwijzingen wettelijke basis", maxLength: nil, required: false),
        Field(key: "process_index_url", title: "Link naar verwerkingsregister", maxLength: 500, required: false),
        Field(key: "impacttoetsen_grouping", title: "Verwijzingen impacttoetsen", maxLength: nil, required: false),
        Field(key: "impacttoetsen", title: "Toelichting op impacttoetsen", maxLength: 2_500, required: false),
        Field(key: "source_data", title: "Gegevens", maxLength: 2_500, required: false),
        Field(key: "source_data_grouping", title: "Verwijzingen gegevensbronnen", maxLength: nil, required: false),
        Field(key: "methods_and_models", title: "Technische werking", maxLength: 5_000, required: false),
        Field(key: "provider", title: "Leverancier", maxLength: 200, required: false),
        Field(key: "publiccode", title: "Link naar broncode", maxLength: 500, required: false),
        Field(key: "lang", title: "Taal", maxLength: nil, required: true, permitted: ["nld"]),
        Field(key: "standard_version", title: "Versie publicatiestandaard", maxLength: nil, required: true, permitted: [standardVersion]),
        Field(key: "source_id", title: "Bron-ID", maxLength: 100, required: false),
        Field(key: "tags", title: "Zoektermen", maxLength: 2_500, required: false),
    ]

    /// Fields the standard always shows: an entry without them publishes, but reads as incomplete.
    public static let alwaysShown: Set<String> = ["goal", "proportionality", "human_intervention", "risks"]

    /// Maximum lengths of a grouping item's title and link.
    static let linkTitleLimits = ["lawful_basis_grouping": 100, "impacttoetsen_grouping": 500, "source_data_grouping": 500]

    /// A value of the entry: text, a list of texts (`category`), or titled links (the groupings).
    public enum Value: Sendable, Equatable, Encodable {
        case text(String)
        case list([String])
        case links([LinkValue])

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let text): try container.encode(text)
            case .list(let list): try container.encode(list)
            case .links(let links): try container.encode(links)
            }
        }
    }

    public struct LinkValue: Sendable, Equatable, Encodable {
        public var title: String
        public var link: String
    }

    /// The entry's fields in the standard's order; absent ones are left out.
    public var values: [(key: String, value: Value)]
    /// The nudges a citizen may be shown now, for the public page.
    public var activeNudges: [PublicNudge]
    /// Errors (the register would refuse the entry) and warnings (it would read as incomplete).
    public var diagnostics: [Diagnostic]
    /// Where `register:` was written; nil when the set has none.
    public var location: SourceLocation?

    public func value(_ key: String) -> Value? { values.first { $0.key == key }?.value }

    public func text(_ key: String) -> String? {
        if case .text(let text) = value(key) { return text }
        return nil
    }

    /// One nudge as the public page shows it.
    public struct PublicNudge: Sendable, Equatable {
        public var journey: String
        public var message: String
        public var why: String?
        public var alternative: String?
        /// The cap in words ("hoogstens 3 keer per 7 dagen").
        public var frequency: String?
        /// Whether it is one of an experiment's variants.
        public var isExperiment: Bool
    }
}

extension AlgorithmRegisterEntry {
    /// The entry for `definition` at `now`, with the store's retention in days.
    public init(_ definition: RuleSetDefinition, now: Date, retentionDays: Int = 400, timeZone: TimeZone) {
        let register = definition.register
        location = register?.location
        diagnostics = []
        values = []
        activeNudges = Self.publicNudges(definition, now: now, timeZone: timeZone)
        let machine = RegisterWriter(definition: definition, retentionDays: retentionDays)
        var collected: [(String, Value)] = []
        for field in Self.fields {
            let place = register?.texts[field.key]?.location ?? register?.lists[field.key]?.location ?? register?.location
            var value: Value?
            switch field.key {
            case "methods_and_models": value = .text(machine.methodsAndModels)
            case "source_data": value = .text(machine.sourceData)
            case "lang": value = .text("nld")
            case "standard_version": value = .text(Self.standardVersion)
            case "source_id": value = .text(definition.version)
            case "status": value = .text(register?.text("status") ?? "In gebruik")
            case "tags": value = .text((machine.tags + (register?.lists["tags"]?.value ?? [])).joined(separator: ", "))
            case "category": value = register?.lists["category"].map { .list($0.value) }
            default:
                if let links = register?.links[field.key], !links.isEmpty {
                    value = .links(links.map { LinkValue(title: $0.title.value, link: $0.link.value) })
                    checkLinks(links, field: field)
                } else if let text = register?.texts[field.key]?.value.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty {
                    value = .text(text)
                }
            }
            check(field, value, at: place ?? SourceLocation(file: "", line: 0, column: 0))
            if let value { collected.append((field.key, value)) }
        }
        values = collected
    }

    /// The register's checks on one field.
    mutating func check(_ field: Field, _ value: Value?, at place: SourceLocation) {
        let name = "'\(field.key)' (\(field.title))"
        guard let value else {
            if field.required {
                diagnostics.append(Diagnostic(.error, "the register entry lacks required field \(name)", at: place,
                                              fix: "add `\(field.key): …` under register:", check: "register"))
            } else if Self.alwaysShown.contains(field.key) {
                diagnostics.append(Diagnostic(.warning, "the register entry has no \(name); the register always shows it", at: place,
                                              fix: "add `\(field.key): …` under register:", check: "register"))
            }
            return
        }
        switch value {
        case .text(let text):
            if let maxLength = field.maxLength, text.count > maxLength {
                diagnostics.append(Diagnostic(.error, "\(name) is \(text.count) characters, at most \(maxLength)", at: place,
                                              fix: "shorten it by \(text.count - maxLength) characters", check: "register"))
            }
            if let permitted = field.permitted, !permitted.contains(text) {
                diagnostics.append(Diagnostic(.error, "\(name) must be one of: \(permitted.joined(separator: ", ")); not '\(text)'",
                                              at: place, check: "register"))
            }
            if field.key == "begin_date" || field.key == "end_date", text.range(of: #"^\d{4}-(0[1-9]|1[0-2])$"#, options: .regularExpression) == nil {
                diagnostics.append(Diagnostic(.error, "\(name) must be a month as YYYY-MM, not '\(text)'", at: place, check: "register"))
            }
        case .list(let list):
            if list.count > 3 {
                diagnostics.append(Diagnostic(.error, "\(name) has \(list.count) items, at most 3", at: place, check: "register"))
            }
            for item in list where !(field.permitted?.contains(item) ?? true) {
                diagnostics.append(Diagnostic(.error, "\(name) has '\(item)', which is not one of the register's themes", at: place,
                                              fix: Suggestions.hint(for: item, in: field.permitted ?? []), check: "register"))
            }
        case .links:
            break
        }
    }

    mutating func checkLinks(_ links: [RegisterDeclaration.Link], field: Field) {
        let titleLimit = Self.linkTitleLimits[field.key] ?? 500
        for link in links {
            if link.title.value.count > titleLimit {
                diagnostics.append(Diagnostic(.error, "a title in '\(field.key)' (\(field.title)) is \(link.title.value.count) characters, at most \(titleLimit)",
                                              at: link.title.location, check: "register"))
            }
            if link.link.value.count > 500 {
                diagnostics.append(Diagnostic(.error, "a link in '\(field.key)' (\(field.title)) is \(link.link.value.count) characters, at most 500",
                                              at: link.link.location, check: "register"))
            }
        }
    }

    /// The entry as JSON with the standard's keys (sorted, so that it diffs well).
    public func json() -> String {
        struct Keyed: Encodable {
            var values: [(key: String, value: Value)]
            struct Key: CodingKey {
                var stringValue: String
                var intValue: Int? { nil }
                init(stringValue: String) { self.stringValue = stringValue }
                init?(intValue: Int) { nil }
            }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Key.self)
                for (key, value) in values { try container.encode(value, forKey: Key(stringValue: key)) }
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(Keyed(values: values))) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func publicNudges(_ definition: RuleSetDefinition, now: Date, timeZone: TimeZone) -> [PublicNudge] {
        var result: [PublicNudge] = []
        for rule in definition.rules {
            if let window = rule.active {
                if let from = window.from, now < from.resolved(in: timeZone) { continue }
                if let until = window.until, now >= until.resolved(in: timeZone) { continue }
            }
            let journey = definition.journeys.first { $0.id == rule.journey }
            for nudge in rule.allNudges {
                result.append(PublicNudge(journey: journey?.label ?? rule.journey, message: nudge.message, why: rule.why,
                                          alternative: nudge.alternative, frequency: nudge.cap.map(RegisterWriter.frequency),
                                          isExperiment: !rule.variants.isEmpty))
            }
        }
        return result
    }
}
