import Foundation
public import Testing

/// Rules for the event tests: `r1` (a capped nudge, from ``Fixture``) and `exp`, an experiment with
/// a holdout (`controle`, no nudge) and variant `a`.
public enum EventsFixture {
    public static let rules = Fixture.rules(why: "A") + """
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
    public static func event(_ type: String, rule: String = "r1", variant: String? = nil, content: String? = "c1",
                      visitor: String? = nil, at: String? = nil) -> String {
        var fields = [#""type": "\#(type)""#, #""journey": "bz""#, #""stage": "bewustwording""#, #""persona": "ouder""#,
                      #""rule": "\#(rule)""#]
        if let variant { fields.append(#""variant": "\#(variant)""#) }
        if let content { fields.append(#""content": "\#(content)""#) }
        if let visitor { fields.append(#""visitor": "\#(visitor)""#) }
        if let at { fields.append(#""at": "\#(at)""#) }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    public static func batch(_ events: [String]) -> String {
        #"{"events": ["# + events.joined(separator: ", ") + "]}"
    }

    /// `count` copies of `event`.
    public static func repeated(_ count: Int, _ event: String) -> [String] {
        Array(repeating: event, count: count)
    }

    /// `counts` events of each type for `variant` of experiment `exp`.
    public static func experiment(_ variant: String, impressions: Int, clicks: Int, conversions: Int) -> [String] {
        repeated(impressions, event("impression", rule: "exp", variant: variant, content: "c2"))
            + repeated(clicks, event("click", rule: "exp", variant: variant, content: "c2"))
            + repeated(conversions, event("conversion", rule: "exp", variant: variant, content: "c2"))
    }

    /// The report of experiment `exp` after holdout `controle` 200 impressions, 20 clicks, 10
    /// conversions and variant `a` 220, 44, 15 (see ``experiment(_:impressions:clicks:conversions:)``).
    /// Expected values computed by hand (Python, z = 1.959963984540054): Wilson intervals, Newcombe's
    /// hybrid score interval for the difference a − controle, and the pooled two-proportion z-test.
    public static func checkFigures(_ json: [String: Any]?, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let rules = try #require(json?["rules"] as? [[String: Any]], sourceLocation: sourceLocation)
        let exp = try #require(rules.first { $0["rule"] as? String == "exp" }, sourceLocation: sourceLocation)
        #expect(exp["reference"] as? String == "controle", sourceLocation: sourceLocation)
        let variants = try #require(exp["variants"] as? [[String: Any]], sourceLocation: sourceLocation)
        #expect(variants.compactMap { $0["variant"] as? String } == ["controle", "a"], sourceLocation: sourceLocation)
        let control = variants[0], a = variants[1]
        #expect(control["impressions"] as? Int == 200 && control["clicks"] as? Int == 20 && control["conversions"] as? Int == 10,
                sourceLocation: sourceLocation)
        #expect(a["impressions"] as? Int == 220 && a["clicks"] as? Int == 44 && a["conversions"] as? Int == 15,
                sourceLocation: sourceLocation)
        func close(_ object: Any?, _ key: String, _ expected: Double) {
            let value = (object as? [String: Any])?[key] as? Double
            #expect(value.map { abs($0 - expected) < 1e-6 } == true, "\(key): \(String(describing: value)) ≠ \(expected)",
                    sourceLocation: sourceLocation)
        }
        close(control["click_rate"], "value", 0.1)
        close(control["click_rate"], "low", 0.06567044866909588)
        close(control["click_rate"], "high", 0.1494058124327174)
        close(control["conversion_rate"], "low", 0.02738264560076393)
        close(control["conversion_rate"], "high", 0.08957814813877599)
        close(a["click_rate"], "value", 0.2)
        close(a["click_rate"], "low", 0.1524953525885687)
        close(a["click_rate"], "high", 0.2578015571285127)
        close(a["conversion_rate"], "value", 0.06818181818181818)
        close(a["conversion_rate"], "low", 0.041751057379023244)
        close(a["conversion_rate"], "high", 0.1094338884258666)
        close(a["click_vs_reference"], "difference", 0.1)
        close(a["click_vs_reference"], "low", 0.031460771613467525)
        close(a["click_vs_reference"], "high", 0.16722751000194713)
        close(a["click_vs_reference"], "z", 2.8479738510351136)
        close(a["click_vs_reference"], "p", 0.004399853955616632)
        close(a["conversion_vs_reference"], "difference", 0.018181818181818174)
        close(a["conversion_vs_reference"], "low", -0.02941035477455626)
        close(a["conversion_vs_reference"], "high", 0.0652273070138045)
        close(a["conversion_vs_reference"], "z", 0.7865380584410993)
        close(a["conversion_vs_reference"], "p", 0.4315523315866988)
        #expect(control["click_vs_reference"] is NSNull, sourceLocation: sourceLocation)
    }
}
