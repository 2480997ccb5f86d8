public import DuwtjeRules
public import NIOCore

/// Writes an ``Answer`` as JSON into a `ByteBuffer` (through ``JSONOutput``), byte for byte what
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
        // Written in place into the buffer's free space; most answers fit (the socket mix's mean
        // is 944 bytes). A larger one moves to an area of its own and is copied once.
        var buffer = ByteBufferAllocator().buffer(capacity: 2_048)
        var larger: ByteBuffer?
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 2_048) { area in
            var out = JSONOutput(borrowing: area)
            write(answer, into: &out)
            guard out.ownsArea else { return out.count }
            larger = out.buffer()
            return 0
        }
        return larger ?? buffer
    }

    /// The same body as bytes, for `duwtje query --json` (which prints what the daemon would send).
    public static func bytes(_ answer: Answer) -> [UInt8] {
        var buffer = write(answer)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    static func write(_ answer: Answer, into out: inout JSONOutput) {
        out.write("{")
        if let explanation = answer.explanation {
            list("\"explanation\":[", explanation, into: &out) { write($0, into: &$1) }
            out.write(",")
        }
        member("\"journey\":", answer.journey, into: &out)
        out.write(",\"nudge\":")
        // Texts read where the rule set holds them, through the answer's positions: no
        // `ServedNudge` or `Recommendation` is built.
        let nudged: Void? = answer.withNudgeTexts { id, message, cta, alternative, rule, variant, why in
            writeNudge(id: id, message: message, cta: cta, alternative: alternative, rule: rule, variant: variant, why: why,
                       into: &out)
        }
        if nudged == nil { out.write("null") }
        out.write(",\"recommendations\":[")
        var first = true
        answer.forEachRecommendation { content, type, title, url, rule, why, variant, fallback in
            if !first { out.write(",") }
            first = false
            writeRecommendation(content: content, type: type, title: title, url: url, rule: rule, why: why, variant: variant,
                                fallback: fallback, into: &out)
        }
        out.write("]")
        member(",\"ruleset\":", answer.ruleset, into: &out)
        member(",\"stage\":", answer.stage, into: &out)
        member(",\"stage_source\":", answer.stageSource.rawValue, into: &out)
        list(",\"warnings\":[", answer.warnings, into: &out) { string($0, into: &$1) }
        out.write("}")
    }

    static func writeRecommendation(content: String, type: String, title: String, url: String, rule: String?, why: String?,
                                    variant: String?, fallback: Recommendation.FallbackLevel?, into out: inout JSONOutput) {
        member("{\"content\":", content, into: &out)
        if let fallback { member(",\"fallback\":", fallback.rawValue, into: &out) }
        member(",\"rule\":", rule, into: &out)
        member(",\"title\":", title, into: &out)
        member(",\"type\":", type, into: &out)
        member(",\"url\":", url, into: &out)
        member(",\"variant\":", variant, into: &out)
        member(",\"why\":", why, into: &out)
        out.write("}")
    }

    static func writeNudge(id: String, message: String, cta: CallToAction?, alternative: String?, rule: String, variant: String?,
                           why: String?, into out: inout JSONOutput) {
        member("{\"alternative\":", alternative, into: &out)
        out.write(",\"cta\":")
        if let cta {
            member("{\"label\":", cta.label, into: &out)
            member(",\"url\":", cta.url, into: &out)
            out.write("}")
        } else {
            out.write("null")
        }
        member(",\"id\":", id, into: &out)
        member(",\"message\":", message, into: &out)
        member(",\"rule\":", rule, into: &out)
        member(",\"variant\":", variant, into: &out)
        member(",\"why\":", why, into: &out)
        out.write("}")
    }

    /// Synthesised `Encodable`: absent optionals are left out, not `null`.
    static func write(_ entry: ExplanationEntry, into out: inout JSONOutput) {
        out.write("{")
        if let cutBy = entry.cutBy { member("\"cut_by\":", cutBy, into: &out); out.write(",") }
        if let failed = entry.failed { member("\"failed\":", failed, into: &out); out.write(",") }
        out.write(entry.matched ? "\"matched\":true" : "\"matched\":false")
        if let rank = entry.rank {
            out.write(",\"rank\":")
            out.write(decimal: rank)
        }
        member(",\"rule\":", entry.rule, into: &out)
        if let variant = entry.variant { member(",\"variant\":", variant, into: &out) }
        out.write("}")
    }

    /// `key` (with its comma and colon) and a string value.
    static func member(_ key: StaticString, _ text: String, into out: inout JSONOutput) {
        out.write(key)
        string(text, into: &out)
    }

    /// `key` and a string value, `null` when there is none (the answer's explicit nulls).
    static func member(_ key: StaticString, _ text: String?, into out: inout JSONOutput) {
        out.write(key)
        optional(text, into: &out)
    }

    /// `opening` (a key and `[`), the items separated by commas, and `]`.
    static func list<Item>(_ opening: StaticString, _ items: [Item], into out: inout JSONOutput,
                           _ write: (Item, inout JSONOutput) -> Void) {
        out.write(opening)
        for (index, item) in items.enumerated() {
            if index > 0 { out.write(",") }
            write(item, &out)
        }
        out.write("]")
    }

    static func optional(_ text: String?, into out: inout JSONOutput) {
        if let text { string(text, into: &out) } else { out.write("null") }
    }

    /// A JSON string as `JSONEncoder` writes it (see ``JSONOutput/write(string:)``).
    static func string(_ text: String, into out: inout JSONOutput) {
        out.write(string: text)
    }
}
