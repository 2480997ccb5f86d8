extension JourneyMatrix {
    /// The matrix for a terminal: one grid per journey, no line wider than `width` columns (long
    /// ids are cut with `…`), gaps marked in words so they stand out without colour; then the
    /// findings. Locations are relative to `directory` when one is given.
    public func text(width: Int = 120, directory: String? = nil) -> String {
        var lines: [String] = []
        writeText(width: width, directory: directory) { lines.append($0) }
        return lines.joined(separator: "\n")
    }

    /// The lines of ``text(width:directory:)`` (without their line breaks), handed to `line` as they
    /// are made: at 100,000 rules the text is 7 MB, which a caller can print without holding it whole.
    public func writeText(width: Int = 120, directory: String? = nil, line: (String) -> Void) {
        line(fit("GAP matrix of rule set \(ruleset) at \(now)", width))
        if !context.isEmpty {
            line(fit("Context in every request: " + context.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                .joined(separator: ", "), width))
        }
        let codes = TypeCodes(contentTypes)
        line(fit("Items: [type] content id (* = from a fallback); > nudge; via = rules that matched. "
            + "GAP = only fallbacks or nothing.", width))
        line(fit("Types: " + codes.legend, width))
        for journey in journeys {
            line("")
            grid(journey, width: width, codes: codes).forEach(line)
        }
        line("")
        findings("Rules that can never be consulted", deadRules, width: width, directory: directory).forEach(line)
        findings("Content no request can reach (whole rule set)", unreachableContent, width: width, directory: directory).forEach(line)
        findings("Nudges without a cap or an alternative", nudgeProblems, width: width, directory: directory).forEach(line)
    }

    func grid(_ journey: Journey, width: Int, codes: TypeCodes) -> [String] {
        let gaps = journey.gaps
        let fallbackOnly = gaps.filter { $0.gap == .fallbackOnly }.count
        var lines = [fit("Journey \(journey.id)" + (journey.label.map { " (\($0))" } ?? "")
            + ": \(journey.stages.count) stages × \(journey.personas.count) persona rows, "
            + "\(gaps.count) gaps (\(fallbackOnly) fallback only, \(gaps.count - fallbackOnly) empty)", width)]
        let rowNames = journey.personas.map { $0 ?? "(no persona)" }
        let columns = max(1, journey.stages.count)
        // A row is "| " + persona + " |", then " " + cell + " |" per stage.
        let personaWidth = min(18, max(12, rowNames.map(\.count).max() ?? 12))
        let stageWidth = max(8, (width - personaWidth - 4) / columns - 3)
        let rule = "+" + String(repeating: "-", count: personaWidth + 2) + "+"
            + String(repeating: String(repeating: "-", count: stageWidth + 2) + "+", count: columns)
        func row(_ first: String, _ cells: [String]) -> String {
            "| " + pad(first, personaWidth) + " |" + cells.map { " " + pad($0, stageWidth) + " |" }.joined()
        }
        lines.append(rule)
        lines.append(row("persona \\ stage", journey.stages))
        lines.append(rule)
        for (index, cells) in journey.rows.enumerated() {
            let texts = cells.map { cellLines($0, width: stageWidth, codes: codes) }
            let height = texts.map(\.count).max() ?? 1
            for line in 0..<height {
                lines.append(row(line == 0 ? rowNames[index] : "", texts.map { line < $0.count ? $0[line] : "" }))
            }
            lines.append(rule)
        }
        return lines
    }

    func cellLines(_ cell: Cell, width: Int, codes: TypeCodes) -> [String] {
        var lines: [String] = []
        switch cell.gap {
        case .empty: lines.append("GAP: nothing")
        case .fallbackOnly: lines.append("GAP: fallback only")
        case nil: break
        }
        for item in cell.items {
            lines += breakLines("[\(codes.code(item.type))] \(item.content)" + (item.rule == nil ? "*" : ""), width)
        }
        if let nudge = cell.nudge { lines += breakLines("> \(nudge)", width) }
        if !cell.rules.isEmpty { lines += breakLines("via " + cell.rules.joined(separator: ", "), width) }
        return lines
    }

    func findings(_ title: String, _ findings: [Finding], width: Int, directory: String?) -> [String] {
        guard !findings.isEmpty else { return ["\(title): none."] }
        var lines = ["\(title) (\(findings.count)):"]
        for finding in findings {
            let location = directory.map { SourceLocation.prefixed(finding.location, directory: $0) } ?? finding.location
            lines += wrap("  \(location): \(finding.id): \(finding.reason)", width, indent: "      ")
        }
        return lines
    }

    /// Short codes for content types in a narrow column: the first letters of the id, as many as
    /// it takes to tell the types apart.
    struct TypeCodes {
        let codes: [String: String]
        let legend: String

        init(_ labels: [String: String]) {
            let ids = labels.keys.sorted()
            var length = 3
            while length < 12, Set(ids.map { $0.prefix(length) }).count < ids.count { length += 1 }
            var codes: [String: String] = [:]
            for id in ids { codes[id] = String(id.prefix(length)) }
            self.codes = codes
            legend = ids.map { "\(codes[$0] ?? $0) = \(labels[$0] ?? $0)" }.joined(separator: ", ")
        }

        func code(_ type: String) -> String { codes[type] ?? type }
    }
}

extension SourceLocation {
    /// A `path:line:col` text with its path prefixed by the directory the user named.
    static func prefixed(_ location: String, directory: String) -> String {
        guard !directory.isEmpty, directory != "." else { return location }
        return (directory.hasSuffix("/") ? directory : directory + "/") + location
    }
}

/// `text` cut to `width` characters, ending in `…` when cut.
func fit(_ text: String, _ width: Int) -> String {
    guard text.count > width else { return text }
    return String(text.prefix(max(0, width - 1))) + "…"
}

func pad(_ text: String, _ width: Int) -> String {
    let cut = fit(text, width)
    return cut + String(repeating: " ", count: max(0, width - cut.count))
}

/// `text` broken into lines of at most `width` characters, continuation lines indented by two
/// spaces, preferably after a space, `-` or `,`: ids in a narrow column stay whole instead of cut.
func breakLines(_ text: String, _ width: Int, indent: String = "  ") -> [String] {
    guard width > indent.count + 8 else { return [fit(text, width)] }
    var lines: [String] = []
    var rest = Substring(text)
    var room = width
    while rest.count > room {
        let window = rest.prefix(room)
        var cut = window.endIndex
        if let index = window.lastIndex(where: { $0 == " " || $0 == "-" || $0 == "," }),
           window.distance(from: window.startIndex, to: index) >= room / 2 {
            cut = window.index(after: index)
        }
        lines.append((lines.isEmpty ? "" : indent) + rest[..<cut].trimmingSuffix(" "))
        rest = rest[cut...].drop { $0 == " " }
        room = width - indent.count
    }
    lines.append((lines.isEmpty ? "" : indent) + rest)
    return lines
}

extension Substring {
    func trimmingSuffix(_ character: Character) -> Substring {
        var result = self
        while result.last == character { result = result.dropLast() }
        return result
    }
}

/// Words wrapped to `width`; continuation lines start with `indent`. A word longer than a line is cut.
func wrap(_ text: String, _ width: Int, indent: String) -> [String] {
    let leading = String(text.prefix { $0 == " " })
    var lines: [String] = []
    var current = leading
    for word in text.dropFirst(leading.count).split(separator: " ") {
        if current == leading || current == indent {
            current += word
        } else if current.count + 1 + word.count <= width {
            current += " " + word
        } else {
            lines.append(current)
            current = indent + word
        }
    }
    lines.append(current)
    return lines.map { fit($0, width) }
}
