import Dispatch
import Foundation
import Synchronization

/// One load of a rule set. Declarations are read from every file first, so that rules may refer
/// to journeys, personas and content declared in any file.
struct LoadPass {
    let limits: YAMLLimits
    let timeZone: TimeZone
    /// The store's retention in seconds, for the ethics checks.
    var retention = RuleSetLoader.defaultRetention
    var cancellation: LoadCancellation?
    /// The threads side work runs on (``LoadWorkers``); the system's when nil.
    var workers: LoadWorkers?
    /// Whether the warning pass runs (``RuleSetLoader/warnings``).
    var warnings = true
    var decoder = SchemaDecoder()

    var journeys: [JourneyDefinition] = []
    /// Each journey's position in `journeys`, by id: every rule names its journey.
    var journeyPositions: [String: Int] = [:]
    var stageWhens: [(journey: Int, stage: Int, node: YAMLNode)] = []
    var fallbackNodes: [(journey: Int, stage: Int?, node: YAMLNode)] = []
    var personas: [PersonaDefinition] = []
    var contentTypes: [ContentTypeDefinition] = []
    var contextKeys: [ContextKeyDefinition] = []
    /// Each context key's position in `contextKeys`, by id: rules test context keys by the thousand.
    var contextKeyPositions: [String: Int] = [:]
    /// How many content items and rules the files list (decoded or not), for the summary line.
    var contentCount = 0
    var ruleCount = 0
    var content: [ContentItem] = []
    var rules: [RuleDefinition] = []
    var register: RegisterDeclaration?

    /// Up to this much YAML, every file's tree is kept from the first read to the last; above it,
    /// files are parsed again for each phase (see ``run(_:)``).
    var keepTreesUpTo = 16 << 20

    /// First place of every id, per kind (``declaredKinds``), to report duplicates with both places.
    /// An array of tables, not a dictionary of them: a dictionary hashed the kind again for every
    /// id declared or looked up (some 60,000 times at 10,000 rules).
    var declared = [[String: SourceLocation]](repeating: [:], count: LoadPass.declaredKinds.count)

    static let declaredKinds = ["journey", "persona", "content type", "context key", "content", "rule", "nudge"]

    /// The tables of the kinds rules declare and refer to by the thousand: found once, not by
    /// comparing the kind's name with each of ``declaredKinds`` for every id.
    static let personaTable = declaredTable("persona")
    static let contentTypeTable = declaredTable("content type")
    static let contentTable = declaredTable("content")
    static let ruleTable = declaredTable("rule")
    static let nudgeTable = declaredTable("nudge")

    /// The table of `kind`'s ids: the kinds are a handful of short names, compared faster than hashed.
    static func declaredTable(_ kind: String) -> Int {
        declaredKinds.firstIndex(of: kind) ?? declaredKinds.count - 1
    }

    /// Each closed context key's values as a set, made on first use: a rule's value is looked up
    /// there instead of in the list (5,000 `process` values at 100,000 rules made the linear search
    /// 8% of a load), and the set's own copy is kept, so a value written in many rules is stored once.
    /// By the key's position in ``contextKeys``: keyed by its id, each value hashed the id too.
    var closedValueSets: [Set<String>?] = []

    /// While rule files are decoded side by side, the rule and nudge ids met, in order, to be
    /// declared afterwards (see ``decodeRuleFiles(_:from:)``); nil otherwise.
    var deferredClaims: [DeferredClaim]?

    init(limits: YAMLLimits, timeZone: TimeZone) {
        self.limits = limits
        self.timeZone = timeZone
    }

    static let topLevelKeys = SchemaDecoder.FieldNames(["journeys", "personas", "content_types", "context", "content", "rules", "register"])
    static let contentFields = SchemaDecoder.FieldNames(["id", "type", "title", "url", "tags", "language", "active", "description"])
    static let windowFields = SchemaDecoder.FieldNames(["from", "until"])


    /// Reads the vocabulary first, then the content items (which need it), then the rules (which
    /// need both). A small set keeps every file's YAML tree between these phases. A large one holds
    /// the trees of only a few files at once and parses again for each phase: holding them all
    /// took 660 MB at 100,000 rules (52 MB of YAML), parsing three times costs about 60% more CPU.
    ///
    /// Each file's bytes are let go (emptied in `files`) once it has been parsed for the last time,
    /// so a large set's bytes are not all held while its definition grows (52 MB at 100,000 rules).
    mutating func run(_ files: inout [RuleFile]) -> RuleSetDefinition? {
        let paths = files.map(\.path)
        var contentFiles: [Int] = []
        var ruleFiles: [Int] = []
        var kept: [String: YAMLReader.Result]? = files.reduce(0) { $0 + $1.bytes.count } <= keepTreesUpTo ? [:] : nil
        Self.readEach(&files, Array(files.indices), limits: limits, keepsTrees: kept != nil, keepsAll: kept != nil,
                      cancellation: cancellation, workers: workers) { read, index in
            decoder.diagnostics += read.diagnostics
            guard let document = read.document else { return true }
            let parts = readDeclarations(document)
            if parts.content { contentFiles.append(index) }
            if parts.rules { ruleFiles.append(index) }
            if parts.content || parts.rules { kept?[paths[index]] = read }
            return kept != nil || !(parts.content || parts.rules)
        }
        guard !stoppedByCancellation() else { return nil }
        // Counted in the first read: the arrays get their final size at once instead of doubling
        // (at 100,000 rules the last doubling alone left 31,000 rules' worth of unused room).
        rules.reserveCapacity(ruleCount)
        declared[Self.declaredTable("rule")].reserveCapacity(ruleCount)
        declared[Self.declaredTable("nudge")].reserveCapacity(ruleCount)
        // With the trees at hand, the rule files are decoded side by side on the queue's threads
        // while this thread reads the content (the content ids rules name are checked when their
        // results are taken, below).
        var ruleDecoding = kept.map { kept in
            startDecodingRuleFiles(ruleFiles.map { kept[paths[$0]]?.document }, from: 0)
        }
        defer { ruleDecoding?.queue.finish() }
        content.reserveCapacity(contentCount)
        // Room for every content, rule and nudge id at once, instead of rehashing as the tables grow.
        declared[Self.declaredTable("content")].reserveCapacity(contentCount)
        let ruleFileSet = Set(ruleFiles)
        Self.readEach(&files, contentFiles, limits: limits, kept: kept, cancellation: cancellation, workers: workers) { read, index in
            for node in Self.section("content", of: read.document) {
                if let item = decodeContent(node) { content.append(item) }
            }
            return !ruleFileSet.contains(index)
        }
        for (journeyIndex, stageIndex, node) in stageWhens {
            let what = "the when of stage '\(journeys[journeyIndex].stages[stageIndex].id)'"
            journeys[journeyIndex].stages[stageIndex].when = decodeCondition(node, journey: journeyIndex,
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
        var order = 0
        guard !stoppedByCancellation() else { return nil }
        if let kept, let decoding = ruleDecoding {
            ruleDecoding = nil
            order = finishDecodingRuleFiles(decoding)
            for index in ruleFiles where kept[paths[index]] != nil { files[index].bytes = [] }
        } else {
            // A large set is parsed a window at a time; its rules are decoded as they come.
            Self.readEach(&files, ruleFiles, limits: limits, cancellation: cancellation, workers: workers) { read, _ in
                for node in Self.section("rules", of: read.document) {
                    if let rule = decodeRule(node, order: order) { rules.append(rule) }
                    order += 1
                }
                return true
            }
        }
        let definition = RuleSetDefinition(journeys: journeys, personas: personas, contentTypes: contentTypes,
                                           contextKeys: contextKeys, content: content, rules: rules,
                                           files: paths, version: "", register: register)
        guard !stoppedByCancellation() else { return nil }
        if warnings, !decoder.diagnostics.hasErrors {
            var warnings = WarningPass(definition: definition, timeZone: timeZone, retention: retention)
            warnings.run()
            decoder.diagnostics += warnings.diagnostics
        }
        return definition
    }

    /// Whether the load was cancelled; if so, records that as the error that keeps the result from
    /// being used (a parse it interrupted may have recorded it already).
    mutating func stoppedByCancellation() -> Bool {
        guard let cancellation, cancellation.isCancelled else { return false }
        if !decoder.diagnostics.contains(where: { $0.message == YAMLReader.cancelledMessage }) {
            decoder.error(YAMLReader.cancelledMessage, at: SourceLocation(file: "", line: 0, column: 0))
        }
        return true
    }

    /// The items of a top-level list, as the first read found them (its diagnostics were kept then).
    static func section(_ name: String, of document: YAMLNode?) -> [YAMLNode] {
        document?.mapping?.value(named: name)?.sequence.map(Array.init) ?? []
    }

    /// Parses the YAML of the files at `indices` on as many threads as there are cores (parsing is
    /// most of a load; ``InOrderQueue``), and hands each result to `body` in the files' order, so
    /// diagnostics and declarations come out exactly as a one-by-one read would give them. With
    /// `kept`, the trees of a first read are handed over instead. When `body` returns true the file
    /// is not read again: its bytes are let go.
    ///
    /// `keepsAll`: `body` keeps every tree (the first read of a small set), so the threads may parse
    /// ahead as far as they like; otherwise no more trees are held at once than there are cores,
    /// the one `body` is reading included.
    ///
    /// `keepsTrees` false: the trees are looked at and dropped (the first read of a large set), so
    /// their long texts are not worth storing once per file (``YAMLReader/read(_:file:limits:shareTexts:cancellation:)``).
    static func readEach(_ files: inout [RuleFile], _ indices: [Int], limits: YAMLLimits,
                         kept: [String: YAMLReader.Result]? = nil, keepsTrees: Bool = true, keepsAll: Bool = false,
                         cancellation: LoadCancellation? = nil, workers: LoadWorkers? = nil,
                         _ body: (YAMLReader.Result, Int) -> Bool) {
        if let kept {
            for index in indices {
                if let read = kept[files[index].path], body(read, index) { files[index].bytes = [] }
            }
            return
        }
        let window = keepsAll ? indices.count : max(1, ProcessInfo.processInfo.activeProcessorCount)
        // The queue's copy of each file is let go once the file is parsed (the caller's, below, once
        // `body` allows it), so the bytes go with the parse.
        let inputs = FileInputs(indices.map { files[$0] })
        let queue = InOrderQueue<YAMLReader.Result>(count: indices.count, window: window, workers: workers) { offset in
            let file = inputs.take(offset)
            return YAMLReader.read(file.bytes, file: file.path, limits: limits, shareTexts: keepsTrees, cancellation: cancellation)
        }
        defer { queue.finish() }
        for (offset, index) in indices.enumerated() {
            if cancellation?.isCancelled == true { return }
            if let read = queue.take(offset), body(read, index) { files[index].bytes = [] }
            queue.handBack()
        }
    }

    /// The files a ``readEach`` parses, each taken out by the thread that parses it.
    final class FileInputs: Sendable {
        private let files: Mutex<[RuleFile]>

        init(_ files: [RuleFile]) {
            self.files = Mutex(files)
        }

        func take(_ index: Int) -> RuleFile {
            files.withLock { files in
                defer { files[index].bytes = [] }
                return files[index]
            }
        }
    }

    // MARK: - Declarations

    /// Records an id of `kind`; a second declaration is an error naming the first place.
    mutating func declare(_ id: Located<String>, kind: String, table: Int? = nil) -> Bool {
        let table = table ?? Self.declaredTable(kind)
        if deferredClaims != nil, table == Self.ruleTable || table == Self.nudgeTable {
            deferredClaims?.append(DeferredClaim(id: id, kind: kind, table: table, diagnosticIndex: decoder.diagnostics.count))
            return true
        }
        // One hash for an id seen first (nearly all of them); a repeat puts the first place back.
        guard let first = declared[table].updateValue(id.location, forKey: id.value) else { return true }
        declared[table][id.value] = first
        decoder.error("duplicate \(kind) id '\(id.value)' (first declared at \(first))", at: id.location,
                      fix: "ids of a kind are unique across all files")
        return false
    }

    /// A content id a rule's recommend item names, which must be in the catalogue. While rule files
    /// are decoded side by side (``decodeRuleFiles(_:from:)``) the catalogue is still being read on
    /// the loader's thread: the reference is noted like a rule id (``DeferredClaim``) and checked
    /// when the file's results are taken, at the same place among its diagnostics.
    mutating func referContent(_ id: Located<String>) -> Bool {
        if deferredClaims != nil {
            deferredClaims?.append(DeferredClaim(id: id, kind: "content", table: Self.contentTable,
                                                 diagnosticIndex: decoder.diagnostics.count, isReference: true))
            return true
        }
        return decoder.reference(id, kind: "content", known: known(table: Self.contentTable))
    }

    /// An entry's id, and how messages name the entry: by its id, or when the id is missing or
    /// invalid, by what was written and where, so the entry's other mistakes can still be reported.
    mutating func identify(_ fields: SchemaDecoder.Fields, kind: String, label: String? = nil, in what: @autoclosure () -> String)
        -> EntryName {
        let label = label ?? kind
        guard let idNode = decoder.required(fields, "id", in: what()) else {
            return EntryName(id: nil, location: fields.node.location, label: label, written: nil)
        }
        if let id = decoder.id(idNode, kind) { return EntryName(id: id, location: id.location, label: label, written: nil) }
        return EntryName(id: nil, location: idNode.location, label: label, written: idNode.scalar?.text ?? "?")
    }

    /// ``identify(_:kind:label:in:)``'s answer. How messages name the entry (``what``) is put into
    /// words only when a message needs it: "rule '…'" was made for every rule read. A class: the
    /// closures that name the entry for messages capture it, and as a struct it was copied (each of
    /// its strings retained) wherever one was handed on.
    final class EntryName {
        let id: Located<String>?
        /// Where the entry's id is, or the entry itself when it has none.
        let location: SourceLocation
        let label: String
        /// The invalid id as written; nil when the id is valid or missing.
        let written: String?

        init(id: Located<String>?, location: SourceLocation, label: String, written: String?) {
            self.id = id
            self.location = location
            self.label = label
            self.written = written
        }

        var what: String {
            if let id { return "\(label) '\(id.value)'" }
            if let written { return "\(label) '\(written)'" }
            return "the \(label) without an id at line \(location.line)"
        }
    }

    func known(_ kind: String) -> Dictionary<String, SourceLocation>.Keys {
        declared[Self.declaredTable(kind)].keys
    }

    /// The ids declared in the table at `table` (``personaTable`` and the others).
    func known(table: Int) -> Dictionary<String, SourceLocation>.Keys {
        declared[table].keys
    }

    /// Reads the vocabulary of one file and counts its content items and rules (decoded later).
    mutating func readDeclarations(_ document: YAMLNode) -> (content: Bool, rules: Bool) {
        guard let top = decoder.fields(document, of: "a rule file", names: Self.topLevelKeys) else { return (false, false) }
        if let node = top.present("journeys") { eachEntry(node, "journeys") { $0.readJourney($1, $2) } }
        if let node = top.present("personas") { eachEntry(node, "personas") { $0.readPersona($1, $2) } }
        if let node = top.present("content_types") { eachEntry(node, "content_types") { $0.readContentType($1, $2) } }
        if let node = top.present("context") { eachEntry(node, "context") { $0.readContextKey($1, $2) } }
        if let node = top.present("register"), let key = top.key("register") { readRegister(node, at: key) }
        let content = top.present("content").map { list($0, "content").count } ?? 0
        let rules = top.present("rules").map { list($0, "rules").count } ?? 0
        contentCount += content
        ruleCount += rules
        return (content > 0, rules > 0)
    }

    /// The `register:` section; a set has at most one.
    mutating func readRegister(_ node: YAMLNode, at key: SourceLocation) {
        if let first = register {
            decoder.error("a rule set has one 'register' (first at \(first.location))", at: key,
                          fix: "merge the two into one register: section")
            return
        }
        guard let fields = decoder.fields(node, of: "the register", allowed: RegisterDeclaration.allKeys) else { return }
        var declaration = RegisterDeclaration(texts: [:], lists: [:], links: [:], location: key)
        for field in fields.fields where !field.value.isNull {
            if RegisterDeclaration.textKeys.contains(field.name) {
                if let text = decoder.text(field.value, "'\(field.name)'") {
                    declaration.texts[field.name] = Located(text, at: field.value.location)
                }
            } else if RegisterDeclaration.listKeys.contains(field.name) {
                if let list = decoder.textList(field.value, "an item of '\(field.name)'") {
                    declaration.lists[field.name] = Located(list, at: field.value.location)
                }
            } else {
                declaration.links[field.name] = registerLinks(field.value, field.name)
            }
        }
        register = declaration
    }

    mutating func registerLinks(_ node: YAMLNode, _ key: String) -> [RegisterDeclaration.Link] {
        list(node, key).compactMap { item in
            let what = "an item of '\(key)'"
            guard let fields = decoder.fields(item, of: what, allowed: ["title", "link"]),
                  let title = decoder.required(fields, "title", in: what).flatMap({ node in decoder.text(node, "a title").map { Located($0, at: node.location) } }),
                  let link = decoder.required(fields, "link", in: what).flatMap({ node in decoder.text(node, "a link").map { Located($0, at: node.location) } })
            else { return nil }
            return RegisterDeclaration.Link(title: title, link: link)
        }
    }

    /// The entries of a mapping keyed by id.
    mutating func eachEntry(_ node: YAMLNode, _ section: String, _ body: (inout LoadPass, YAMLNode, YAMLNode) -> Void) {
        guard let pairs = node.mapping else {
            decoder.error("'\(section)' must be a mapping of ids to definitions, not \(node.kindDescription)", at: node.location)
            return
        }
        for pair in pairs { body(&self, pair.key, pair.value) }
    }

    mutating func list(_ node: YAMLNode, _ section: String) -> YAMLNode.Items {
        guard let items = node.sequence else {
            decoder.error("'\(section)' must be a list, not \(node.kindDescription)", at: node.location, fix: "start each entry with '- '")
            return node.noItems
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
        journeyPositions[journey.id] = journeys.count
        journeys.append(journey)
    }

    mutating func readPersona(_ key: YAMLNode, _ node: YAMLNode) {
        guard let id = decoder.id(key, "persona"), declare(id, kind: "persona"),
              let fields = decoder.fields(node, of: "persona '\(id.value)'", allowed: ["label", "description", "vulnerable"])
        else { return }
        let vulnerable = fields.present("vulnerable").flatMap { decoder.bool($0, "'vulnerable'") } ?? false
        personas.append(PersonaDefinition(id: id.value, label: decoder.optionalText(fields["label"], "a label"),
                                          description: decoder.optionalText(fields["description"], "a description"),
                                          vulnerable: vulnerable, location: id.location))
    }

    mutating func readContentType(_ key: YAMLNode, _ node: YAMLNode) {
        guard let id = decoder.id(key, "content type"), declare(id, kind: "content type"),
              let fields = decoder.fields(node, of: "content type '\(id.value)'", allowed: ["label", "description", "persuasive"])
        else { return }
        let persuasive = fields.present("persuasive").flatMap { decoder.bool($0, "'persuasive'") } ?? false
        contentTypes.append(ContentTypeDefinition(id: id.value, label: decoder.optionalText(fields["label"], "a label"),
                                                  persuasive: persuasive, location: id.location))
    }

    /// A context key's `description`, else its `label`.
    mutating func describe(_ fields: SchemaDecoder.Fields) -> String? {
        decoder.optionalText(fields["description"], "a description") ?? decoder.optionalText(fields["label"], "a label")
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
            contextKeyPositions[id.value] = contextKeys.count
            contextKeys.append(ContextKeyDefinition(id: id.value, kind: .closed(list), location: id.location,
                                                    description: describe(fields)))
        } else if let type {
            guard let name = decoder.text(type, "the type of \(what)") else { return }
            let kinds: [String: ContextKeyKind] = ["string": .string, "number": .number, "boolean": .boolean]
            guard let kind = kinds[name] else {
                decoder.error("unknown type '\(name)' for \(what)", at: type.location,
                              fix: Suggestions.hint(for: name, in: kinds.keys) ?? "use string, number or boolean")
                return
            }
            contextKeyPositions[id.value] = contextKeys.count
            contextKeys.append(ContextKeyDefinition(id: id.value, kind: kind, location: id.location, description: describe(fields)))
        } else {
            decoder.error("\(what) needs 'values' (a closed list) or 'type' (string, number or boolean)", at: id.location)
        }
    }

    // MARK: - Content

    mutating func decodeContent(_ node: YAMLNode) -> ContentItem? {
        let what = "a content item"
        guard let fields = decoder.fields(node, of: what, names: Self.contentFields)
        else { return nil }
        let name = identify(fields, kind: "content", label: "content item", in: what)
        let registered = name.id.map { declare($0, kind: "content") } ?? false
        // Put into words only for a message (as a rule's name is): "content item '…'" was made for
        // every item read, on the loader's thread.
        func itemWhat() -> String { name.what }
        let type = decoder.required(fields, "type", in: itemWhat()).flatMap { decoder.id($0, "content type") }
        let title = decoder.required(fields, "title", in: itemWhat()).flatMap { decoder.text($0, "a title") }
        let url = decoder.required(fields, "url", in: itemWhat()).flatMap { decoder.text($0, "a url") }
        let tags = fields.present("tags").flatMap { decoder.textList($0, "a tag") } ?? []
        let language = fields.present("language").flatMap { decoder.text($0, "a language") }
        if let language, let node = fields.present("language"), let key = contextKeyPositions["language"].map({ contextKeys[$0] }),
           case .closed(let values) = key.kind, !values.contains(language) {
            decoder.error("unknown language '\(language)' for \(itemWhat())", at: node.location,
                          fix: Suggestions.hint(for: language, in: values) ?? "declared languages: \(values.joined(separator: ", "))")
        }
        let active = fields.present("active").flatMap { decodeWindow($0, what: itemWhat()) }
        guard registered, let id = name.id, let type, decoder.reference(type, kind: "content type", known: known("content type")),
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

    mutating func decodeWindow(_ node: YAMLNode, what: @autoclosure () -> String) -> ActiveWindow? {
        guard let fields = decoder.fields(node, of: "the active window of \(what())", names: Self.windowFields) else { return nil }
        var window = ActiveWindow()
        var ok = true
        for name in ["from", "until"] {
            guard let value = fields.present(name) else { continue }
            guard let text = decoder.text(value, "'\(name)'") else { ok = false; continue }
            guard let point = TimeParsing.timePoint(text) else {
                decoder.error("'\(name)' of \(what()) is not a date or an RFC 3339 time: '\(text)'", at: value.location,
                              fix: "write 2026-11-01 or 2026-11-01T09:00:00+01:00")
                ok = false
                continue
            }
            if name == "from" { window.from = point } else { window.until = point }
        }
        if fields.present("from") == nil, fields.present("until") == nil {
            decoder.error("the active window of \(what()) needs 'from', 'until' or both", at: node.location)
            return nil
        }
        if let from = window.from, let until = window.until,
           from.resolved(in: timeZone) >= until.resolved(in: timeZone) {
            decoder.error("'from' is not before 'until' in the active window of \(what())",
                          at: fields.present("until")?.location ?? node.location, fix: "'until' is exclusive: it must come later")
            return nil
        }
        return ok ? window : nil
    }
}
