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
        buffer.reserveCapacity(1_024)
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
            out.writeStaticString("\"explanation\":[")
            for (index, entry) in explanation.enumerated() {
                if index > 0 { out.writeStaticString(",") }
                write(entry, into: &out)
            }
            out.writeStaticString("],")
        }
        out.writeStaticString("\"journey\":")
        string(answer.journey, into: &out)
        out.writeStaticString(",\"nudge\":")
        if let nudge = answer.nudge { write(nudge, into: &out) } else { out.writeStaticString("null") }
        out.writeStaticString(",\"recommendations\":[")
        for (index, recommendation) in answer.recommendations.enumerated() {
            if index > 0 { out.writeStaticString(",") }
            write(recommendation, into: &out)
        }
        out.writeStaticString("],\"ruleset\":")
        string(answer.ruleset, into: &out)
        out.writeStaticString(",\"stage\":")
        string(answer.stage, into: &out)
        out.writeStaticString(",\"stage_source\":")
        string(answer.stageSource.rawValue, into: &out)
        out.writeStaticString(",\"warnings\":[")
        for (index, warning) in answer.warnings.enumerated() {
            if index > 0 { out.writeStaticString(",") }
            string(warning, into: &out)
        }
        out.writeStaticString("]}")
    }

    static func write(_ recommendation: Recommendation, into out: inout ByteBuffer) {
        out.writeStaticString("{\"content\":")
        string(recommendation.content, into: &out)
        if let fallback = recommendation.fallback {
            out.writeStaticString(",\"fallback\":")
            string(fallback.rawValue, into: &out)
        }
        out.writeStaticString(",\"rule\":")
        optional(recommendation.rule, into: &out)
        out.writeStaticString(",\"title\":")
        string(recommendation.title, into: &out)
        out.writeStaticString(",\"type\":")
        string(recommendation.type, into: &out)
        out.writeStaticString(",\"url\":")
        string(recommendation.url, into: &out)
        out.writeStaticString(",\"variant\":")
        optional(recommendation.variant, into: &out)
        out.writeStaticString(",\"why\":")
        optional(recommendation.why, into: &out)
        out.writeStaticString("}")
    }

    static func write(_ nudge: ServedNudge, into out: inout ByteBuffer) {
        out.writeStaticString("{\"alternative\":")
        optional(nudge.alternative, into: &out)
        out.writeStaticString(",\"cta\":")
        if let cta = nudge.cta {
            out.writeStaticString("{\"label\":")
            string(cta.label, into: &out)
            out.writeStaticString(",\"url\":")
            string(cta.url, into: &out)
            out.writeStaticString("}")
        } else {
            out.writeStaticString("null")
        }
        out.writeStaticString(",\"id\":")
        string(nudge.id, into: &out)
        out.writeStaticString(",\"message\":")
        string(nudge.message, into: &out)
        out.writeStaticString(",\"rule\":")
        string(nudge.rule, into: &out)
        out.writeStaticString(",\"variant\":")
        optional(nudge.variant, into: &out)
        out.writeStaticString(",\"why\":")
        optional(nudge.why, into: &out)
        out.writeStaticString("}")
    }

    /// Synthesised `Encodable`: absent optionals are left out, not `null`.
    static func write(_ entry: ExplanationEntry, into out: inout ByteBuffer) {
        out.writeStaticString("{")
        if let cutBy = entry.cutBy {
            out.writeStaticString("\"cut_by\":")
            string(cutBy, into: &out)
            out.writeStaticString(",")
        }
        if let failed = entry.failed {
            out.writeStaticString("\"failed\":")
            string(failed, into: &out)
            out.writeStaticString(",")
        }
        out.writeStaticString(entry.matched ? "\"matched\":true" : "\"matched\":false")
        if let rank = entry.rank {
            out.writeStaticString(",\"rank\":")
            out.writeString(String(rank))
        }
        out.writeStaticString(",\"rule\":")
        string(entry.rule, into: &out)
        if let variant = entry.variant {
            out.writeStaticString(",\"variant\":")
            string(variant, into: &out)
        }
        out.writeStaticString("}")
    }

    static func optional(_ text: String?, into out: inout ByteBuffer) {
        if let text { string(text, into: &out) } else { out.writeStaticString("null") }
    }

    /// A JSON string as `JSONEncoder` writes it with `.withoutEscapingSlashes`: `"` and `\` escaped,
    /// control characters as `\b \t \n \f \r` or `\u00xx` (lower-case hex), everything else as UTF-8.
    static func string(_ text: String, into out: inout ByteBuffer) {
        out.writeStaticString("\"")
        var text = text
        let clean = text.withUTF8 { bytes in
            bytes.allSatisfy { $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        }
        if clean {
            out.writeString(text)
        } else {
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
