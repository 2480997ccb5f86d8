extension RuleSet {
    /// The journey a request is for, by position.
    func journeyPosition(of request: EvaluationRequest) throws(EvaluationError) -> Int {
        // Looked up borrowed where the request holds it (see `resolve`).
        if let index = journeyIndex[request.journey] { return index }
        if let id = request.journey {
            throw .unknownJourney(id, suggestion: Suggestions.hint(for: id, in: journeyIndex.keys))
        } else if journeys.count == 1 {
            return 0
        } else {
            throw .journeyRequired(known: journeys.map(\.id))
        }
    }

    /// Runs `body` with the facts of `request` for the journey at `position`. Their value numbers are
    /// kept in temporary storage (on the stack when small) for the length of `body` only, and the
    /// context values are read where the request holds them: a copy of each value per key, and
    /// destroying the copies after, cost ~300 instructions a request. The request's warnings are
    /// handed to `body` to keep: in the facts, they were copied out (retained) and the facts
    /// destroyed after (released), and the facts now hold no reference at all.
    func withFacts<Result>(of request: EvaluationRequest, journey position: Int,
                           _ body: (EvaluationRequest, Facts, [String]) -> Result) -> Result {
        let keyCount = contextKeys.count
        return request.context.withEntries { entries in
            let capacity = RequestValueNumbers.capacity(for: entries, keyCount: keyCount)
            return withUnsafeTemporaryAllocation(of: Int32.self, capacity: capacity) { storage in
                // The warnings are written into a variable of this closure: returned beside the facts,
                // the pair was destroyed through the runtime's generic `tuple_destroy` (~80
                // instructions an evaluation for one array's release).
                var warnings: [String] = []
                let facts = resolve(request, journey: position, entries: entries,
                                    numbers: RequestValueNumbers(storage, keyCount: keyCount), warnings: &warnings)
                return body(request, facts, warnings)
            }
        }
    }

    /// The facts of `request`, whose context entries are `entries` (each key's value numbered, and
    /// where it stands, in `numbers`); the warnings for the ids it names that the set lacks are
    /// appended to `warnings`.
    func resolve(_ request: EvaluationRequest, journey journeyPosition: Int,
                 entries: UnsafeBufferPointer<RequestContext.Entry>, numbers: RequestValueNumbers,
                 warnings: inout [String]) -> Facts {
        var numbers = numbers
        let journey = journeys[journeyPosition]
        // The optional ids are looked up borrowed where the request holds them (`if let` copied each).
        let persona = personaIndex[request.persona]
        if persona == nil, let id = request.persona { warnings.append(unknown(.persona, id, in: personaHints)) }
        // The stage first (it reads no context value; its warning is still written after the context's),
        // so that the lines the walk and the signals read next are asked for before the value lookups
        // wait for theirs (``CompiledJourney/prefetchWalkStart(stage:named:persona:)``).
        var stage = journey.stagePosition(of: request.stage, prefetchingFor: persona)
        if numberValues(entries, into: &numbers) { renumber(entries: entries, numbers: &numbers, warnings: &warnings) }
        var stageUnknown = false
        let source: Answer.StageSource
        if stage != nil {
            source = .request
        } else if let id = request.stage {
            stageUnknown = true
            source = .request
            warnings.append(unknown(.stage, id, in: journey.stageHints, name: journey.id))
        } else {
            // Signals match context conditions only: the language is not needed (a copy of it was
            // retained and released).
            let partial = Facts(journey: journeyPosition, stage: nil, stageUnknown: false, stageSource: .default, persona: persona,
                                entries: entries, numbers: numbers, languageKey: -1)
            let signalled = journey.withMatch { match in journey.signalledStage(match, partial) }
            stage = signalled ?? 0
            source = signalled == nil ? .default : .signals
        }
        let language = languageKey.flatMap { numbers.entry(of: $0) != nil ? $0 : nil } ?? -1
        return Facts(journey: journeyPosition, stage: stage, stageUnknown: stageUnknown, stageSource: source, persona: persona,
                     entries: entries, numbers: numbers, languageKey: language)
    }

    /// Numbers each context value of `entries` into `numbers`; true when some value, or a key the
    /// set lacks, is left for ``renumber(entries:numbers:warnings:)``, which writes the warnings.
    ///
    /// Keys and values are read where the request holds them: bound to variables, each was copied
    /// (a retain and a release) for the length of the loop.
    ///
    /// Each value is numbered by code that calls nothing it does not inline (``ValueNumbers/plainNumber(of:in:)``):
    /// with a call out (the dictionary's fallback, a string comparison, a warning) anywhere while
    /// the value is read, the compiler copied it from the request first (retaining its strings
    /// and list) and destroyed the copy after, ~370 instructions an evaluation. What that code
    /// cannot decide, and a closed key's value outside its declared ones, is done again the full
    /// way after the loop (`pending`), with the warnings.
    ///
    /// A function of its own, not inlined into `resolve`: in one function with the rest of
    /// `resolve` the optimiser did not inline the persona's `IDTable` lookup (a call with its frame,
    /// ~75 instructions a request). No warning is written here (a key the set lacks is left to
    /// `renumber`, as ~2 % of the benchmark's requests have one): with the warning's code inlined
    /// (the hint's search, the text) the function was too large for the optimiser to inline
    /// ``IDTable/plainIndex(of:)`` (a call for each text, with its frame and spills).
    @inline(never)
    private func numberValues(_ entries: UnsafeBufferPointer<RequestContext.Entry>, into numbers: inout RequestValueNumbers) -> Bool {
        var pending = false
        for position in entries.indices {
            guard let index = contextKeyIndex[entries[position].key] else {
                pending = true
                continue
            }
            // Each text is looked up once: its number serves the closed key's check, the index and the walk.
            numbers.start(key: index, entry: position)
            let key = valueNumbers.keys[index]
            let table = key.table
            let declared = key.declared
            let closed = key.closed
            switch entries[position].value {
            case .scalar(let element):
                let number = ValueNumbers.plainNumber(of: element, in: table)
                if number == ValueNumbers.undecided || closed && !declared.contains(number) { pending = true }
                numbers.append(number, key: index)
            case .list(let elements):
                for element in elements.indices {
                    let number = ValueNumbers.plainNumber(of: elements[element], in: table)
                    if number == ValueNumbers.undecided || closed && !declared.contains(number) { pending = true }
                    numbers.append(number, key: index)
                }
            }
        }
        return pending
    }

    /// The full way for what ``numberValues(_:into:)`` left pending: each text looked up through
    /// ``IDTable/subscript(_:)`` (the dictionary for what is not ASCII) in place of an undecided
    /// number, a warning for each value of a closed key outside its declared ones and for each key
    /// the set lacks, in the order of their keys (then of the entries and their elements), appended
    /// to `warnings`.
    ///
    /// The context's warnings are gathered here only: an empty array of them in `resolve`, for
    /// every request, cost its checks and a release (~40 instructions an evaluation).
    @inline(never)
    private func renumber(entries: UnsafeBufferPointer<RequestContext.Entry>, numbers: inout RequestValueNumbers,
                          warnings: inout [String]) {
        var contextWarnings: [(key: String, text: String)] = []
        for position in entries.indices {
            guard let index = contextKeyIndex[entries[position].key] else {
                let key = entries[position].key
                contextWarnings.append((key, unknown(.contextKey, key, in: contextKeyHints)))
                continue
            }
            let table = valueNumbers.keys[index].table
            var element = 0
            entries[position].value.forEach { scalar in
                defer { element += 1 }
                guard case .string(let text) = scalar else { return }
                var number = numbers[index][element]
                if number == ValueNumbers.undecided {
                    number = table?[text].map(Int32.init) ?? ValueNumbers.unknownText
                    numbers.replace(element: element, of: index, with: number)
                }
                // The declared numbers first (plain ranges): the hints, read first, were copied (their
                // list retained and released) for every declared value of a closed key.
                if !valueNumbers.keys[index].declared.contains(number), let hints = closedValueHints[index] {
                    let key = entries[position].key
                    contextWarnings.append((key, unknown(.value, text, in: hints, name: key)))
                }
            }
        }
        // A dictionary's order follows the process's hash seed: context warnings are put in the
        // order of their keys, so that every process answers the same bytes (api.md, Warnings).
        if contextWarnings.count > 1 {
            // Stable for one key's list values, which keep the order they were sent in.
            contextWarnings = contextWarnings.enumerated()
                .sorted { ($0.element.key, $0.offset) < ($1.element.key, $1.offset) }.map(\.element)
        }
        // One at a time: `append(contentsOf:)` of the texts' lazy map went through the generic
        // sequence path (~880 instructions for a warning or two).
        for index in contextWarnings.indices { warnings.append(contextWarnings[index].text) }
    }

    /// A warning for an id the rule set does not know, at `site` (under `name`, the context key or
    /// the journey's id, for the sites that have one), written afresh for each request: evaluation
    /// keeps nothing between requests, not even a cache (docs/architecture.md; why a remembered
    /// warning was not kept: Benchmarks/README.md, "req11").
    func unknown(_ site: UnknownIDSite, _ id: String, in known: Suggestions.Vocabulary, name: String = "") -> String {
        unknown(site.kind, id, in: known, of: site.words.map { ($0, name) })
    }

    /// A warning for an id the rule set does not know. The "did you mean" hint is computed only
    /// against vocabularies of at most `Suggestions.requestPathLimit` ids (``Suggestions/Vocabulary``):
    /// on the request path a hint must not cost more than the answer (a 5,000-value vocabulary cost
    /// ~30 µs per unknown value); `duwtje check` has no such bound. `context` is what the id was
    /// looked for in (`" in journey '"` and the journey's id, closed by a quote).
    ///
    /// Written into the string's own storage at its final length, each piece copied whole: an array
    /// of bytes appended to piece by piece (the UTF-8 view appended a byte at a time) and then made a
    /// `String` cost ~2,500 instructions a warning; appending to a `String` cost more. The hint is
    /// written here from the ids it offers, as ``Suggestions/hint(_:)`` writes it (`did you mean 'a'
    /// or 'b'?`): its own text, made first and copied in, cost an allocation and its appends.
    ///
    /// Not inlined: in `resolve` (persona, stage) its code made the function larger for the ~6 % of
    /// requests that need it.
    @inline(never)
    func unknown(_ kind: String, _ id: String, in known: Suggestions.Vocabulary, of context: (String, String)? = nil) -> String {
        let near = known.nearest(to: id) ?? []
        var count = 12 + kind.utf8.count + id.utf8.count + (context.map { $0.0.utf8.count + $0.1.utf8.count + 1 } ?? 0)
        if !near.isEmpty {
            // " (did you mean " and "?)", each id quoted, " or " between them.
            count += 17 + near.count * 2 + (near.count - 1) * 4
            for candidate in near { count += candidate.utf8.count }
        }
        return String(unsafeUninitializedCapacity: count) { text in
            var written = 0
            Self.put("unknown ", into: text, at: &written)
            Self.put(kind, into: text, at: &written)
            Self.put(" '", into: text, at: &written)
            Self.put(id, into: text, at: &written)
            Self.put("'", into: text, at: &written)
            if let (words, name) = context {
                Self.put(words, into: text, at: &written)
                Self.put(name, into: text, at: &written)
                Self.put("'", into: text, at: &written)
            }
            if !near.isEmpty {
                Self.put(" (did you mean ", into: text, at: &written)
                for index in near.indices {
                    Self.put(index == 0 ? "'" : " or '", into: text, at: &written)
                    Self.put(near[index], into: text, at: &written)
                    Self.put("'", into: text, at: &written)
                }
                Self.put("?)", into: text, at: &written)
            }
            return written
        }
    }

    /// Copies the UTF-8 of `piece` into `text` at `written`, which it moves past the piece. Not a
    /// function nested in the closure above: one that captured `written` had every access to it
    /// checked for exclusivity at run time.
    private static func put(_ piece: String, into text: UnsafeMutableBufferPointer<UInt8>, at written: inout Int) {
        let count = piece.utf8.withContiguousStorageIfAvailable { bytes in
            UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: text[written...])).copyMemory(from: UnsafeRawBufferPointer(bytes))
            return bytes.count
        }
        if let count {
            written &+= count
        } else {
            for byte in piece.utf8 {
                text[written] = byte
                written &+= 1
            }
        }
    }
}
