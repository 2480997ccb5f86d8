import DuwtjeRules
import DuwtjeWire
import Foundation
import Testing

/// A request's `now` and an event's `at` are read by one RFC 3339 parser (issue 18, item 12): a
/// client that gets one accepted never sees the other refused.
@Suite("One RFC 3339 parser for now and at")
struct TimeFormatTests {
    let clock = TimeParsing.rfc3339("2026-11-29T12:00:00Z")!

    static let accepted = [
        "2026-11-29T12:00:00Z", "2026-11-29t12:00:00z", "2026-11-29T13:00:00+01:00", "2026-11-29T12:00:00.250Z",
        "2026-11-29T07:00:00-05:00",
    ]
    static let refused = [
        "2026-11-29 12:00:00Z", "2026-11-29T23:59:60Z", "2026-11-29T12:00:00", "2026-11-29T12:00Z", "2026-11-29",
        "2026-11-29T12:00:00+0100", "2026-02-30T12:00:00Z", "2026-11-29T24:00:00Z",
    ]

    func nowIsAccepted(_ text: String) -> Bool {
        let decoder = RequestDecoder(endpoint: .recommendations, maxLimit: 20)
        return (try? decoder.decode(Array(#"{"journey": "bz", "now": "\#(text)"}"#.utf8), now: clock)) != nil
    }

    func atIsAccepted(_ text: String, ruleSet: RuleSet) -> Bool {
        let body = #"{"events": [{"type": "click", "journey": "bz", "stage": "s", "rule": "r", "content": "c", "at": "\#(text)"}]}"#
        return (try? EventBatch.decode(Array(body.utf8), ruleSet: ruleSet, maxBatch: 10, retentionDays: 400, now: clock)) != nil
    }

    @Test("the same times are accepted and refused as now and as at", arguments: accepted + refused)
    func sameVerdict(_ text: String) throws {
        let output = RuleSetLoader(timeZone: TimeZone(identifier: "Europe/Amsterdam")!).load(files: [RuleFile(path: "r.yaml", bytes: Array("""
        journeys: { bz: { stages: [ { id: s } ] } }
        content_types: { info: {} }
        content: [ { id: c, type: info, title: C, url: /c } ]
        rules: [ { id: r, recommend: [ { content: c } ], why: w } ]
        """.utf8))])
        let ruleSet = RuleSet(try #require(output.definition), timeZone: TimeZone(identifier: "Europe/Amsterdam")!)
        let expected = Self.accepted.contains(text)
        #expect(nowIsAccepted(text) == expected, "now: \(text)")
        #expect(atIsAccepted(text, ruleSet: ruleSet) == expected, "at: \(text)")
        #expect((TimeParsing.rfc3339(text) != nil) == expected, "rfc3339: \(text)")
    }

    @Test("lower-case t and z mean the same instant as upper case")
    func lowerCase() {
        #expect(TimeParsing.rfc3339("2026-11-29t12:00:00z") == clock)
        #expect(TimeParsing.rfc3339("2026-11-29T12:00:00.250Z") == clock.addingTimeInterval(0.25))
    }
}
