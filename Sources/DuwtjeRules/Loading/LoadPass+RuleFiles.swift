/// Rule files decoded side by side (issue 15: decoding rules was the largest part of a load left on
/// one thread). Once the vocabulary and the content are read, one file's rules need nothing from
/// another's — except that a rule or nudge id may be used once in the whole set.
///
/// So each file is decoded by a copy of the pass that does not judge rule and nudge ids: it notes
/// each one with how many diagnostics it had made by then (``DeferredClaim``) and goes on as if the
/// id were new. The copies' results are then taken in file order and their ids declared where a
/// one-by-one load declared them: a repeated id gets the same error naming the first place, at the
/// same position among the file's other diagnostics, and its rule is dropped, as it was (a rule whose
/// id or any of whose nudges' ids is taken decodes to nothing, and nothing else of its decoding
/// depends on that: a nudge that was not registered only made its rule fail, without a message).
///
/// Tried three times before (38d9cc1, b6602af, `load5`; reverted each time: a busy second core, and
/// then the rules landed in the system's shared worker threads' malloc arenas, +4.6 MiB resident at
/// 10,000 rules); kept since the `load6` branch, on the loader's own workers (``LoadWorkers``), together
/// with the parse and the compile on both cores. Benchmarks/README.md, "Issue 15: … (branch `load6`)",
/// has the figures and the memory.
extension LoadPass {
    /// A rule or nudge id met while decoding side by side, to be declared afterwards.
    struct DeferredClaim: Sendable {
        var id: Located<String>
        var kind: String
        /// Its kind's table in ``declared``.
        var table: Int
        /// How many diagnostics the copy had made when it met the id: the duplicate error, if any,
        /// goes there.
        var diagnosticIndex: Int
        /// A content id a recommend item refers to (``referContent(_:)``), to be looked up in the
        /// catalogue, not declared.
        var isReference = false
    }

    /// Rule files being decoded by copies of the pass (``startDecodingRuleFiles(_:from:)``), until
    /// this pass takes their results (``finishDecodingRuleFiles(_:)``).
    struct RuleFileDecoding {
        let queue: InOrderQueue<DecodedRuleFile>
        let count: Int
        /// The number after the last rule's.
        let next: Int
    }

    /// What a copy of the pass made of one rule file.
    struct DecodedRuleFile: Sendable {
        /// Each rule node's result and its ids' positions in `claims`.
        var rules: [(rule: RuleDefinition?, claims: Range<Int>)] = []
        var claims: [DeferredClaim] = []
        var diagnostics: [Diagnostic] = []
    }

    /// Decodes the rules of `documents` (rule files, in load order) on as many threads as there are
    /// cores (``InOrderQueue``), numbering them from `order`; appends them to `rules` in file order
    /// and returns the next number.
    mutating func decodeRuleFiles(_ documents: [YAMLNode?], from order: Int) -> Int {
        finishDecodingRuleFiles(startDecodingRuleFiles(documents, from: order))
    }

    /// Starts decoding the rules of `documents` on the queue's threads. The vocabulary must be read;
    /// the content need not be (content ids named by rules are checked when the results are taken):
    /// ``run(_:)`` decodes the content on this thread meanwhile (issue 15: 6.6 ms of a load, with the
    /// other core idle, before this).
    mutating func startDecodingRuleFiles(_ documents: [YAMLNode?], from order: Int) -> RuleFileDecoding {
        // Every closed key's set of values is made before the copies are: each copy would otherwise
        // make (and its rules keep) its own copy of every value.
        for position in contextKeys.indices {
            if case .closed(let values) = contextKeys[position].kind { _ = closedValueSet(position, values) }
        }
        var firsts: [Int] = []
        var next = order
        for document in documents {
            firsts.append(next)
            next += Self.section("rules", of: document).count
        }
        // Each file is decoded by a copy of the pass on one of the queue's threads, while this
        // thread declares the ids of the files before it, in file order.
        let base = deferringCopy()
        let queue = InOrderQueue<DecodedRuleFile>(count: documents.count, window: documents.count,
                                                  workers: workers) { [firsts] index in
            Self.decodeRules(of: documents[index], from: firsts[index], base: base)
        }
        return RuleFileDecoding(queue: queue, count: documents.count, next: next)
    }

    /// Takes the results of `decoding` in file order: declares their rule and nudge ids, checks the
    /// content ids their rules name, and appends the rules that pass to `rules`. Returns the number
    /// after the last rule's.
    mutating func finishDecodingRuleFiles(_ decoding: RuleFileDecoding) -> Int {
        let queue = decoding.queue
        defer { queue.finish() }
        let catalogue = declared[Self.contentTable]
        for index in 0..<decoding.count {
            // Each file's rules are moved out of its result, not copied: a copy retained every field
            // of every rule, and letting go of the results released them all again (a third of the
            // time this merge took).
            guard var file = queue.take(index) else { continue }
            queue.handBack()
            var taken = 0
            for entry in file.rules.indices {
                var ok = true
                // Claims read where they stand (`for claim in` copied each, its id and kind retained),
                // and the diagnostics before a claim appended only when there are any: nearly every
                // claim has none, and appending an empty slice took ~230 instructions (issue 15,
                // `load11`: this merge runs on the loader's thread, after the last file is decoded).
                for position in file.rules[entry].claims {
                    let index = file.claims[position].diagnosticIndex
                    if index > taken {
                        decoder.diagnostics += file.diagnostics[taken..<index]
                        taken = index
                    }
                    if file.claims[position].isReference {
                        if !decoder.reference(file.claims[position].id, kind: file.claims[position].kind, known: catalogue.keys) { ok = false }
                    } else if !declare(file.claims[position].id, kind: file.claims[position].kind, table: file.claims[position].table) {
                        ok = false
                    }
                }
                // Taken out of its place (an in-place move; reversing the array to pop its end
                // swapped copies of the rules, each retaining every field).
                if ok, let rule = file.rules[entry].rule.take() { rules.append(rule) }
            }
            decoder.diagnostics += file.diagnostics[taken...]
        }
        return decoding.next
    }

    /// A copy of the pass with no diagnostics yet, that defers rule and nudge ids and content
    /// references. It holds neither the rules decoded so far nor the rule, nudge and content id tables: the copies live while this pass
    /// appends rules and declares ids, which would otherwise copy the array (losing its reserved
    /// room) and the tables.
    func deferringCopy() -> LoadPass {
        var copy = self
        copy.decoder.diagnostics = []
        copy.deferredClaims = []
        copy.rules = []
        copy.declared[Self.ruleTable] = [:]
        copy.declared[Self.nudgeTable] = [:]
        // The content is read meanwhile (its ids are checked afterwards, ``referContent(_:)``).
        copy.declared[Self.contentTable] = [:]
        copy.content = []
        return copy
    }

    /// One document's rules decoded by a copy of `base` (which defers rule and nudge ids), numbered
    /// from `first`.
    static func decodeRules(of document: YAMLNode?, from first: Int, base: LoadPass) -> DecodedRuleFile {
        var pass = base
        var decoded = DecodedRuleFile()
        var order = first
        for node in Self.section("rules", of: document) {
            let claimed = pass.deferredClaims?.count ?? 0
            let rule = pass.decodeRule(node, order: order)
            decoded.rules.append((rule, claimed..<(pass.deferredClaims?.count ?? 0)))
            order += 1
        }
        decoded.claims = pass.deferredClaims ?? []
        decoded.diagnostics = pass.decoder.diagnostics
        return decoded
    }
}
