import Dispatch
import Foundation
import Synchronization

/// One load of a rule set. Declarations are read from every file first, so that rules may refer
/// to journeys, personas and content declared in any file.
struct LoadPass {
    let limits: YAMLLimits
    let timeZone: TimeZone
    let parsesConcurrently: Bool
    var decoder = SchemaDecoder()

    var journeys: [JourneyDefinition] = []
    var stageWhens: [(journey: Int, stage: Int, node: YAMLNode)] = []
    var fallbackNodes: [(journey: Int, stage: Int?, node: YAMLNode)] = []
    var personas: [PersonaDefinition] = []
    var contentTypes: [ContentTypeDefinition] = []
    var contextKeys: [ContextKeyDefinition] = []
    var contentNodes: [YAMLNode] = []
    var ruleNodes: [YAMLNode] = []
    var content: [ContentItem] = []
    var rules: [RuleDefinition] = []

    /// First place of every id, per kind, to report duplicates with both places.
    var declared: [String: [String: SourceLocation]] = [:]

    init(limits: YAMLLimits, timeZone: TimeZone, parsesConcurrently: Bool = false) {
        self.limits = limits
        self.timeZone = timeZone
        self.parsesConcurrently = parsesConcurrently
    }

    static let topLevelKeys = ["journeys", "personas", "content_types", "context", "content", "rules"]

    mutating func run(_ files: [RuleFile]) -> RuleSetDefinition? {
        for read in Self.readAll(files, limits: limits, concurrently: parsesConcurrently) {
            decoder.diagnostics += read.diagnostics
            guard let document = read.document else { continue }
            readDeclarations(document)
        }
        content = contentNodes.compactMap { decodeContent($0) }
        for (journeyIndex, stageIndex, node) in stageWhens {
            let what = "the when of stage '\(journeys[journeyIndex].stages[stageIndex].id)'"
            journeys[journeyIndex].stages[stageIndex].when = decodeCondition(node, journey: journeys[journeyIndex],
                                                                           allowStage: false, what: what)
        }
        for (journeyIndex, stageIndex, node) in fallbackNodes {
            let ids = contentReferences(node, what: "a fallback")
            if let stageIndex {
                journeys[journeyIndex].stages[stageIndex].fallback = ids
            } else {
                journeys[journeyIndex].fallback = ids
            }
        }
        for (order, node) in ruleNodes.enumerated() {
            if let rule = decodeRule(node, order: order) { rules.append(rule) }
        }
        let definition = RuleSetDefinition(journeys: journeys, personas: personas, contentTypes: contentTypes,
                                           contextKeys: contextKeys, content: content, rules: rules,
                                           files: files.map(\.path), version: "")
        if !decoder.diagnostics.hasErrors {
            var warnings = WarningPass(definition: definition, timeZone: timeZone)
            warnings.run()
            decoder.diagnostics += warnings.diagnostics
        }
        return definition
    }

    /// Parses every file's YAML, several files at once when the caller asked for it: files are
    /// independent until their declarations are read. Results keep the files' order, so
    /// diagnostics and declarations come out exactly as a one-by-one read would give them.
    static func readAll(_ files: [RuleFile], limits: YAMLLimits, concurrently: Bool) -> [YAMLReader.Result] {
        guard concurrently, files.count > 1 else {
            return files.map { YAMLReader.read($0.bytes, file: $0.path, limits: limits) }
        }
        let results = Mutex<[YAMLReader.Result?]>(Array(repeating: nil, count: files.count))
        DispatchQueue.concurrentPerform(iterations: files.count) { index in
            let read = YAMLReader.read(files[index].bytes, file: files[index].path, limits: limits)
            results.withLock { $0[index] = read }
        }
        return results.withLock { $0.compactMap { $0 } }
    }

    // MARK: - Declarations

    /// Records an id of `kind`; a second declaration is an error naming the first place.
    mutating func declare(_ id: Located<String>, kind: String) -> Bool {
        if let first = declared[kind]?[id.value] {
            decoder.error("duplicate \(kind) id '\(id.value)' (first declared at \(first))", at: id.location,
                          fix: "ids of a kind are unique across all files")
            return false
        }
        declared[kind, default: [:]][id.value] = id.location
        return true
    }

    func known(_ kind: String) -> Dictionary<String, SourceLocation>.Keys {
        (declared[kind] ?? [:]).keys
    }

    mutating func readDeclarations(_ document: YAMLNode) {
        guard let top = decoder.fields(document, of: "a rule file", allowed: Self.topLevelKeys) else { return }
        if let node = top.present("journeys") { eachEntry(node, "journeys") { $0.readJourney($1, $2) } }
        if let node = top.present("personas") { eachEntry(node, "personas") { $0.readPersona($1, $2) } }
        if let node = top.present("content_types") { eachEntry(node, "content_types") { $0.readContentType($1, $2) } }
        if let node = top.present("context") { eachEntry(node, "context") { $0.readContextKey($1, $2) } }
        if let node = top.present("content") { contentNodes += list(node, "content") }
        if let node = top.present("rules") { ruleNodes += list(node, "rules") }
    }

    /// The entries of a mapping keyed by id.
    mutating func eachEntry(_ node: YAMLNode, _ section: String, _ body: (inout LoadPass, YAMLNode, YAMLNode) -> Void) {
        guard let pairs = node.mapping else {
            decoder.error("'\(section)' must be a mapping of ids to definitions, not \(node.kindDescription)", at: node.location)
            return
        }
        for pair in pairs { body(&self, pair.key, pair.value) }
    }

    mutating func list(_ node: YAMLNode, _ section: String) -> [YAMLNode] {
        guard let items = node.sequence else {
            decoder.error("'\(section)' must be a list, not \(node.kindDescription)", at: node.location, fix: "start each entry with '- '")
            return []
        }
        return items
    }

    mutating func readJourney(_ key: YAMLNode, _ node: YAMLNode) {
        guard let id = decoder.id(key, "journey"), declare(id, kind: "journey"),
              let fields = decoder.fields(node, of: "journey '\(id.value)'", allowed: ["label", "description", "stages", "fallback"])
        else { return }
        let journeyIndex = journeys.count
        var journey = JourneyDefinition(id: id.value, label: decoder.optionalText(fields["label"], "a label"),
                                        stages: [], fallback: [], location: id.location)
        if let stagesNode = decoder.required(fields, "stages", in: "journey '\(id.value)'") {
            let items = list(stagesNode, "stages")
            if items.isEmpty, stagesNode.sequence != nil {
                decoder.error("journey '\(id.value)' has no stages", at: stagesNode.location, fix: "list its stages in order")
            }
            var stageIDs: [String: SourceLocation] = [:]
            for item in items {
                let what = "a stage of journey '\(id.value)'"
                guard let stageFields = decoder.fields(item, of: what, allowed: ["id", "label", "description", "when", "fallback"]),
                      let stageNode = decoder.required(stageFields, "id", in: what),
                      let stageID = decoder.id(stageNode, "stage")
                else { continue }
                if let first = stageIDs[stageID.value] {
                    decoder.error("duplicate stage id '\(stageID.value)' in journey '\(id.value)' (first declared at \(first))",
                                  at: stageID.location)
                    continue
                }
                stageIDs[stageID.value] = stageID.location
                let stageIndex = journey.stages.count
                if let when = stageFields.present("when") { stageWhens.append((journeyIndex, stageIndex, when)) }
                if let fallback = stageFields.present("fallback") { fallbackNodes.append((journeyIndex, stageIndex, fallback)) }
                journey.stages.append(StageDefinition(id: stageID.value, label: decoder.optionalText(stageFields["label"], "a label"),
                                                      when: nil, fallback: [], location: stageID.location))
            }
        }
        if let fallback = fields.present("fallback") { fallbackNodes.append((journeyIndex, nil, fallback)) }
        journeys.append(journey)
    }

    mutating func readPersona(_ key: YAMLNode, _ node: YAMLNode) {
        guard let id = decoder.id(key, "persona"), declare(id, kind: "persona"),
              let fields = decoder.fields(node, of: "persona '\(id.value)'", allowed: ["label", "description"])
        else { return }
        personas.append(PersonaDefinition(id: id.value, label: decoder.optionalText(fields["label"], "a label"),
                                          description: decoder.optionalText(fields["description"], "a description"),
                                          location: id.location))
    }

    mutating func readContentType(_ key: YAMLNode, _ node: YAMLNode) {
        guard let id = decoder.id(key, "content type"), declare(id, kind: "content type"),
              let fields = decoder.fields(node, of: "content type '\(id.value)'", allowed: ["label", "description"])
        else { return }
        contentTypes.append(ContentTypeDefinition(id: id.value, label: decoder.optionalText(fields["label"], "a label"),
                                                  location: id.location))
    }

    mutating func readContextKey(_ key: YAMLNode, _ node: YAMLNode) {
        guard let id = decoder.id(key, "context key"), declare(id, kind: "context key") else { return }
        let what = "context key '\(id.value)'"
        guard let fields = decoder.fields(node, of: what, allowed: ["values", "type", "label", "description"]) else { return }
        let values = fields.present("values")
        let type = fields.present("type")
        if values != nil, type != nil {
            decoder.error("\(what) has both 'values' and 'type'", at: fields.node.location,
                          fix: "use 'values' for a closed list, or 'type' for any value of a type")
        }
        if let values {
            guard let list = decoder.textList(values, "a value of \(what)") else { return }
            var seen = Set<String>()
            for (index, value) in list.enumerated() where !seen.insert(value).inserted {
                decoder.error("\(what) lists the value '\(value)' twice", at: values.sequence?[index].location ?? values.location)
            }
            if list.isEmpty { decoder.error("\(what) has an empty list of values", at: values.location) }
            contextKeys.append(ContextKeyDefinition(id: id.value, kind: .closed(list), location: id.location))
        } else if let type {
            guard let name = decoder.text(type, "the type of \(what)") else { return }
            let kinds: [String: ContextKeyKind] = ["string": .string, "number": .number, "boolean": .boolean]
            guard let kind = kinds[name] else {
                decoder.error("unknown type '\(name)' for \(what)", at: type.location,
                              fix: Suggestions.hint(for: name, in: kinds.keys) ?? "use string, number or boolean")
                return
            }
            contextKeys.append(ContextKeyDefinition(id: id.value, kind: kind, location: id.location))
        } else {
            decoder.error("\(what) needs 'values' (a closed list) or 'type' (string, number or boolean)", at: id.location)
        }
    }

    // MARK: - Content

    mutating func decodeContent(_ node: YAMLNode) -> ContentItem? {
        let what = "a content item"
        guard let fields = decoder.fields(node, of: what, allowed: ["id", "type", "title", "url", "tags", "language", "active", "description"]),
              let idNode = decoder.required(fields, "id", in: what), let id = decoder.id(idNode, "content")
        else { return nil }
        let registered = declare(id, kind: "content")
        let itemWhat = "content item '\(id.value)'"
        let type = decoder.required(fields, "type", in: itemWhat).flatMap { decoder.id($0, "content type") }
        let title = decoder.required(fields, "title", in: itemWhat).flatMap { decoder.text($0, "a title") }
        let url = decoder.required(fields, "url", in: itemWhat).flatMap { decoder.text($0, "a url") }
        let tags = fields.present("tags").flatMap { decoder.textList($0, "a tag") } ?? []
        let language = fields.present("language").flatMap { decoder.text($0, "a language") }
        if let language, let node = fields.present("language"), let key = contextKeys.first(where: { $0.id == "language" }),
           case .closed(let values) = key.kind, !values.contains(language) {
            decoder.error("unknown language '\(language)' for \(itemWhat)", at: node.location,
                          fix: Suggestions.hint(for: language, in: values) ?? "declared languages: \(values.joined(separator: ", "))")
        }
        let active = fields.present("active").flatMap { decodeWindow($0, what: itemWhat) }
        guard registered, let type, decoder.reference(type, kind: "content type", known: known("content type")),
              let title, let url
        else { return nil }
        return ContentItem(id: id.value, type: type.value, title: title, url: url, tags: tags, language: language,
                           active: active, location: id.location)
    }

    /// One content id or a list of them, each of which must be in the catalogue.
    mutating func contentReferences(_ node: YAMLNode, what: String) -> [Located<String>] {
        guard let ids = decoder.idList(node, "content") else { return [] }
        let catalogue = known("content")
        return ids.filter { decoder.reference($0, kind: "content", known: catalogue, context: " in \(what)") }
    }

    mutating func decodeWindow(_ node: YAMLNode, what: String) -> ActiveWindow? {
        guard let fields = decoder.fields(node, of: "the active window of \(what)", allowed: ["from", "until"]) else { return nil }
        var window = ActiveWindow()
        var ok = true
        for name in ["from", "until"] {
            guard let value = fields.present(name) else { continue }
            guard let text = decoder.text(value, "'\(name)'") else { ok = false; continue }
            guard let point = TimeParsing.timePoint(text) else {
                decoder.error("'\(name)' of \(what) is not a date or an RFC 3339 time: '\(text)'", at: value.location,
                              fix: "write 2026-11-01 or 2026-11-01T09:00:00+01:00")
                ok = false
                continue
            }
            if name == "from" { window.from = point } else { window.until = point }
        }
        if fields.present("from") == nil, fields.present("until") == nil {
            decoder.error("the active window of \(what) needs 'from', 'until' or both", at: node.location)
            return nil
        }
        if let from = window.from, let until = window.until,
           from.resolved(in: timeZone) >= until.resolved(in: timeZone) {
            decoder.error("'from' is not before 'until' in the active window of \(what)",
                          at: fields.present("until")?.location ?? node.location, fix: "'until' is exclusive: it must come later")
            return nil
        }
        return ok ? window : nil
    }
}
