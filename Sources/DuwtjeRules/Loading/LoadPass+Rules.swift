/// Decoding of conditions and rules, which need the whole vocabulary of the rule set.
extension LoadPass {
    /// `journey`: the position in ``journeys`` of the journey whose stages the condition may name.
    ///
    /// The vocabulary (journeys, personas, context keys and their values) is read where it stands,
    /// not copied: rule files are decoded on two threads that share it, and every copy of a
    /// journey's or a context key's definition retained and released its arrays and strings, an
    /// atomic operation on memory both cores wrote (issue 15: retains and releases were 40 % of the
    /// samples in `decodeRule`).
    mutating func decodeCondition(_ node: YAMLNode, journey: Int?, allowStage: Bool, what: @autoclosure () -> String) -> Condition? {
        guard let fields = decoder.fields(node, of: what(), names: allowStage ? Self.whenFields : Self.stageWhenFields) else { return nil }
        var condition = Condition(stages: nil, personas: nil, context: [], location: node.location)
        var ok = true
        if let stageNode = fields.present("stage") {
            if let ids = decoder.idList(stageNode, "stage") {
                if let journey {
                    for id in ids where !journeys[journey].stages.contains(where: { $0.id == id.value }) {
                        _ = decoder.reference(id, kind: "stage", known: journeys[journey].stages.lazy.map(\.id),
                                              context: " in journey '\(journeys[journey].id)'")
                        ok = false
                    }
                }
                condition.stages = ids
            } else {
                ok = false
            }
        }
        if let personaNode = fields.present("persona") {
            if let ids = decoder.idList(personaNode, "persona") {
                for id in ids where declared[Self.personaTable].index(forKey: id.value) == nil {
                    _ = decoder.reference(id, kind: "persona", known: known(table: Self.personaTable))
                    ok = false
                }
                condition.personas = ids
            } else {
                ok = false
            }
        }
        if let contextNode = fields.present("context") {
            if let pairs = contextNode.mapping {
                condition.context.reserveCapacity(pairs.count)
                for pair in pairs {
                    guard let key = decoder.id(pair.key, "context key") else { ok = false; continue }
                    guard let position = contextKeyPositions[key.value] else {
                        // Unknown, or declared with a mistake of its own (reported there).
                        _ = decoder.reference(key, kind: "context key", known: known("context key"))
                        ok = false
                        continue
                    }
                    if let test = decodeContextCondition(pair.value, position: position) {
                        condition.context.append(test)
                    } else {
                        ok = false
                    }
                }
            } else {
                decoder.error("'context' in \(what()) must be a mapping of context keys to conditions", at: contextNode.location)
                ok = false
            }
        }
        return ok ? condition : nil
    }

    static let operators = ["not", "prefix", "gte", "lte", "gt", "lt", "exists"]

    // The names of the mappings a rule file holds by the thousand, made ready once (``SchemaDecoder/FieldNames``).
    static let whenFields = SchemaDecoder.FieldNames(["stage", "persona", "context"])
    static let stageWhenFields = SchemaDecoder.FieldNames(["persona", "context"])
    static let operatorFields = SchemaDecoder.FieldNames(operators)
    static let recommendFields = SchemaDecoder.FieldNames(["content", "type", "tags", "limit"])
    static let nudgeFields = SchemaDecoder.FieldNames(["id", "message", "cta", "alternative", "cap", "type", "source", "dismiss_for"])
    static let ctaFields = SchemaDecoder.FieldNames(["label", "url"])
    static let capFields = SchemaDecoder.FieldNames(["max", "per"])
    static let variantFields = SchemaDecoder.FieldNames(["weight", "recommend", "nudge"])

    /// `position`: the key's place in ``contextKeys`` (read there, not copied: see ``decodeCondition(_:journey:allowStage:what:)``).
    mutating func decodeContextCondition(_ node: YAMLNode, position: Int) -> ContextCondition? {
        let keyID = contextKeys[position].id
        func what() -> String { "the condition on '\(keyID)'" }
        if node.isNull {
            decoder.error("\(what()) has no value", at: node.location, fix: "give a value, a list, or { exists: true }")
            return nil
        }
        if node.sequence != nil || node.scalar != nil {
            guard let values = contextScalars(node, position: position) else { return nil }
            return ContextCondition(key: keyID, tests: [.equals(values)], location: node.location)
        }
        guard let fields = decoder.fields(node, of: what(), names: Self.operatorFields) else { return nil }
        if fields.isEmpty {
            if node.mapping?.isEmpty ?? true {
                decoder.error("\(what()) is empty", at: node.location, fix: "use one of: " + Self.operators.joined(separator: ", "))
            }
            return nil
        }
        var tests: [ValueTest] = []
        var ok = true
        if let value = fields["not"] {
            if let values = contextScalars(value, position: position) { tests.append(.not(values)) } else { ok = false }
        }
        if let value = fields["prefix"] {
            if case .number = contextKeys[position].kind {
                decoder.error("'prefix' applies to text, but '\(keyID)' is a number", at: value.location, fix: "use gte, lte, gt or lt")
                ok = false
            } else if case .boolean = contextKeys[position].kind {
                decoder.error("'prefix' applies to text, but '\(keyID)' is a boolean", at: value.location)
                ok = false
            } else if let text = decoder.text(value, "'prefix'") {
                tests.append(.prefix(text))
            } else {
                ok = false
            }
        }
        var range = NumericRange()
        var hasRange = false
        for op in ["gte", "gt", "lte", "lt"] {
            guard let value = fields[op] else { continue }
            guard case .number = contextKeys[position].kind else {
                let typeName = contextKeys[position].kind.typeName
                decoder.error("'\(op)' compares numbers, but '\(keyID)' is \(typeName == "string" ? "text" : "a " + typeName)",
                              at: value.location, fix: "declare '\(keyID)' with `type: number`, or use a value or 'prefix'")
                ok = false
                continue
            }
            guard let number = decoder.number(value, "'\(op)'") else { ok = false; continue }
            hasRange = true
            switch op {
            case "gte": range.lower = number; range.lowerInclusive = true
            case "gt": range.lower = number; range.lowerInclusive = false
            case "lte": range.upper = number; range.upperInclusive = true
            default: range.upper = number; range.upperInclusive = false
            }
        }
        if fields["gte"] != nil, fields["gt"] != nil {
            decoder.error("\(what()) has both 'gte' and 'gt'", at: node.location, fix: "keep one lower bound")
            ok = false
        }
        if fields["lte"] != nil, fields["lt"] != nil {
            decoder.error("\(what()) has both 'lte' and 'lt'", at: node.location, fix: "keep one upper bound")
            ok = false
        }
        if hasRange { tests.append(.range(range)) }
        if let value = fields["exists"] {
            if let flag = decoder.bool(value, "'exists'") { tests.append(.exists(flag)) } else { ok = false }
        }
        return ok ? ContextCondition(key: keyID, tests: tests, location: node.location) : nil
    }

    /// One scalar or a list of scalars, each of the key's type (and a declared value of a closed key).
    /// `position`: the key's place in ``contextKeys``.
    mutating func contextScalars(_ node: YAMLNode, position: Int) -> [ContextScalar]? {
        let items = node.itemsOrSelf
        if items.isEmpty {
            decoder.error("an empty list matches nothing", at: node.location, fix: "list at least one value")
            return nil
        }
        let keyID = contextKeys[position].id
        let closed = makeClosedValueSet(position)
        var values: [ContextScalar] = []
        values.reserveCapacity(items.count)
        for item in items {
            if closed {
                guard let text = decoder.text(item, "a value of '\(keyID)'") else { return nil }
                // The set's own copy of the value is kept, looked up where the set stands.
                guard let index = closedValueSets[position]?.firstIndex(of: text), let value = closedValueSets[position]?[index] else {
                    let allowed: [String]
                    if case .closed(let list) = contextKeys[position].kind { allowed = list } else { allowed = [] }
                    decoder.error("unknown value '\(text)' for context key '\(keyID)'", at: item.location,
                                  fix: Suggestions.hint(for: text, in: allowed) ?? "its values are: \(allowed.joined(separator: ", "))")
                    return nil
                }
                values.append(.string(value))
                continue
            }
            switch contextKeys[position].kind {
            case .closed, .string:
                guard let text = decoder.text(item, "a value of '\(keyID)'") else { return nil }
                values.append(.string(text))
            case .number:
                guard let number = decoder.number(item, "a value of '\(keyID)'") else { return nil }
                values.append(.number(number))
            case .boolean:
                guard let flag = decoder.bool(item, "a value of '\(keyID)'") else { return nil }
                values.append(.bool(flag))
            }
        }
        return values
    }

    /// Whether the key at `position` is closed; if it is, its set of values is made (``closedValueSet(_:_:)``).
    mutating func makeClosedValueSet(_ position: Int) -> Bool {
        if position < closedValueSets.count, closedValueSets[position] != nil { return true }
        guard case .closed(let values) = contextKeys[position].kind else { return false }
        _ = closedValueSet(position, values)
        return true
    }

    /// The values of the closed key at `position` as a set, made on its first use.
    mutating func closedValueSet(_ position: Int, _ values: [String]) -> Set<String> {
        if position < closedValueSets.count, let known = closedValueSets[position] { return known }
        if position >= closedValueSets.count {
            closedValueSets += repeatElement(Set<String>?.none, count: position + 1 - closedValueSets.count)
        }
        let known = Set(values)
        closedValueSets[position] = known
        return known
    }

    // MARK: - Rules

    static let ruleFields = SchemaDecoder.FieldNames(["id", "description", "journey", "when", "recommend", "why", "nudge",
                                                      "priority", "exclusive", "active", "variants"])

    mutating func decodeRule(_ node: YAMLNode, order: Int) -> RuleDefinition? {
        guard let fields = decoder.fields(node, of: "a rule", names: Self.ruleFields) else { return nil }
        // A missing or invalid id does not stop the check: the rest of the rule is read too, so
        // that one run reports all its mistakes (rules.md 2: all errors of a load are reported).
        let name = identify(fields, kind: "rule", in: "a rule")
        var ok = name.id.map { declare($0, kind: "rule", table: Self.ruleTable) } ?? false

        // The journey's position, not a copy of its definition (see ``decodeCondition(_:journey:allowStage:what:)``).
        var journey: Int?
        if let journeyNode = fields.present("journey") {
            if let journeyID = decoder.id(journeyNode, "journey") {
                if let position = journeyPositions[journeyID.value] {
                    journey = position
                } else {
                    _ = decoder.reference(journeyID, kind: "journey", known: journeys.lazy.map(\.id))
                    ok = false
                }
            } else {
                ok = false
            }
        } else if journeys.count == 1 {
            journey = 0
        } else if journeys.isEmpty {
            decoder.error("\(name.what) has no journey to belong to: no journey is declared", at: name.location, fix: "declare a journey under 'journeys'")
            ok = false
        } else {
            decoder.error("missing required field 'journey' in \(name.what)", at: name.location,
                          fix: "there are \(journeys.count) journeys: " + journeys.map(\.id).joined(separator: ", "))
            ok = false
        }

        var when = Condition(stages: nil, personas: nil, context: [], location: node.location)
        if let whenNode = fields.present("when") {
            if let condition = decodeCondition(whenNode, journey: journey, allowStage: true, what: "the when of \(name.what)") {
                when = condition
            } else {
                ok = false
            }
        }
        var recommend: [RecommendItem] = []
        if let recommendNode = fields.present("recommend") {
            if let items = decodeRecommend(recommendNode, what: name.what) { recommend = items } else { ok = false }
        }
        let why = fields.present("why").flatMap { decoder.text($0, "'why'") }
        let description = fields.present("description").flatMap { decoder.text($0, "a description") }
        var nudge: NudgeDefinition?
        if let nudgeNode = fields.present("nudge") {
            nudge = decodeNudge(nudgeNode, what: name.what)
            if nudge == nil { ok = false }
        }
        var priority = 0
        if let priorityNode = fields.present("priority") {
            if let value = decoder.integer(priorityNode, "'priority'") { priority = value } else { ok = false }
        }
        var exclusive = false
        if let exclusiveNode = fields.present("exclusive") {
            if let value = decoder.bool(exclusiveNode, "'exclusive'") { exclusive = value } else { ok = false }
        }
        var active: ActiveWindow?
        if let activeNode = fields.present("active") {
            active = decodeWindow(activeNode, what: name.what)
            if active == nil { ok = false }
        }
        var variants: [VariantDefinition] = []
        if let variantsNode = fields.present("variants") {
            if let decoded = decodeVariants(variantsNode, what: name.what) { variants = decoded } else { ok = false }
        }
        guard ok, let id = name.id, let journey else { return nil }
        return RuleDefinition(id: id.value, description: description, journey: journeys[journey].id, when: when,
                              recommend: recommend, why: why, nudge: nudge, priority: priority, exclusive: exclusive,
                              active: active, variants: variants, location: id.location, order: order)
    }

    mutating func decodeRecommend(_ node: YAMLNode, what: @autoclosure () -> String) -> [RecommendItem]? {
        guard let items = node.sequence else {
            decoder.error("'recommend' of \(what()) must be a list", at: node.location, fix: "start each item with '- content:' or '- type:'")
            return nil
        }
        var result: [RecommendItem] = []
        result.reserveCapacity(items.count)
        var ok = true
        for item in items {
            func itemWhat() -> String { "a recommend item of \(what())" }
            guard let fields = decoder.fields(item, of: itemWhat(), names: Self.recommendFields) else {
                ok = false
                continue
            }
            let contentNode = fields.present("content")
            let typeNode = fields.present("type")
            switch (contentNode, typeNode) {
            case (let contentNode?, nil):
                for extra in ["tags", "limit"] where fields[extra] != nil {
                    decoder.error("'\(extra)' applies to a 'type' item, not to one 'content' item", at: fields.key(extra) ?? item.location)
                    ok = false
                }
                guard let id = decoder.id(contentNode, "content"), referContent(id) else { ok = false; continue }
                result.append(.content(id))
            case (nil, let typeNode?):
                guard let type = decoder.id(typeNode, "content type") else { ok = false; continue }
                guard declared[Self.contentTypeTable].index(forKey: type.value) != nil else {
                    _ = decoder.reference(type, kind: "content type", known: known(table: Self.contentTypeTable))
                    ok = false
                    continue
                }
                let tags = fields.present("tags").flatMap { decoder.textList($0, "a tag") } ?? []
                var limit = 1
                if let limitNode = fields.present("limit") {
                    guard let value = decoder.integer(limitNode, "'limit'") else { ok = false; continue }
                    guard value >= 1 else {
                        decoder.error("'limit' must be at least 1", at: limitNode.location)
                        ok = false
                        continue
                    }
                    limit = value
                }
                result.append(.query(type: type, tags: tags, limit: limit, location: item.location))
            case (.some, .some):
                decoder.error("\(itemWhat()) has both 'content' and 'type'", at: item.location, fix: "write them as two items")
                ok = false
            case (nil, nil):
                decoder.error("\(itemWhat()) needs 'content' (one item) or 'type' (items of a type)", at: item.location)
                ok = false
            }
        }
        return ok ? result : nil
    }

    mutating func decodeNudge(_ node: YAMLNode, what: @autoclosure () -> String) -> NudgeDefinition? {
        func nudgeWhat() -> String { "the nudge of \(what())" }
        guard let fields = decoder.fields(node, of: nudgeWhat(), names: Self.nudgeFields) else { return nil }
        let id = decoder.required(fields, "id", in: nudgeWhat()).flatMap { decoder.id($0, "nudge") }
        let registered = id.map { declare($0, kind: "nudge", table: Self.nudgeTable) } ?? false
        let message = decoder.required(fields, "message", in: nudgeWhat()).flatMap { decoder.text($0, "a message") }
        var ok = true
        var cta: CallToAction?
        if let ctaNode = fields.present("cta") {
            func ctaWhat() -> String { "the cta of \(nudgeWhat())" }
            if let ctaFields = decoder.fields(ctaNode, of: ctaWhat(), names: Self.ctaFields),
               let label = decoder.required(ctaFields, "label", in: ctaWhat()).flatMap({ decoder.text($0, "a label") }),
               let url = decoder.required(ctaFields, "url", in: ctaWhat()).flatMap({ decoder.text($0, "a url") }) {
                cta = CallToAction(label: label, url: url)
            } else {
                ok = false
            }
        }
        let alternative = fields.present("alternative").flatMap { decoder.text($0, "an alternative") }
        let source = fields.present("source").flatMap { decoder.text($0, "a source") }
        var type: Located<String>?
        if let typeNode = fields.present("type"), let name = decoder.text(typeNode, "a type") {
            if known("content type").contains(name) {
                type = Located(name, at: typeNode.location)
            } else {
                decoder.error("unknown content type '\(name)' for \(nudgeWhat())", at: typeNode.location,
                              fix: Suggestions.hint(for: name, in: known("content type")) ?? "declare it under content_types")
                ok = false
            }
        }
        var cap: Cap?
        if let capNode = fields.present("cap") {
            func capWhat() -> String { "the cap of \(nudgeWhat())" }
            if let capFields = decoder.fields(capNode, of: capWhat(), names: Self.capFields) {
                let max = decoder.required(capFields, "max", in: capWhat()).flatMap { decoder.integer($0, "'max'") }
                var per: Int64?
                if let perNode = decoder.required(capFields, "per", in: capWhat()), let text = decoder.text(perNode, "'per'") {
                    per = TimeParsing.duration(text)
                    if per == nil {
                        decoder.error("'per' is not a duration: '\(text)'", at: perNode.location, fix: "write a whole number and s, m, h or d, e.g. 7d")
                    }
                }
                if let max, max < 1, let maxNode = capFields.present("max") {
                    decoder.error("'max' must be at least 1", at: maxNode.location)
                    ok = false
                }
                if let max, let per, max >= 1 { cap = Cap(max: max, per: per) } else { ok = false }
            } else {
                ok = false
            }
        }
        var dismissFor: Int64?
        if let node = fields.present("dismiss_for"), let text = decoder.text(node, "'dismiss_for'") {
            if let seconds = TimeParsing.duration(text) {
                dismissFor = seconds
                if let cap, seconds < cap.per {
                    decoder.error("'dismiss_for' (\(text)) is shorter than the cap window (\(TimeParsing.format(duration: cap.per))) of \(nudgeWhat())",
                                  at: node.location, fix: "a dismissal must last at least as long as the cap's window")
                    ok = false
                }
            } else {
                decoder.error("'dismiss_for' is not a duration: '\(text)'", at: node.location, fix: "write a whole number and s, m, h or d, e.g. 30d")
                ok = false
            }
        }
        guard ok, registered, let id, let message else { return nil }
        return NudgeDefinition(id: id.value, message: message, cta: cta, alternative: alternative, cap: cap, type: type,
                               source: source, dismissFor: dismissFor, location: id.location)
    }

    mutating func decodeVariants(_ node: YAMLNode, what: @autoclosure () -> String) -> [VariantDefinition]? {
        guard let pairs = node.mapping, !pairs.isEmpty else {
            decoder.error("'variants' of \(what()) must be a mapping of variant ids to definitions", at: node.location)
            return nil
        }
        var variants: [VariantDefinition] = []
        var ok = true
        for pair in pairs {
            let id = decoder.id(pair.key, "variant")
            if id == nil { ok = false }
            let variantWhat = "variant '\(id?.value ?? pair.name)' of \(what())"
            guard let fields = decoder.fields(pair.value, of: variantWhat, names: Self.variantFields),
                  let weightNode = decoder.required(fields, "weight", in: variantWhat),
                  let weight = decoder.integer(weightNode, "'weight'")
            else { ok = false; continue }
            guard weight >= 1 else {
                decoder.error("'weight' of \(variantWhat) must be a positive whole number", at: weightNode.location)
                ok = false
                continue
            }
            var recommend: [RecommendItem]?
            if let recommendNode = fields.present("recommend") {
                recommend = decodeRecommend(recommendNode, what: variantWhat)
                if recommend == nil { ok = false }
            }
            var nudge = NudgeOverride.inherit
            if let nudgeNode = fields["nudge"] {
                if nudgeNode.isNull {
                    nudge = .remove
                } else if let replacement = decodeNudge(nudgeNode, what: variantWhat) {
                    nudge = .replace(replacement)
                } else {
                    ok = false
                }
            }
            guard let id else { continue }
            variants.append(VariantDefinition(id: id.value, weight: weight, recommend: recommend, nudge: nudge, location: id.location))
        }
        return ok ? variants : nil
    }
}
