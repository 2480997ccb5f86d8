extension JourneyMatrix {
    /// The matrix as one self-contained HTML page for marketing staff: no scripts, fonts or images
    /// to fetch, a real `<table>` per journey with row and column headers, gaps marked by colour
    /// and by words (never colour alone), colours that pass WCAG 2.1 AA, and a print layout.
    /// Labels are Dutch: the page is for the municipality's own staff.
    public func html() -> String {
        var page = ""
        writeHTML { page += $0 }
        return page
    }

    /// The page of ``html()`` in pieces (the head, a table per journey, the findings, the foot), handed
    /// to `write` in order: at 100,000 rules the page is 8 MB, which a caller can write to a file
    /// without holding it whole.
    public func writeHTML(_ write: (String) -> Void) {
        write("""
        <!DOCTYPE html>
        <html lang="nl">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>GAP-analyse klantreizen – Duwtje</title>
        <style>
        \(Self.style)
        </style>
        </head>
        <body>
        <header>
        <h1>GAP-analyse van de klantreizen</h1>
        <p>Per klantreis ziet u per fase (kolommen) en persona (rijen) welke content en welk duwtje een bezoeker krijgt,
        en van welke regels. <strong>Gaten</strong> zijn cellen waar geen regel iets aanbiedt: alleen de terugvaloptie
        van de fase of de reis, of helemaal niets.</p>
        <dl class="meta">
        <dt>Regelset</dt><dd><code>\(escape(ruleset))</code></dd>
        <dt>Moment</dt><dd>\(escape(now))</dd>
        <dt>Context</dt><dd>\(context.isEmpty ? "geen (alle bezoekers)" : escape(context.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: "; ")))</dd>
        <dt>Gaten</dt><dd>\(gapCount) van \(journeys.reduce(0) { $0 + $1.rows.joined().count }) cellen</dd>
        </dl>
        <ul class="legend" aria-label="Legenda">
        <li><span class="marker empty">✖ Gat: niets</span> geen regel en geen terugvaloptie</li>
        <li><span class="marker fallback">⚠ Gat: alleen terugval</span> alleen de terugvaloptie van fase of reis</li>
        <li><span class="tag">terugval</span> dit item komt uit een terugvaloptie</li>
        <li><span class="nudge-label">Duwtje</span> het duwtje dat de bezoeker krijgt</li>
        </ul>
        </header>
        <main>

        """)
        for journey in journeys { write(table(journey)) }
        write(section("Regels die nooit aan bod komen", deadRules,
                      empty: "Geen: elke regel kan een bezoeker bereiken."))
        write(section("Content die geen bezoeker kan bereiken", unreachableContent,
                      empty: "Geen: alle content kan worden getoond."))
        write(section("Duwtjes zonder limiet of zonder andere route", nudgeProblems,
                      empty: "Geen: elk duwtje heeft een limiet en laat de andere route zien."))
        write("""
        </main>
        <footer><p>Gemaakt met <code>duwtje matrix</code>. Elke cel is het antwoord van de regels zelf op een bezoek in die fase
        met die persona, zonder bezoeker-id (dus zonder limieten en zonder A/B-varianten).</p></footer>
        </body>
        </html>

        """)
    }

    func table(_ journey: Journey) -> String {
        let gaps = journey.gaps.count
        var html = """
        <section class="journey">
        <table>
        <caption><span class="title">Klantreis \(escape(journey.label ?? journey.id))</span>\(journey.label == nil ? "" : " <code>\(escape(journey.id))</code>")
        <span class="summary">\(gaps == 0 ? "geen gaten" : gaps == 1 ? "1 gat" : "\(gaps) gaten")</span></caption>
        <thead>
        <tr><th scope="col" class="corner">Persona \\ fase</th>
        """
        for (stage, label) in zip(journey.stages, journey.stageLabels) {
            html += "<th scope=\"col\">" + (label.map { "\(escape($0))<br><code>\(escape(stage))</code>" } ?? escape(stage)) + "</th>"
        }
        html += "</tr>\n</thead>\n<tbody>\n"
        for (index, cells) in journey.rows.enumerated() {
            let persona = journey.personas[index]
            let name = persona.map { journey.personaLabels[index] ?? $0 } ?? "Geen persona"
            html += "<tr><th scope=\"row\">\(escape(name))"
            if let persona, journey.personaLabels[index] != nil { html += "<br><code>\(escape(persona))</code>" }
            html += "</th>"
            for cell in cells { html += self.cell(cell) }
            html += "</tr>\n"
        }
        html += "</tbody>\n</table>\n</section>\n"
        return html
    }

    func cell(_ cell: Cell) -> String {
        var html: String
        switch cell.gap {
        case .empty: html = "<td class=\"gap empty\"><span class=\"marker empty\">✖ Gat: niets</span>"
        case .fallbackOnly: html = "<td class=\"gap fallback\"><span class=\"marker fallback\">⚠ Gat: alleen terugval</span>"
        case nil: html = "<td>"
        }
        if !cell.items.isEmpty {
            html += "<ul class=\"items\">"
            for item in cell.items {
                html += "<li><span class=\"type\">\(escape(contentTypes[item.type] ?? item.type))</span> \(escape(item.title))"
                if item.fallback != nil { html += " <span class=\"tag\">terugval</span>" }
                html += "</li>"
            }
            html += "</ul>"
        }
        if let nudge = cell.nudge {
            html += "<p class=\"nudge\"><span class=\"nudge-label\">Duwtje</span> <code>\(escape(nudge))</code></p>"
        }
        if !cell.rules.isEmpty {
            html += "<p class=\"rules\">Regels: " + cell.rules.map { "<code>\(escape($0))</code>" }.joined(separator: ", ") + "</p>"
        }
        return html + "</td>"
    }

    func section(_ title: String, _ findings: [Finding], empty: String) -> String {
        var html = "<section class=\"findings\">\n<h2>\(escape(title)) (\(findings.count))</h2>\n"
        if findings.isEmpty { return html + "<p>\(escape(empty))</p>\n</section>\n" }
        html += "<ul>\n"
        for finding in findings {
            html += "<li><code>\(escape(finding.id))</code> – \(escape(finding.reason)) <span class=\"where\">(\(escape(finding.location)))</span></li>\n"
        }
        return html + "</ul>\n</section>\n"
    }

    /// Contrast ratios (WCAG 2.1, AA needs 4.5:1 for text): body #1b1b1b on white 17.2; white on
    /// the header blue #1f3a5f 11.5; "niets" #8b0000 on #fde8e8 8.5; "alleen terugval" #6b4f00 on
    /// #fff4d6 7.0; secondary #4a4a4a on white 8.9, on #fde8e8 7.6, on #fff4d6 8.1, on #f3f5f8 8.1;
    /// nudge #0b3d6e on #e6f0fa 9.6.
    static let style = """
    :root { color: #1b1b1b; background: #ffffff; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
    body { margin: 1.5rem; line-height: 1.4; }
    h1 { font-size: 1.6rem; margin: 0 0 .5rem; }
    h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
    code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .85em; color: #4a4a4a; }
    .meta { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .8rem 0; }
    .meta dt { font-weight: 600; }
    .meta dd { margin: 0; }
    .legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; }
    table { border-collapse: collapse; width: 100%; margin: 1.5rem 0; table-layout: fixed; }
    caption { text-align: left; font-size: 1.15rem; padding: .4rem 0; }
    caption .title { font-weight: 700; }
    caption .summary { margin-left: .8rem; font-size: .95rem; color: #4a4a4a; }
    th, td { border: 1px solid #8a8f98; padding: .45rem .5rem; vertical-align: top; text-align: left; }
    thead th { background: #1f3a5f; color: #ffffff; }
    thead th code { color: #ffffff; }
    tbody th { background: #f3f5f8; width: 11rem; }
    th.corner { width: 11rem; }
    td.gap.empty { background: #fde8e8; }
    td.gap.fallback { background: #fff4d6; }
    .marker { display: inline-block; font-weight: 700; padding: .05rem .35rem; border: 2px solid currentColor; border-radius: .25rem; }
    .marker.empty { color: #8b0000; background: #fde8e8; }
    .marker.fallback { color: #6b4f00; background: #fff4d6; }
    ul.items { margin: .3rem 0; padding-left: 1.1rem; }
    ul.items li { margin: .15rem 0; }
    .type { font-size: .8rem; font-weight: 600; text-transform: uppercase; letter-spacing: .02em; color: #4a4a4a; }
    .tag { font-size: .8rem; border: 1px solid #4a4a4a; border-radius: .2rem; padding: 0 .25rem; color: #4a4a4a; }
    .nudge { margin: .3rem 0; }
    .nudge-label { font-size: .8rem; font-weight: 700; color: #0b3d6e; background: #e6f0fa; padding: .05rem .35rem; border-radius: .2rem; }
    .rules { margin: .3rem 0 0; font-size: .85rem; color: #4a4a4a; }
    .findings li { margin: .3rem 0; }
    .where { color: #4a4a4a; font-size: .85rem; }
    footer { margin-top: 2rem; font-size: .85rem; color: #4a4a4a; }
    @media print {
      body { margin: 0; font-size: 10pt; }
      table { page-break-inside: auto; }
      tr, td, th { page-break-inside: avoid; break-inside: avoid; }
      thead { display: table-header-group; }
      section.journey { page-break-before: auto; }
      td.gap.empty, td.gap.fallback, thead th, .marker, tbody th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
    }
    """
}

/// Text made safe for HTML element content and attribute values.
func escape(_ text: String) -> String {
    // Most texts (ids, titles) hold none of the five: returned as they are, without walking
    // them character by character.
    guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return text }
    var result = ""
    result.reserveCapacity(text.utf8.count)
    for character in text {
        switch character {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        case "'": result += "&#39;"
        default: result.append(character)
        }
    }
    return result
}
