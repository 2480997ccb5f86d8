public import Foundation

/// The public page "Waarom zie ik dit?": one self-contained HTML page in plain Dutch for citizens,
/// made from the same rule set as the register entry — every nudge one can be shown now with why
/// and the other route, the data used, how to opt out and whom to ask.
extension AlgorithmRegisterEntry {
    public func publicPage(_ definition: RuleSetDefinition, generatedAt: Date, retentionDays: Int, timeZone: TimeZone) -> String {
        let register = definition.register
        let organization = register?.text("organization") ?? "de gemeente"
        let writer = RegisterWriter(definition: definition, retentionDays: retentionDays)
        var body = "<header><p class=org>\(escape(organization))</p><h1>Waarom zie ik dit?</h1>\n"
        if let short = register?.text("description_short") { body += "<p class=lead>\(escape(short))</p>\n" }
        body += "</header>\n<main>\n"
        body += """
            <section><h2>Wat is dit?</h2>
            <p>Op onze website ziet u soms een tip: een pagina die bij uw vraag past, of een kort bericht dat u op weg helpt.
            Zo’n bericht noemen we een <b>duwtje</b>. Welke tip u ziet, kiest een computerprogramma (Duwtje) met regels die
            medewerkers van \(escape(organization)) zelf hebben geschreven.</p>
            <ul class=checks>
            <li>Het programma <b>leert niet zelf</b> en beslist niets over u. Het kiest alleen wat u op de website te zien krijgt.</li>
            <li>Wij weten <b>niet wie u bent</b>: geen naam, geen e-mailadres, geen BSN.</li>
            <li>Bij elk duwtje staat <b>waarom</b> u het ziet, en een <b>andere route</b>, zoals de balie of de telefoon.</li>
            <li>U ziet een duwtje <b>niet steeds opnieuw</b>: elk duwtje heeft een maximum.</li>
            </ul></section>

            """
        body += "<section><h2>Welke duwtjes kunt u zien?</h2>\n"
        if activeNudges.isEmpty {
            body += "<p>Op dit moment laten wij geen duwtjes zien.</p>\n"
        } else {
            body += "<p>Dit zijn alle duwtjes die u op dit moment kunt zien, per onderwerp.</p>\n"
        }
        let groups = Dictionary(grouping: activeNudges, by: \.journey)
        var seenJourneys: [String] = []
        for nudge in activeNudges where !seenJourneys.contains(nudge.journey) { seenJourneys.append(nudge.journey) }
        for journey in seenJourneys {
            body += "<h3>\(escape(journey))</h3>\n<div class=cards>\n"
            for nudge in groups[journey] ?? [] {
                body += "<article class=card><p class=message>\(escape(nudge.message))</p><dl>"
                if let why = nudge.why { body += "<dt>Waarom?</dt><dd>\(escape(why))</dd>" }
                if let alternative = nudge.alternative { body += "<dt>Liever anders?</dt><dd>\(escape(alternative))</dd>" }
                if let frequency = nudge.frequency { body += "<dt>Hoe vaak?</dt><dd>U ziet dit \(escape(frequency)).</dd>" }
                body += "</dl>"
                if nudge.isExperiment {
                    body += "<p class=note>We testen dit duwtje: niet iedereen ziet het, of ziet dezelfde tekst. Zo leren we welke tekst het beste helpt.</p>"
                }
                body += "</article>\n"
            }
            body += "</div>\n"
        }
        body += "</section>\n"
        body += "<section><h2>Welke gegevens gebruiken we?</h2>\n<ul>\n"
        let described = writer.contextKeysRead.map { key -> String in
            let definition = definition.contextKeys.first { $0.id == key }
            return definition?.description.map { "\(escape($0)) <span class=muted>(\(escape(key)))</span>" } ?? escape(key)
        }
        body += "<li>Wat de website over uw bezoek meestuurt: het onderwerp waar u mee bezig bent en de fase daarin"
        if !described.isEmpty { body += ", en: <ul class=keys>" + described.map { "<li>\($0)</li>" }.joined() + "</ul>" }
        body += "</li>\n"
        body += "<li>Een <b>willekeurige code</b> die de website u geeft. Wij bewaren die code niet zelf, alleen een versleutelde versie ervan, "
            + "om te tellen hoe vaak u een duwtje zag. Die versie is na hoogstens \(writer.longestCapDays) dagen weg. "
            + "Klikt u een duwtje weg, dan onthouden we dat zo, tot het weer mag verschijnen (hoogstens \(writer.longestDismissDays) dagen).</li>\n"
        body += "<li>Hoe vaak een tip is getoond en aangeklikt, <b>alleen als totalen per dag</b>, zonder te weten wie. "
            + "Die totalen gooien we na \(retentionDays) dagen weg.</li>\n"
        body += "</ul></section>\n"
        let optOut = register?.text("opt_out") ?? """
            U hoeft niets te doen om onze website te gebruiken: alles werkt ook zonder duwtjes. Weigert u cookies voor \
            voorkeuren, dan krijgt u geen code en telt Duwtje niets over u. Wilt u een duwtje niet meer zien? Klik het weg.
            """
        body += "<section><h2>Geen duwtjes meer?</h2><p>\(escape(optOut))</p></section>\n"
        body += "<section><h2>Vragen?</h2><p>"
        if let contact = register?.text("contact_email") {
            let href = contact.contains("@") && !contact.hasPrefix("mailto:") ? "mailto:" + contact : contact
            body += "Mail naar <a href=\"\(escape(href))\">\(escape(contact))</a>. "
        }
        if let website = register?.text("website") { body += "Meer uitleg leest u op <a href=\"\(escape(website))\">\(escape(website))</a>. " }
        body += "Dit programma staat ook in het <a href=\"https://algoritmes.overheid.nl\">Algoritmeregister</a> van de overheid"
        if let name = register?.text("name") { body += " onder de naam <i>\(escape(name))</i>" }
        body += ".</p></section>\n</main>\n"
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let day = calendar.dateComponents([.year, .month, .day], from: generatedAt)
        let months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"]
        let date = "\(day.day ?? 1) \(months[((day.month ?? 1) - 1) % 12]) \(day.year ?? 1970)"
        body += "<footer>Deze uitleg is op \(date) gemaakt uit de regels zelf, dus hij klopt met wat de website laat zien "
            + "(regels versie <code>\(escape(String(definition.version.prefix(19))))…</code>).</footer>\n"
        return """
            <!doctype html>
            <html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Waarom zie ik dit? – \(escape(organization))</title>
            <style>
            body { font: 18px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a; margin: 0; background: #f6f7f9; }
            header, main, footer { max-width: 760px; margin: 0 auto; padding: 0 20px; }
            header { padding-top: 32px; } .org { color: #154273; font-weight: 600; margin: 0; }
            h1 { font-size: 2em; margin: .2em 0 .3em; color: #154273; } .lead { font-size: 1.1em; }
            h2 { font-size: 1.35em; margin: 1.6em 0 .4em; color: #154273; } h3 { font-size: 1.05em; margin: 1.2em 0 .4em; }
            section { background: #fff; border-radius: 10px; padding: 4px 24px 16px; margin: 18px 0; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
            .checks { padding-left: 1.2em; } .checks li { margin: .3em 0; }
            .cards { display: grid; grid-template-columns: 1fr; gap: 12px; }
            .card { border: 1px solid #d8dee6; border-left: 5px solid #154273; border-radius: 8px; padding: 10px 16px; }
            .message { font-weight: 600; margin: .3em 0 .5em; }
            dl { display: grid; grid-template-columns: 9em 1fr; gap: 4px 12px; margin: 0; font-size: .95em; }
            dt { color: #555; } dd { margin: 0; }
            .note { font-size: .85em; color: #555; background: #f1f4f8; padding: 6px 10px; border-radius: 6px; }
            .muted { color: #777; font-size: .85em; } .keys { margin: .3em 0; }
            a { color: #154273; } footer { font-size: .85em; color: #666; padding: 8px 20px 40px; }
            </style></head><body>
            \(body)</body></html>

            """
    }
}
