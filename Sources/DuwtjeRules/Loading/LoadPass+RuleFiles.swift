import Dispatch
import Synchronization

/// Rule files decoded side by side: rules are most of a load's decoding, and once the vocabulary
/// and the content are read, one file's rules need nothing from another's — except that a rule or
/// nudge id may be used once in the whole set.
///
/// So each file is decoded by a copy of the pass that does not judge rule and nudge ids: it notes
/// them (`deferredClaims`) and goes on as if they were new. The copies' results are then taken in
/// file order and their ids declared as a one-by-one load would have declared them: a repeated id
/// gets the same error naming the first place, and its rule is dropped, as it would have been
/// (a rule whose id or any of whose nudges' ids is taken decodes to nothing, and nothing else of
/// its decoding depends on that). The diagnostics are the same ones; the loader sorts them by place.
extension LoadPass {
    /// What a copy of the pass made of one rule file.
    struct DecodedRuleFile: Sendable {
        /// Each rule node's result and its ids' positions in `claims`.
        var rules: [(rule: RuleDefinition?, claims: Range<Int>)] = []
        var claims: [(id: Located<String>, kind: String)] = []
        var diagnostics: [Diagnostic] = []
    }

    /// The kinds of id that are declared while rules are decoded.
    static let ruleKinds: Set<String> = ["rule", "nudge"]

    /// Decodes the rules of `documents` (rule files, in load order) on as many threads as there are
    /// cores, numbering them from `order`; returns the next number.
    mutating func decodeRuleFiles(_ documents: [YAMLNode?], from order: Int) -> Int {
        // Every closed key's set of values is made before the copies are: each copy would otherwise
        // make (and its rules keep) its own copy of every value.
        for key in contextKeys {
            if case .closed(let values) = key.kind { _ = closedValueSet(key.id, values) }
        }
        var firsts: [Int] = []
        var next = order
        for document in documents {
            firsts.append(next)
            next += Self.section("rules", of: document).count
        }
        var copy = self
        copy.decoder.diagnostics = []
        copy.deferredClaims = []
        let base = copy
        let starts = firsts
        let results = Mutex<[DecodedRuleFile]>(Array(repeating: DecodedRuleFile(), count: documents.count))
        DispatchQueue.concurrentPerform(iterations: documents.count) { index in
            var pass = base
            var decoded = DecodedRuleFile()
            var order = starts[index]
            for node in Self.section("rules", of: documents[index]) {
                let first = pass.deferredClaims?.count ?? 0
                let rule = pass.decodeRule(node, order: order)
                decoded.rules.append((rule, first..<(pass.deferredClaims?.count ?? 0)))
                order += 1
            }
            decoded.claims = pass.deferredClaims ?? []
            decoded.diagnostics = pass.decoder.diagnostics
            results.withLock { $0[index] = decoded }
        }
        for file in results.withLock({ $0 }) {
            decoder.diagnostics += file.diagnostics
            for entry in file.rules {
                var ok = true
                for claim in file.claims[entry.claims] where !declare(claim.id, kind: claim.kind) { ok = false }
                if ok, let rule = entry.rule { rules.append(rule) }
            }
        }
        return next
    }
}
