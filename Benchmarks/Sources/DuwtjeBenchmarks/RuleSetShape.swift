/// The vocabulary of a generated rule set of `ruleCount` rules, shared by the generator (which
/// writes it) and the request mix (which asks questions in it).
///
/// It grows with the rules the way a real municipality's would: more journeys (one per 500 rules),
/// more processes (one per 20 rules, each owned by one journey), and a content catalogue of half as
/// many items as rules; personas, channels, devices and languages stay the fixed lists they are.
struct RuleSetShape {
    struct Journey {
        let id: String
        /// The processes (values of the closed `process` key) this journey is about.
        let processes: [String]
        let ruleCount: Int
        let contentCount: Int

        /// Content ids are derived, not stored: item `k` is about `processes[k % processes.count]`
        /// and of type `contentTypes[(k / processes.count) % 3]`, so a rule can pick an item about
        /// its own process with arithmetic alone.
        func contentID(_ index: Int) -> String { "\(id)-c\(RuleSetShape.pad(index, 5))" }
        func process(ofContent index: Int) -> String { processes[index % processes.count] }
        func type(ofContent index: Int) -> String {
            RuleSetShape.contentTypes[(index / processes.count) % RuleSetShape.contentTypes.count]
        }
    }

    static let stages = ["bewustwording", "interesse", "besluitvorming", "actie"]
    static let personas = [
        "drukke-ouder", "digitaal-onzeker", "student", "nieuwkomer", "ondernemer", "latente-werkzoeker",
        "actieve-werkzoeker", "starter", "ervaren-professional", "forens", "buurtbewoner", "mantelzorger",
    ]
    static let contentTypes = ["informatief", "persuasief", "actie"]
    static let channels = ["web", "email", "social", "balie", "app"]
    static let devices = ["mobiel", "desktop", "tablet"]
    static let languages = ["nl", "en", "pl", "tr"]
    static let topics = ["uitleg", "video", "checklist", "kosten", "ervaring", "howto"]

    private static let journeyNames = [
        "burgerzaken", "werken-bij", "burgernet", "ov", "afval", "wonen", "zorg", "ondernemen", "belastingen", "parkeren",
    ]
    private static let processNames = [
        "paspoort", "id-kaart", "rijbewijs", "verhuizing", "parkeervergunning", "afvalpas", "bijstand", "kinderopvang",
        "omgevingsvergunning", "evenementenvergunning", "hondenbelasting", "woz-bezwaar", "subsidie", "huwelijk",
        "geboorteaangifte", "uittreksel", "rioolheffing", "schuldhulp", "wmo-hulp", "leerlingenvervoer",
    ]

    let ruleCount: Int
    let journeys: [Journey]
    let processes: [String]

    init(ruleCount: Int) {
        self.ruleCount = ruleCount
        let journeyCount = max(1, ruleCount / 500)
        let processCount = max(journeyCount * 3, ruleCount / 20)
        let processes = (0..<processCount).map { Self.name(Self.processNames, $0) }
        self.processes = processes
        let contentTotal = max(journeyCount * 12, ruleCount / 2)
        journeys = (0..<journeyCount).map { j in
            Journey(
                id: Self.name(Self.journeyNames, j),
                processes: stride(from: j, to: processCount, by: journeyCount).map { processes[$0] },
                ruleCount: Self.share(ruleCount, j, journeyCount),
                contentCount: Self.share(contentTotal, j, journeyCount))
        }
    }

    /// `base[i]` for the first names, then `base[i % n]-<round>`: readable and unique.
    static func name(_ base: [String], _ index: Int) -> String {
        index < base.count ? base[index] : "\(base[index % base.count])-\(index / base.count)"
    }

    /// Part `index` of `total` split as evenly as possible into `parts`.
    static func share(_ total: Int, _ index: Int, _ parts: Int) -> Int {
        total / parts + (index < total % parts ? 1 : 0)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
