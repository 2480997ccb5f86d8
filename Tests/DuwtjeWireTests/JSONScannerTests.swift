@testable import DuwtjeWire
import Foundation
import Testing

@Suite("The fast request-body parser agrees with JSONDecoder or leaves the body to it")
struct JSONScannerTests {
    func scan(_ text: String) -> JSONValue? {
        Array(text.utf8).withUnsafeBufferPointer { JSONScanner.parse($0) }
    }

    func decoded(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    @Test("valid bodies parse to what JSONDecoder makes of them", arguments: [
        #"{"journey":"bz","stage":null,"limit":3,"explain":true,"context":{"visits":3,"page":["/a","/b"],"x":false}}"#,
        #"  {"a" : [ 1 , -2.5 , 1e3 , 0 , -0 , 12345678901234567890 , 0.1 , 2E-3 ] }  "#,
        #"{"s":"tab\t nl\n quote\" slash\/ back\\ \u00e9 \ud83d\ude00 \u0000 é😀"}"#,
        #"[]"#, #"{}"#, #""text""#, #"1"#, #"true"#, #"null"#, #"[[[{"a":[{}]}]]]"#,
    ])
    func agrees(_ text: String) throws {
        let scanned = try #require(scan(text))
        let expected = try #require(decoded(text))
        #expect(describe(scanned) == describe(expected))
    }

    @Test("bodies it leaves to JSONDecoder", arguments: [
        "", " ", "{", #"{"a":}"#, #"{"a":1,}"#, "[1,]", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul", #"{"a" 1}"#,
        #"{"a":1}x"#, #"{'a':1}"#, #"{"a":1,"a":2}"#, #""\ud800""#, #""\udc00""#, #""\x""#, "\"a\u{01}b\"", "1e400",
        "1.7976931348623159e308", "-1e300", "1e-301",
        "\"\u{FF}\"", String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
    ])
    func declines(_ text: String) {
        // Invalid UTF-8 cannot be written as a Swift string literal; "\u{FF}" above is valid, so
        // test a raw 0xFF byte separately below.
        if text == "\"\u{FF}\"" {
            #expect(scan(text) != nil)
            #expect([UInt8]([0x22, 0xFF, 0x22]).withUnsafeBufferPointer { JSONScanner.parse($0) } == nil)
        } else {
            #expect(scan(text) == nil)
        }
    }

    func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return "\(flag)"
        case .number(let number): return "n\(number.bitPattern)"
        case .string(let text): return "s" + text.unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: ".")
        case .array(let items): return "[" + items.map(describe).joined(separator: ",") + "]"
        case .object(let fields): return "{" + fields.sorted { $0.key < $1.key }.map { "\($0.key):\(describe($0.value))" }
            .joined(separator: ",") + "}"
        }
    }
}
