extension RuleSetDiff {
    /// The diff for a terminal: totals, then each group of changed answers with its rules and a
    /// few examples (before → after). Lines fit `width` columns.
    public func text(width: Int = 120) -> String {
        var lines: [String] = []
        let what = source == "sample" ? "sampled requests" : "requests (journey × stage × persona × closed context values"
            + (combinations.map { $0 > requests ? ", an even sample of \($0)" : "" } ?? "") + ")"
        lines.append(fit("Before: \(before)", width))
        lines.append(fit("After:  \(after)", width))
        lines.append("Compared \(requests) \(what).")
        let percent = requests == 0 ? 0 : Double(changed) / Double(requests) * 100
        let share = changed > 0 && percent < 0.1 ? "<0.1" : Self.format(percent)
        lines.append("Changed answers: \(changed) of \(requests) (\(share)%)"
            + (changed == 0 ? "." : " — " + Self.counts(changes) + "."))
        for group in groups {
            lines.append("")
            let title = group.rules.isEmpty ? "No rule's part changed (fallbacks, catalogue or stage signals)"
                : "Rules " + group.rules.joined(separator: ", ")
            lines += wrap("\(title): \(group.answers) answers (\(Self.counts(group.changes)))", width, indent: "    ")
            for example in group.examples {
                lines += breakLines("  e.g. \(example.request)", width, indent: "       ")
                if example.before.stage != example.after.stage || example.before.error != example.after.error {
                    lines += wrap("       stage: \(example.before.error ?? example.before.stage) → \(example.after.error ?? example.after.stage)",
                                  width, indent: "         ")
                }
                if example.before.content != example.after.content {
                    lines += wrap("       content: \(Self.list(example.before.content)) → \(Self.list(example.after.content))",
                                  width, indent: "         ")
                }
                if example.before.nudge != example.after.nudge {
                    lines += wrap("       nudge: \(example.before.nudge ?? "none") → \(example.after.nudge ?? "none")", width, indent: "         ")
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    static func counts(_ counts: [String: Int]) -> String {
        Change.allCases.compactMap { change in counts[change.rawValue].map { "\(change.rawValue) \($0)" } }.joined(separator: ", ")
    }

    static func list(_ items: [String]) -> String { items.isEmpty ? "(nothing)" : items.joined(separator: ", ") }

    static func format(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
