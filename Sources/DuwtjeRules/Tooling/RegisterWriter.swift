/// The parts of an Algoritmeregister entry that the rules know, written in Dutch for the register's
/// readers: how the rule set works (`methods_and_models`), which data it uses (`source_data`), and
/// search terms. Everything is derived from the rule set, so the entry cannot drift from what is
/// served.
struct RegisterWriter {
    let definition: RuleSetDefinition
    let retentionDays: Int

    /// Every context key a rule or a stage signal reads, in the vocabulary's order; `language` too
    /// when the catalogue has items in a language (it filters content).
    var contextKeysRead: [String] {
        var read = Set<String>()
        for rule in definition.rules { read.formUnion(rule.when.context.map(\.key)) }
        for journey in definition.journeys {
            for stage in journey.stages { read.formUnion(stage.when?.context.map(\.key) ?? []) }
        }
        if definition.content.contains(where: { $0.language != nil }) { read.insert("language") }
        return definition.contextKeys.map(\.id).filter(read.contains)
    }

    var stageSignalCount: Int { definition.journeys.reduce(0) { $0 + $1.stages.filter { $0.when != nil }.count } }

    var experiments: [RuleDefinition] { definition.rules.filter { !$0.variants.isEmpty } }

    var nudges: [NudgeDefinition] { definition.rules.flatMap(\.allNudges) }

    /// The longest cap window, in days (rounded up): how long a visitor's hash is kept.
    var longestCapDays: Int {
        let seconds = nudges.compactMap(\.cap?.per).max() ?? 0
        return Int((seconds + 86_399) / 86_400)
    }

    /// The longest dismissal, in days (rounded up).
    var longestDismissDays: Int {
        let seconds = nudges.map(\.dismissWindow).max() ?? 0
        return Int((seconds + 86_399) / 86_400)
    }

    var methodsAndModels: String {
        let journeys = definition.journeys.map { $0.label ?? $0.id }
        let keys = contextKeysRead
        let holdouts = experiments.filter { $0.holdout != nil }.count
        let vulnerable = definition.personas.filter(\.vulnerable).map { $0.label ?? $0.id }
        var text = "Duwtje is regelgebaseerd en niet zelflerend. Medewerkers van de gemeente schrijven alle regels zelf, "
            + "in leesbare bestanden; het systeem leert niets van bezoekers en verandert de regels nooit zelf. "
        text += "Invoer per vraag van de website: de klantreis (\(journeys.joined(separator: ", "))), de fase in die reis, "
            + "eventueel een persona (\(definition.personas.count) persona's) en context: \(keys.isEmpty ? "geen" : keys.joined(separator: ", ")). "
        text += "De fase: geeft de website die niet mee, dan kiest Duwtje de laatste fase van de reis waarvan de signalen kloppen "
            + "(\(stageSignalCount) fasen hebben signalen, zoals de bekeken pagina), en anders de eerste fase. "
        text += "Werking: \(definition.rules.count) regels. Van de regels die passen gaat die met de hoogste prioriteit voor, "
            + "daarna de meest specifieke, daarna de volgorde in de bestanden; dezelfde vraag geeft dus altijd hetzelfde antwoord. "
        text += "Uitvoer: een korte lijst aanbevolen pagina's en hoogstens één duwtje (nudge), elk met de uitleg waarom. "
        let capped = nudges.filter { $0.cap != nil }.count
        let alternatives = nudges.filter { $0.alternative != nil }.count
        text += capped == nudges.count ? "Elk duwtje heeft een maximum per bezoeker (bijvoorbeeld 3 keer per week)"
            : "\(capped) van de \(nudges.count) duwtjes hebben een maximum per bezoeker"
        text += alternatives == nudges.count ? " en noemt een andere route, zoals de balie. "
            : "; \(alternatives) van de \(nudges.count) noemen een andere route. "
        if !experiments.isEmpty {
            text += "Experimenten: \(experiments.count) regel(s) testen varianten; \(holdouts) daarvan met een controlegroep zonder duwtje. "
                + "Welke variant iemand ziet, volgt vast uit een berekening op het pseudoniem van de bezoeker (FNV-1a), niet uit toeval per bezoek. "
        }
        if !vulnerable.isEmpty {
            text += "Regels voor kwetsbare groepen (\(vulnerable.joined(separator: ", "))) mogen alleen informatieve duwtjes geven, "
                + "hoogstens eens per week; de controle van de regels (duwtje check) bewaakt dat. "
        }
        text += "Versie van de regels: \(definition.version)."
        return text
    }

    var sourceData: String {
        var text = "Wat de website per bezoek meestuurt: de klantreis, de fase en de persona als de website die kent, "
            + "en deze gegevens over het bezoek: \(contextKeysRead.isEmpty ? "geen" : contextKeysRead.joined(separator: ", ")). "
        text += "Een pseudoniem van de bezoeker (een willekeurige code van de website, geen naam, e-mailadres of BSN). "
        text += "Duwtje bewaart daarvan alleen een versleutelde hash (HMAC-SHA256 met een geheime sleutel), "
            + "om te tellen hoe vaak iemand een duwtje zag, hoogstens \(longestCapDays) dagen lang. "
        text += "Klikt iemand een duwtje weg, dan bewaart Duwtje die hash met dat duwtje tot het weer mag verschijnen "
            + "(hoogstens \(longestDismissDays) dagen). "
        text += "Wat er met een aanbeveling gebeurt (getoond, aangeklikt, afgerond, weggeklikt) bewaart Duwtje alleen als totalen per dag, "
            + "per regel en variant, zonder bezoeker; totalen onder de 10 worden nooit getoond. "
        text += "Die totalen worden na \(retentionDays) dagen verwijderd. Duwtje bewaart geen IP-adressen en geen vragen van de website."
        return text
    }

    var tags: [String] {
        ["regelgebaseerd", "aanbevelingen", "nudging", "klantreis", "Duwtje"] + definition.journeys.map { $0.label ?? $0.id }
    }

    /// A cap in words: "hoogstens 3 keer per week".
    static func frequency(_ cap: Cap) -> String {
        let times = cap.max == 1 ? "1 keer" : "\(cap.max) keer"
        let period: String
        switch cap.per {
        case 86_400: period = "dag"
        case 7 * 86_400: period = "week"
        case let seconds where seconds % 86_400 == 0: period = "\(seconds / 86_400) dagen"
        case 3_600: period = "uur"
        case let seconds where seconds % 3_600 == 0: period = "\(seconds / 3_600) uur"
        case let seconds where seconds % 60 == 0: period = "\(seconds / 60) minuten"
        default: period = "\(cap.per) seconden"
        }
        return "hoogstens \(times) per \(period)"
    }
}
