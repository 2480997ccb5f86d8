/// The small rule set every end-to-end test serves.
enum Fixture {
    static let vocabulary = """
    journeys:
      bz:
        label: Burgerzaken
        stages:
          - id: bewustwording
          - id: besluitvorming
            when: { context: { visits: { gte: 3 } } }
        fallback: [f1]
    personas:
      ouder: { label: Ouder }
    content_types:
      informatief: { label: Informatief }
    context:
      process: { values: [paspoort, rijbewijs] }
      visits: { type: number }
    content:
      - { id: c1, type: informatief, title: C1, url: /c1 }
      - { id: c2, type: informatief, title: C2, url: /c2 }
      - { id: f1, type: informatief, title: F1, url: /f1 }

    """

    static func rules(why: String) -> String {
        """
        rules:
          - id: r1
            journey: bz
            when: { persona: [ouder], context: { process: paspoort } }
            recommend: [ { content: c1 }, { content: c2 } ]
            why: \(why)
            nudge:
              id: n1
              message: Maak online een afspraak.
              alternative: Bel 14 020.
              cap: { max: 2, per: 1d }

        """
    }

    /// A rule file with two errors: an unknown persona (line 4) and an unknown content id (line 5).
    static let brokenRules = """
    rules:
      - id: r1
        journey: bz
        when: { persona: [oudr] }
        recommend: [ { content: c9 } ]
        why: kapot

    """
}
