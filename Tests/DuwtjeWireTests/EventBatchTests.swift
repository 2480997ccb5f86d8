import DuwtjeRules
import DuwtjeTestSupport
import DuwtjeWire
import Foundation
import Testing

/// Event batches are stored whole or refused whole: every event of an accepted batch is counted.
@Suite("Decoding event batches")
struct EventBatchTests {
    let ruleSet: RuleSet
    let now = Date(timeIntervalSince1970: 1_795_338_000)

    init() throws {
        let zone = TimeZone(identifier: "Europe/Amsterdam") ?? .gmt
        let output = RuleSetLoader(timeZone: zone).load(files: [
            RuleFile(path: "rules.yaml", bytes: Array(Fixture.rules(why: "A").utf8)),
            RuleFile(path: "vocabulary.yaml", bytes: Array(Fixture.vocabulary.utf8)),
        ])
        ruleSet = RuleSet(try #require(output.definition), timeZone: zone)
    }

    func decode(_ body: String) throws(Problem) -> EventBatch {
        try EventBatch.decode(Array(body.utf8), ruleSet: ruleSet, maxBatch: 500, retentionDays: 400, now: now)
    }

    @Test("a batch may carry its id; a bad id is refused naming 'batch'")
    func batchKey() throws {
        let events = #"[{"type": "click", "journey": "bz", "stage": "bewustwording", "rule": "r1"}]"#
        #expect(try decode(#"{"batch": "8e03978e-40d5-43e8-bc93-6894a57f9324", "events": \#(events)}"#).key
            == "8e03978e-40d5-43e8-bc93-6894a57f9324")
        #expect(try decode(#"{"batch": null, "events": \#(events)}"#).key == nil)
        for bad in [#""""#, #""a b""#, #""ü""#, "42", "\"" + String(repeating: "x", count: 256) + "\""] {
            do {
                _ = try decode(#"{"batch": \#(bad), "events": \#(events)}"#)
                Issue.record("batch \(bad) was accepted")
            } catch {
                #expect(error.status == 400 && error.errors?.map(\.field) == ["batch"], "\(bad)")
            }
        }
        #expect(BatchKey.header("\"k-1\"") == "k-1" && BatchKey.header("k-1") == "k-1" && BatchKey.header("") == nil)
        #expect(BatchKey.header("\"a b\"") == nil && BatchKey.header(String(repeating: "x", count: 255)) != nil)
    }

    @Test("an accepted batch counts each of its events")
    func countsEveryEvent() throws {
        let batch = try decode(#"{"events": [{"type": "impression", "journey": "bz", "stage": "bewustwording", "rule": "r1", "content": "c1"}, {"type": "click", "journey": "bz", "stage": "bewustwording", "rule": "r1", "persona": null}]}"#)
        #expect(batch.count == 2 && batch.counts.values.reduce(0, +) == 2)
    }

    /// Found while writing the event-batch fuzzer's invariant (every accepted event counted): a
    /// required field sent as `null` passed the check (the key was there) and the event was then
    /// skipped without a word, so the batch was acknowledged with one event more than was stored.
    @Test("a required field that is null is missing: the batch is refused, not acknowledged with an event dropped",
          arguments: ["type", "journey", "stage", "rule"])
    func nullRequiredField(field: String) throws {
        var fields = [#""type": "click""#, #""journey": "bz""#, #""stage": "bewustwording""#, #""rule": "r1""#]
        fields = fields.map { $0.hasPrefix("\"\(field)\"") ? "\"\(field)\": null" : $0 }
        let body = #"{"events": [{"# + fields.joined(separator: ", ") + "}]}"
        #expect(throws: Problem.self) { try decode(body) }
        do {
            _ = try decode(body)
        } catch {
            #expect(error.status == 400 && error.errors?.first?.field == field)
            #expect(error.errors?.first?.detail == "'\(field)' is required")
        }
    }

    /// Found by the event-batch fuzzer: ICU's date parser (behind ISO8601DateFormatter) stopped the
    /// process with SIGFPE on an `at` with a 75-digit fraction. Such a time is read like any other.
    @Test("an at with a very long fraction is read, not a crash")
    func longFraction() throws {
        let at = "2026-11-22T09:15:00.1234" + String(repeating: "4", count: 70) + "Z"
        let batch = try decode(#"{"events": [{"type": "click", "journey": "bz", "stage": "bewustwording", "rule": "r1", "at": "\#(at)"}]}"#)
        #expect(batch.counts.keys.first?.day == "2026-11-22")
        let future = "4050-11-22T09:15:00.1234" + String(repeating: "4", count: 70) + "Z"
        #expect(throws: Problem.self) {
            try decode(#"{"events": [{"type": "click", "journey": "bz", "stage": "bewustwording", "rule": "r1", "at": "\#(future)"}]}"#)
        }
    }
}
