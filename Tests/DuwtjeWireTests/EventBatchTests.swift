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

    @Test("a batch may carry its id in 'batch' or the Idempotency-Key header; a bad id is refused naming where it was")
    func batchKey() throws {
        let events = #"[{"type": "click", "journey": "bz", "stage": "bewustwording", "rule": "r1"}]"#
        let uuid = "8e03978e-40d5-43e8-bc93-6894a57f9324"
        #expect(try decode(#"{"batch": "\#(uuid)", "events": \#(events)}"#).key == uuid)
        #expect(try decode(#"{"batch": null, "events": \#(events)}"#).key == nil)
        #expect(try decode(#"{"events": \#(events)}"#).digest == nil)
        for bad in [#""""#, #""a b""#, #""ü""#, "42", "\"" + String(repeating: "x", count: 256) + "\""] {
            do {
                _ = try decode(#"{"batch": \#(bad), "events": \#(events)}"#)
                Issue.record("batch \(bad) was accepted")
            } catch {
                #expect(error.status == 400 && error.errors?.map(\.field) == ["batch"], "\(bad)")
            }
        }
        func header(_ value: String, body: String = #"{"events": \#(events)}"#) throws(Problem) -> EventBatch {
            try EventBatch.decode(Array(body.utf8), idempotencyKey: value, ruleSet: ruleSet, maxBatch: 500, retentionDays: 400, now: now)
        }
        // The header as a structured-field string or bare; the same key in both places is one key.
        #expect(try header("\"\(uuid)\"").key == uuid && header(uuid).key == uuid)
        #expect(try header(uuid, body: #"{"batch": "\#(uuid)", "events": \#(events)}"#).key == uuid)
        #expect(try header(String(repeating: "~", count: 255)).key?.count == 255)
        #expect(try header(#""a\"b\\c""#).key == #"a"b\c"# && header(#"a"b"#).key == #"a"b"#)
        // Not a key (empty, a space, an unfinished or bad string, two headers joined, not ASCII): 400 naming the header.
        for bad in ["", "\"\"", "a b", "\"k", "\"k\" ", #""k\n""#, "\"k\", \"l\"", "k-1, k-2", "sleutel-é",
                    String(repeating: "x", count: 256)] {
            do {
                _ = try header(bad)
                Issue.record("header \(bad) was accepted")
            } catch {
                #expect(error.status == 400 && error.errors?.map(\.field) == ["Idempotency-Key"], "\(bad)")
            }
        }
        // Two different keys: which one would the client retry with? Refused, naming 'batch'.
        do {
            _ = try header("k-1", body: #"{"batch": "k-2", "events": \#(events)}"#)
            Issue.record("two different keys were accepted")
        } catch {
            #expect(error.status == 400 && error.errors?.map(\.field) == ["batch"] && error.detail.contains("different keys"))
        }
    }

    @Test("a retry's digest matches whatever the JSON's spacing, member order, escapes and nulls; other events do not")
    func batchDigest() throws {
        func digest(_ events: String, key: String = "k") throws -> [UInt8]? {
            try decode(#"{"batch": "\#(key)", "events": \#(events)}"#).digest
        }
        let first = try #require(try digest(#"[{"type": "click", "journey": "bz", "stage": "bewustwording", "rule": "r1", "content": "c1"}]"#))
        #expect(first.count == 32)
        // The same events written otherwise, and under another key (the key is not part of what is compared).
        #expect(try digest(#"[ {"rule":"r1","content":"c\u0031","type":"click","stage":"bewustwording","journey":"bz","persona":null} ]"#)
            == first)
        #expect(try digest(#"[{"type": "click", "journey": "bz", "stage": "bewustwording", "rule": "r1", "content": "c1"}]"#, key: "other")
            == first)
        // Another type, one more event, the events in another order, a value moved between fields: all differ.
        let click = #"{"type": "click", "journey": "bz", "stage": "bewustwording", "rule": "r1", "content": "c1"}"#
        let impression = #"{"type": "impression", "journey": "bz", "stage": "bewustwording", "rule": "r1", "content": "c1"}"#
        let others = try [
            digest("[\(impression)]"), digest("[\(click), \(click)]"), digest("[\(click), \(impression)]"),
            digest("[\(impression), \(click)]"),
            digest(#"[{"type": "click", "journey": "bz", "stage": "bewustwording", "rule": "r1", "content": "c1", "visitor": "v"}]"#),
        ]
        #expect(Set(others.compactMap { $0 }).count == others.count && !others.contains(first))
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
