import Foundation
import DuwtjeTestSupport

/// Rules for the event tests: `r1` (a capped nudge, from ``Fixture``) and `exp`, an experiment with
/// a holdout (`controle`, no nudge) and variant `a`.
enum EventsFixture {
    static let rules = Fixture.rules(why: "A") + """
          - id: exp
            journey: bz
            when: { persona: [ouder], context: { process: rijbewijs } }
            recommend: [ { content: c2 } ]
            why: B
            nudge: { id: n2, message: Regel het online., alternative: Bel 14 020. }
            variants:
              controle: { weight: 50, nudge: null }
              a: { weight: 50 }

        """

    /// One event as JSON.
    static func event(_ type: String, rule: String = "r1", variant: String? = nil, content: String? = "c1",
                      visitor: String? = nil, at: String? = nil) -> String {
        var fields = [#""type": "\#(type)""#, #""journey": "bz""#, #""stage": "bewustwording""#, #""persona": "ouder""#,
                      #""rule": "\#(rule)""#]
        if let variant { fields.append(#""variant": "\#(variant)""#) }
        if let content { fields.append(#""content": "\#(content)""#) }
        if let visitor { fields.append(#""visitor": "\#(visitor)""#) }
        if let at { fields.append(#""at": "\#(at)""#) }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    static func batch(_ events: [String]) -> String {
        #"{"events": ["# + events.joined(separator: ", ") + "]}"
    }

    /// `count` copies of `event`.
    static func repeated(_ count: Int, _ event: String) -> [String] {
        Array(repeating: event, count: count)
    }
}
