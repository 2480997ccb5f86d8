@testable import DuwtjeWire
import Foundation
import NIOCore
import Testing

@Suite("JSON output: strings escaped as JSONEncoder does, at any length and position")
struct JSONOutputTests {
    /// The word-at-a-time check must find every byte that needs an escape wherever it sits (in a
    /// full word or in the tail) and never flag a clean byte, UTF-8 included.
    @Test("every ASCII byte at every position, and UTF-8 around the word edges: JSONEncoder's bytes")
    func everyBytePosition() throws {
        let encoder = WireJSON.encoder()
        for byte in UInt8(0)..<UInt8(0x80) {
            for length in [1, 7, 8, 9, 16, 17] {
                for position in 0..<length {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    bytes[position] = byte
                    let text = String(decoding: bytes, as: UTF8.self)
                    try expectEncoded(text, encoder, "byte \(byte) at \(position) of \(length)")
                }
            }
        }
        // Two-, three- and four-byte characters across each eight-byte step, beside an escape.
        for character in ["é", "—", "🚌"] {
            for prefix in 0..<9 {
                let text = String(repeating: "a", count: prefix) + character + String(repeating: "b", count: 9)
                try expectEncoded(text, encoder, "\(character) after \(prefix)")
                try expectEncoded(text + "\"", encoder, "\(character) after \(prefix), then a quote")
            }
        }
    }

    private func expectEncoded(_ text: String, _ encoder: JSONEncoder, _ comment: Comment) throws {
        var out = JSONOutput(capacity: 8)
        out.write(string: text)
        var buffer = out.buffer()
        #expect(buffer.readBytes(length: buffer.readableBytes) == Array(try encoder.encode([text]).dropFirst().dropLast()), comment)
    }

    /// Texts longer than the area's start, with escapes at the ends, written as JSONEncoder writes them.
    @Test("long and escaped texts are JSONEncoder's bytes; the area grows as needed")
    func matchesJSONEncoder() throws {
        let texts = [
            "", "plain", "é ü — 🚌 bus", "quote \" and \\ backslash", "\u{0}\u{1}\u{1F}\t\n\r\u{8}\u{C}",
            String(repeating: "Paspoort aanvragen, ", count: 400) + "\"", "/v1/paden/met/slashes",
        ]
        var out = JSONOutput(capacity: 16)
        for (index, text) in texts.enumerated() {
            if index > 0 { out.write(",") }
            out.write(string: text)
        }
        var buffer = out.buffer()
        let written = buffer.readBytes(length: buffer.readableBytes) ?? []
        let expected = try WireJSON.encoder().encode(texts)
        #expect(written == Array(expected.dropFirst().dropLast()))
    }

    /// An answer larger than the buffer's free space moves to an area of its own on the way; the
    /// bytes are the same as when it fits.
    @Test("writing into a borrowed area: in place when it fits, moved when it does not")
    func borrowedArea() throws {
        let long = String(repeating: "Burgernet-app downloaden, ", count: 20)
        for length in [1, 3, 200] {
            let texts = Array(repeating: long, count: length)
            var storage = [UInt8](repeating: 0, count: 1_024)
            let (owns, written) = storage.withUnsafeMutableBytes { area -> (Bool, [UInt8]) in
                var out = JSONOutput(borrowing: area)
                for text in texts { out.write(string: text) }
                let owns = out.ownsArea
                var buffer = out.buffer()
                return (owns, buffer.readBytes(length: buffer.readableBytes) ?? [])
            }
            #expect(owns == (length > 1), "\(length) texts")
            #expect(written == Array(texts.map { "\"\($0)\"" }.joined().utf8))
        }
    }
}
