import Foundation

extension RuleDefinition {
    /// The variant that serves as the experiment's holdout: one that removes the nudge
    /// (`nudge: null`), else one named `controle`, `control` or `holdout`. Nil without variants or
    /// without such a variant.
    public var holdout: VariantDefinition? {
        variants.first { if case .remove = $0.nudge { return true } else { return false } }
            ?? variants.first { RuleDefinition.holdoutNames.contains($0.id) }
    }

    /// Variant names that mark a holdout by convention.
    public static let holdoutNames: Set<String> = ["controle", "control", "holdout"]
}

extension Cap {
    /// Whether the cap allows more than one showing a week (`max / per` above 1 / 7 days).
    public var isLooserThanWeekly: Bool { Int64(max) * 7 * 86_400 > per }
}

/// The ethics checks (rules.md 7, "Ethics checks"): questions about how the rules treat citizens.
/// They are warnings, so a campaign is never stopped by them at load time; `duwtje check --strict`
/// (for CI) makes them errors. Each carries its `check` id.
extension WarningPass {
    mutating func runEthicsChecks() {
        checkRegister()
        let vulnerable = Set(definition.personas.filter(\.vulnerable).map(\.id))
        // Read where they stand in an array of this function's own: handed to a closure that warns
        // (mutating `self`, which holds the rules), every rule was copied first, a retain and a
        // release of each of its fields (~55 M instructions a load at 10,000 rules, issue 15 `load11`).
        let rules = definition.rules
        for position in rules.indices {
            // The vulnerable personas only of a rule that can nudge: most cannot, and the two arrays
            // made for every rule were most of this loop.
            let nudges = rules[position].allNudges
            if !nudges.isEmpty {
                let targeted = (rules[position].when.personas ?? []).map(\.value).filter(vulnerable.contains)
                for nudge in nudges {
                    checkNudge(nudge)
                    checkDismissal(nudge)
                    if !targeted.isEmpty { checkVulnerable(nudge, personas: targeted) }
                }
            }
            if !rules[position].variants.isEmpty, rules[position].holdout == nil {
                warn("rule '\(rules[position].id)' runs an experiment without a holdout: no variant shows what happens without the nudge",
                     at: rules[position].location, fix: "add a variant `controle: { weight: 10, nudge: null }`", check: "no-holdout")
            }
        }
    }

    /// A set must say in the Algoritmeregister what it does: no `register:` is a warning, and so is
    /// every problem the register would refuse the entry for (`duwtje register` makes them errors).
    mutating func checkRegister() {
        guard definition.register != nil else {
            // A set without rules (a vocabulary being written) serves nothing to account for.
            guard !definition.rules.isEmpty else { return }
            warn("the rule set has no 'register:' entry for the Algoritmeregister", at: SourceLocation(file: definition.files.first ?? "", line: 1, column: 1),
                 fix: "add a top-level register: with name, description_short, organization, contact_email and publication_category",
                 check: "no-register")
            return
        }
        let entry = AlgorithmRegisterEntry(definition, now: Date(), retentionDays: Int(retention / 86_400), timeZone: timeZone)
        for var diagnostic in entry.diagnostics {
            diagnostic.severity = .warning
            diagnostics.append(diagnostic)
        }
    }

    mutating func checkNudge(_ nudge: NudgeDefinition) {
        if nudge.cap == nil {
            warn("nudge '\(nudge.id)' has no cap (nudges must not nag)", at: nudge.location,
                 fix: "add `cap: { max: 3, per: 7d }`", check: "no-cap")
        }
        if nudge.alternative == nil {
            warn("nudge '\(nudge.id)' has no alternative (citizens keep the choice of channel)", at: nudge.location,
                 fix: "add `alternative:` naming the other route", check: "no-alternative")
        }
        if nudge.source == nil, let claim = NormClaim.first(in: nudge.message) {
            warn("nudge '\(nudge.id)' states a share or norm ('\(claim)') without a source", at: nudge.location,
                 fix: "add `source:` naming where the figure comes from, or drop the claim", check: "norm-without-source")
        }
        if let cap = nudge.cap, cap.per > retention {
            warn("the cap window of nudge '\(nudge.id)' (\(TimeParsing.format(duration: cap.per))) is longer than the store's retention "
                 + "(\(TimeParsing.format(duration: retention))): showings would be kept longer than promised",
                 at: nudge.location, fix: "shorten `per`, or raise `store.retention`", check: "cap-beyond-retention")
        }
    }

    /// A dismissal is kept (as a keyed hash) until it ends: past the retention it would outlive the promise.
    mutating func checkDismissal(_ nudge: NudgeDefinition) {
        // A cap beyond the retention is warned about already, and the dismissal is at least as long.
        guard nudge.dismissWindow > retention, (nudge.cap?.per ?? 0) <= retention else { return }
        warn("nudge '\(nudge.id)' stays dismissed for \(TimeParsing.format(duration: nudge.dismissWindow)), longer than the store's retention "
             + "(\(TimeParsing.format(duration: retention))): the dismissal would be kept longer than promised",
             at: nudge.location, fix: "shorten `dismiss_for`, or raise `store.retention`", check: "dismissal-beyond-retention")
    }

    mutating func checkVulnerable(_ nudge: NudgeDefinition, personas: [String]) {
        let who = personas.map { "'\($0)'" }.joined(separator: ", ")
        if nudge.isPersuasive(in: definition) {
            let why = nudge.type.map { "its type '\($0.value)' is persuasive" } ?? "it has no type, so it counts as persuasive"
            warn("nudge '\(nudge.id)' reaches vulnerable persona \(who) and persuades (\(why))", at: nudge.location,
                 fix: "give it an informative `type:` and word it as information, or leave the persona out", check: "vulnerable-persuasive")
        }
        if nudge.cap?.isLooserThanWeekly ?? true {
            let cap = nudge.cap.map { "\($0.max) per \(TimeParsing.format(duration: $0.per))" } ?? "no cap"
            warn("nudge '\(nudge.id)' reaches vulnerable persona \(who) more often than once a week (\(cap))", at: nudge.location,
                 fix: "cap it at `{ max: 1, per: 7d }` or less often", check: "vulnerable-cap")
        }
    }
}

/// Recognises a message that states a share or a social norm ("73%", "de meeste inwoners"): such a
/// claim persuades by what others do, so it must be true and its source named.
enum NormClaim {
    /// Lower-cased phrases that state a norm or share in Dutch (and a few in English).
    static let phrases = [
        "de meeste", "meeste inwoners", "meeste mensen", "meer dan de helft", "de helft van", "de meerderheid",
        "bijna iedereen", "iedereen doet", "steeds meer", "veel inwoners", "veel mensen", "negen van de tien",
        "acht van de tien", "één op de", "een op de", "most people", "most residents",
    ]

    /// The first claim in `text`, as written, or nil.
    ///
    /// ASCII text (nearly every message) is searched by ``firstInASCII(_:)``; other text by
    /// Foundation, whose regular expressions are compiled again at every call (at 10,000 rules that
    /// was 7% of a load).
    static func first(in text: String) -> String? {
        isASCII(text) ? firstInASCII(text) : firstByFoundation(in: text)
    }

    /// ``first(in:)`` by Foundation's regular expressions and case-insensitive search: the
    /// definition the ASCII search is held to.
    static func firstByFoundation(in text: String) -> String? {
        if let range = text.range(of: #"\d+([.,]\d+)?\s*(%|procent\b)"#, options: .regularExpression) {
            return String(text[range])
        }
        if let range = text.range(of: #"\b\d+\s+(op|van)\s+de\s+\d+\b"#, options: [.regularExpression, .caseInsensitive]) {
            return String(text[range])
        }
        for phrase in phrases {
            if let range = text.range(of: phrase, options: .caseInsensitive) { return String(text[range]) }
        }
        return nil
    }
}
