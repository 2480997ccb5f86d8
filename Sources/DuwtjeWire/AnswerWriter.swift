public import DuwtjeRules
public import NIOCore

/// Writes an ``Answer`` as JSON straight into a `ByteBuffer`, byte for byte what
/// `JSONEncoder.duwtje` (sorted keys, slashes unescaped) writes for it.
///
/// The answer is the daemon's hottest output: `JSONEncoder` goes through `Encodable`'s
/// existential containers, builds an intermediate tree, sorts every object's keys and copies the
/// result through `Data`, which cost more than evaluating the rules. The answer's shape is fixed
/// (api.md), so its keys are written here in their sorted order by hand. Keep this in step with
/// `Answer`'s `CodingKeys`; `AnswerWriterTests` compares it with `JSONEncoder` on every shape.
public enum AnswerWriter {
    /// The answer as a JSON body.
    public static func write(_ answer: Answer) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(2_048)  // most answers fit (the socket mix's mean is 944 bytes)
        write(answer, into: &buffer)
        return buffer
    }

    /// The same body as bytes, for `duwtje query --json` (which prints what the daemon would send).
    public static func bytes(_ answer: Answer) -> [UInt8] {
        var buffer = write(answer)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    static func write(_ answer: Answer, into out: inout ByteBuffer) {
        out.writeStaticString("{")
        if let explanation = answer.explanation {
            list("\"explanation\":[", explanation, into: &out) { write($0, into: &$1) }
            out.writeStaticString(",")
        }
        member("\"journey\":", answer.journey, into: &out)
        out.writeStaticString(",\"nudge\":")
        if let nudge = answer.nudge { write(nudge, into: &out) } else { out.writeStaticString("null") }
        list(",\"recommendations\":[", answer.recommendations, into: &out) { write($0, into: &$1) }
        member(",\"ruleset\":", answer.ruleset, into: &out)
        member(",\"stage\":", answer.stage, into: &out)
        member(",\"stage_source\":", answer.stageSource.rawValue, into: &out)
        list(",\"warnings\":[", answer.warnings, into: &out) { string($0, into: &$1) }
        out.writeStaticString("}")
    }

    static func write(_ recommendation: Recommendation, into out: inout ByteBuffer) {
        member("{\"content\":", recommendation.content, into: &out)
        if let fallback = recommendation.fallback { member(",\"fallback\":", fallback.rawValue, into: &out) }
        member(",\"rule\":", recommendation.rule, into: &out)
        member(",\"title\":", recommendation.title, into: &out)
        member(",\"type\":", recommendation.type, into: &out)
        member(",\"url\":", recommendation.url, into: &out)
        member(",\"variant\":", recommendation.variant, into: &out)
        member(",\"why\":", recommendation.why, into: &out)
        out.writeStaticString("}")
    }

    static func write(_ nudge: ServedNudge, into out: inout ByteBuffer) {
        member("{\"alternative\":", nudge.alternative, into: &out)
        out.writeStaticString(",\"cta\":")
        if let cta = nudge.cta {
            member("{\"label\":", cta.label, into: &out)
            member(",\"url\":", cta.url, into: &out)
            out.writeStaticString("}")
        } else {
            out.writeStaticString("null")
        }
        member(",\"id\":", nudge.id, into: &out)
        member(",\"message\":", nudge.message, into: &out)
        member(",\"rule\":", nudge.rule, into: &out)
        member(",\"variant\":", nudge.variant, into: &out)
        member(",\"why\":", nudge.why, into: &out)
        out.writeStaticString("}")
    }

    /// Synthesised `Encodable`: absent optionals are left out, not `null`.
    static func write(_ entry: ExplanationEntry, into out: inout ByteBuffer) {
        out.writeStaticString("{")
        if let cutBy = entry.cutBy { member("\"cut_by\":", cutBy, into: &out); out.writeStaticString(",") }
        if let failed = entry.failed { member("\"failed\":", failed, into: &out); out.writeStaticString(",") }
        out.writeStaticString(entry.matched ? "\"matched\":true" : "\"matched\":false")
        if let rank = entry.rank {
            out.writeStaticString(",\"rank\":")
            out.writeString(String(rank))
        }
        member(",\"rule\":", entry.rule, into: &out)
        if let variant = entry.variant { member(",\"variant\":", variant, into: &out) }
        out.writeStaticString("}")
    }

    /// `key` (with its comma and colon) and a string value.
    static func member(_ key: StaticString, _ text: String, into out: inout ByteBuffer) {
        out.writeStaticString(key)
        string(text, into: &out)
    }

    /// `key` and a string value, `null` when there is none (the answer's explicit nulls).
    static func member(_ key: StaticString, _ text: String?, into out: inout ByteBuffer) {
        out.writeStaticString(key)
        optional(text, into: &out)
    }

    /// `opening` (a key and `[`), the items separated by commas, and `]`.
    static func list<Item>(_ opening: StaticString, _ items: [Item], into out: inout ByteBuffer,
                           _ write: (Item, inout ByteBuffer) -> Void) {
        out.writeStaticString(opening)
        for (index, item) in items.enumerated() {
            if index > 0 { out.writeStaticString(",") }
            write(item, &out)
        }
        out.writeStaticString("]")
    }

    static func optional(_ text: String?, into out: inout ByteBuffer) {
        if let text { string(text, into: &out) } else { out.writeStaticString("null") }
    }

    /// A JSON string as `JSONEncoder` writes it with `.withoutEscapingSlashes`: `"` and `\` escaped,
    /// control characters as `\b \t \n \f \r` or `\u00xx` (lower-case hex), everything else as UTF-8.
    static func string(_ text: String, into out: inout ByteBuffer) {
        out.writeStaticString("\"")
        var text = text
        // Most texts need no escape: checked and copied in one pass over their bytes.
        let clean = text.withUTF8 { bytes in
            guard bytes.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) else { return false }
            out.writeBytes(bytes)
            return true
        }
        if !clean {
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "\""): out.writeStaticString("\\\"")
                case UInt8(ascii: "\\"): out.writeStaticString("\\\\")
                case 0x08: out.writeStaticString("\\b")
                case 0x09: out.writeStaticString("\\t")
                case 0x0A: out.writeStaticString("\\n")
                case 0x0C: out.writeStaticString("\\f")
                case 0x0D: out.writeStaticString("\\r")
                case 0x00..<0x20:
                    out.writeStaticString("\\u00")
                    out.writeInteger(Hex.digits[Int(byte >> 4)])
                    out.writeInteger(Hex.digits[Int(byte & 0x0F)])
                default: out.writeInteger(byte)
                }
            }
        }
        out.writeStaticString("\"")
    }
}
