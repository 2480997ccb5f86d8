import DuwtjeRules
import DuwtjeWire
import Foundation
import Testing

@Suite("Decoding request bodies into engine requests")
struct RequestDecoderTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let recommendations = RequestDecoder(endpoint: .recommendations, maxLimit: 20)
    let nudges = RequestDecoder(endpoint: .nudges, maxLimit: 20)

    func error(_ body: String, _ decoder: RequestDecoder? = nil) -> RequestError? {
        do {
            _ = try (decoder ?? recommendations).decode(Array(body.utf8), now: now)
            return nil
        } catch {
            return error
        }
    }

    @Test("every field is read; context values keep their JSON types")
    func full() throws {
        let request = try recommendations.decode(Array("""
        { "journey": "bz", "stage": "besluitvorming", "persona": "ouder", "visitor": "v1",
          "context": { "process": "paspoort", "visits": 3, "ingelogd": true, "page": ["/a", "/b"], "leeg": null },
          "limit": 5, "now": "2026-11-22T10:00:00+01:00", "explain": true }
        """.utf8), now: now)
        #expect(request.journey == "bz" && request.stage == "besluitvorming" && request.persona == "ouder")
        #expect(request.visitor == "v1" && request.limit == 5 && request.explain)
        #expect(request.now == TimeParsing.rfc3339("2026-11-22T10:00:00+01:00"))
        #expect(request.context == [
            "process": .scalar(.string("paspoort")), "visits": .scalar(.number(3)), "ingelogd": .scalar(.bool(true)),
            "page": .list([.string("/a"), .string("/b")]),
        ])
    }

    @Test("defaults: limit 3, no explanation, the daemon's clock; null is absent")
    func defaults() throws {
        let request = try recommendations.decode(Array(#"{"journey": null, "stage": null, "limit": null}"#.utf8), now: now)
        #expect(request.journey == nil && request.stage == nil && request.limit == 3 && !request.explain && request.now == now)
        #expect(try recommendations.decode(Array("{}".utf8), now: now).context.isEmpty)
    }

    @Test("malformed JSON, an empty body and a body that is not an object are 400 for the body")
    func malformed() {
        let broken = error(#"{"journey": "bz","#)
        #expect(broken?.kind == .malformedJSON && broken?.field == nil)
        #expect(broken?.detail.hasPrefix("the body is not valid JSON: ") == true)
        #expect(error(#"{"a" 1}"#)?.detail == "the body is not valid JSON: Invalid value around character 5.")
        #expect(error("")?.kind == .malformedJSON)
        #expect(error("[1, 2]") == RequestError(.malformedJSON, field: nil, detail: "the body must be a JSON object, not a list"))
    }

    @Test("a field of the wrong type is named, with what it must be")
    func wrongTypes() {
        #expect(error(#"{"journey": 3}"#) == RequestError(.wrongType, field: "journey", detail: "'journey' must be a string, not a number"))
        #expect(error(#"{"limit": "3"}"#) == RequestError(.wrongType, field: "limit", detail: "'limit' must be a whole number, not a string"))
        #expect(error(#"{"explain": 1}"#) == RequestError(.wrongType, field: "explain", detail: "'explain' must be true or false, not a number"))
        #expect(error(#"{"context": [1]}"#)?.field == "context")
        #expect(error(#"{"context": {"page": {"a": 1}}}"#) == RequestError(
            .wrongType, field: "context.page",
            detail: "'context.page' must be a string, number, true/false or a list of those, not an object"))
        #expect(error(#"{"context": {"page": ["/a", [1]]}}"#)?.field == "context.page")
    }

    @Test("an unknown top-level field is named, with the nearest known one")
    func unknownFields() {
        #expect(error(#"{"journey": "bz", "persona_id": "ouder"}"#) == RequestError(
            .unknownField, field: "persona_id", detail: "unknown field 'persona_id' (did you mean 'persona'?)"))
        #expect(error(#"{"zzz": 1}"#)?.detail == "unknown field 'zzz'; the fields are journey, stage, persona, visitor, context, limit, now, explain")
        let visitor = error(#"{"visitor": "v"}"#, nudges)
        #expect(visitor?.kind == .unknownField && visitor?.field == "visitor")
        #expect(error(#"{"limit": 2}"#, nudges)?.field == "limit")
    }

    @Test("values out of range: limit 1 to max_limit, now in RFC 3339")
    func invalidValues() {
        #expect(error(#"{"limit": 0}"#) == RequestError(.invalidValue, field: "limit", detail: "'limit' must be a whole number from 1 to 20, not 0"))
        #expect(error(#"{"limit": 21}"#)?.field == "limit")
        #expect(error(#"{"limit": 2.5}"#)?.detail == "'limit' must be a whole number from 1 to 20, not 2.5")
        #expect(error(#"{"limit": 1e300}"#)?.kind == .invalidValue)
        #expect(error(#"{"now": "gisteren"}"#) == RequestError(
            .invalidValue, field: "now", detail: "'now' must be an RFC 3339 time such as 2026-11-22T10:00:00+01:00, not 'gisteren'"))
        #expect(error(#"{"limit": 20}"#) == nil)
    }

    /// Found by the request fuzzer: the fast scanner read a number that underflows to zero, while
    /// JSONDecoder refuses it, so the same body got two different errors depending on the path.
    @Test("a number that underflows gets the same answer from the scanner as from JSONDecoder")
    func underflowAgrees() {
        var reference = recommendations
        reference.usesScanner = false
        for body in ["[1e040, -0.5678901E-71234567889, \"a\"]", #"{"journey": "bz", "limit": 1e-400}"#,
                     #"{"journey": "bz", "context": {"visits": 4.9e-320}}"#] {
            #expect(error(body) == error(body, reference), "\(body)")
        }
    }

    /// Found by the request fuzzer in CI: `Double("1.7976931348623159e308")` rounds to the largest
    /// Double, JSONDecoder refuses the number, so a list holding it got "must be a JSON object"
    /// from one path and "not valid JSON" from the other.
    @Test("a number at the edge of a Double's range gets the same answer from both paths", arguments: [
        "[1.7976931348623159e308]", #"{"context": {"x": 1.7976931348623159e308}}"#, #"{"limit": -1.7976931348623157e308}"#,
        #"{"context": {"x": 2.2250738585072014e-308}}"#, #"{"limit": 0e400}"#, "[1e299, -1e-299]",
        // Found by the request fuzzer: JSONDecoder refuses `0e4` (valid JSON), takes `0e0`.
        "0e4", "[0E4]", #"{"limit": 0e4}"#, #"{"context": {"x": -0e4}}"#, "0e0", "0.0e4",
    ])
    func rangeEdgesAgree(_ body: String) {
        var reference = recommendations
        reference.usesScanner = false
        #expect(error(body) == error(body, reference))
    }

    /// Found by the request fuzzer: with two bad context values, which one the error named followed
    /// the dictionary's per-process order. The first in key order is named, in every process.
    @Test("of several bad context values the first by key is named")
    func contextErrorsInKeyOrder() {
        let body = #"{"context": {"zz": {}, "c": {"a": 1}, "context": [{}], "b": "ok"}}"#
        #expect(error(body)?.field == "context.c")
        var reference = recommendations
        reference.usesScanner = false
        #expect(error(body, reference)?.field == "context.c")
    }

    /// The direct path (bytes straight into the request) must read what the `JSONDecoder` path
    /// reads, or leave the body to it: the same request or the same error for every shape it
    /// takes or refuses — nulls, duplicates, escaped names, the nudge endpoint's missing fields.
    @Test("the direct path and the JSONDecoder path agree", arguments: [
        #"{}"#, #" { "journey" : "bz" , "limit" : 2 } "#, #"{"journey": "b\u007a", "context": {"p\u00e1": ["x", 1, true]}}"#,
        #"{"jo\u0075rney": "bz"}"#, #"{"journey": "bz", "journey": "cz"}"#, #"{"context": {"a": null, "a": 1}}"#,
        #"{"context": {"a": 1, "a": 1}}"#, #"{"visitor": null}"#, #"{"limit": null}"#, #"{"visitor": "v"}"#,
        #"{"limit": 2.0}"#, #"{"limit": 21}"#, #"{"limit": "2"}"#, #"{"explain": 1}"#, #"{"explain": false}"#,
        #"{"now": "2026-11-22T10:00:00Z"}"#, #"{"now": "morgen"}"#, #"{"now": "2026-11-22t10:00:00.25\u002B01:00"}"#,
        #"{"now": "2026-02-30T10:00:00Z"}"#, #"{"now": "2026-11-22T10:00:00+01:0"}"#, #"{"now": 1}"#, #"{"context": {"a": [null]}}"#,
        #"{"context": {"a": [[1]]}}"#, #"{"context": {"a": {}}}"#, #"{"context": []}"#, #"{"context": {"a": []}}"#,
        #"{"journey": "bz",}"#, #"{"journey": "bz"} x"#, #"{"journey" "bz"}"#, #"{"Journey": "bz"}"#,
        #"{"journey": "bz", "context": {"visits": -0, "x": 1e3, "y": 1.5e-3}}"#, "[]", "\"bz\"",
        // Strings read eight bytes at a time: the end, an escape, a control character or a non-ASCII
        // byte before, at and after each eight-byte step.
        #"{"journey": "1234567", "stage": "12345678", "persona": "123456789", "visitor": "1234567890123456"}"#,
        #"{"journey": "1234567\"8", "stage": "12345678\n9", "persona": "123456789012345\u00e9x"}"#,
        "{\"journey\": \"12345678\u{01}9\"}", "{\"journey\": \"1234567é\", \"stage\": \"12345678é12345678\"}",
        #"{"context": {"k1234567890": "v1234567890abcdef", "k1234567890 ": "x", "ké": 1}}"#,
        #"{"context": {"a\u0062": 1, "ab": 2}}"#, #"{"context": {"ab": 1, "a\u0062": 2}}"#, #"{"context": {"": 1, "": 2}}"#,
        // At, and one past, the most context keys the direct path compares one by one; a duplicate past it.
        RequestDecoderTests.context(keys: 16), RequestDecoderTests.context(keys: 17),
        RequestDecoderTests.context(keys: 17, repeating: "k3"), RequestDecoderTests.context(keys: 3, repeating: "k0"),
    ])
    func directPathAgrees(_ body: String) {
        for decoder in [recommendations, nudges] {
            var reference = decoder
            reference.usesScanner = false
            let direct = Result { () throws(RequestError) in try decoder.decode(Array(body.utf8), now: now) }
            let slow = Result { () throws(RequestError) in try reference.decode(Array(body.utf8), now: now) }
            switch (direct, slow) {
            case (.success(let a), .success(let b)):
                #expect(a.journey == b.journey && a.stage == b.stage && a.persona == b.persona && a.visitor == b.visitor, "\(body)")
                #expect(a.limit == b.limit && a.now == b.now && a.explain == b.explain && a.context == b.context, "\(body)")
            case (.failure(let a), .failure(let b)):
                #expect(a == b, "\(body)")
            default:
                Issue.record("\(body): direct \(direct), JSONDecoder \(slow)")
            }
        }
    }

    @Test("a context larger than the direct path compares key by key is read whole")
    func largeContext() throws {
        let request = try recommendations.decode(Array(Self.context(keys: 2_000).utf8), now: now)
        #expect(request.context.count == 2_000)
        #expect(request.context["k1999"] == .scalar(.number(1_999)))
    }

    /// A body whose context has `keys` keys `k0`, `k1`, …, and then `repeating` once more.
    static func context(keys: Int, repeating: String? = nil) -> String {
        let entries = (0..<keys).map { "\"k\($0)\": \($0)" } + (repeating.map { ["\"\($0)\": \"again\""] } ?? [])
        return #"{"journey": "bz", "context": {"# + entries.joined(separator: ", ") + "}}"
    }
}
