/// The head of one HTTP/1.1 answer at the front of the bytes read so far: just enough for the load
/// generator to know the status and where the answer ends.
///
/// A deliberately small reader instead of NIOHTTP1's decoder: the generator shares two cores with
/// the server it measures, so every cycle it spends is one the server does not get. Answers must
/// carry `Content-Length` (both duwtje and nginx's `return` do); anything else is malformed.
struct AnswerHead: Equatable {
    /// The head's length including its blank line.
    let headLength: Int
    let status: Int
    let contentLength: Int

    enum Parse: Equatable {
        /// The blank line that ends the head is not in yet.
        case incomplete
        /// No `HTTP/1.x NNN` status line, or no `Content-Length`.
        case malformed
        case complete(AnswerHead)
    }

    static func parse(_ raw: UnsafeRawBufferPointer) -> Parse {
        guard let end = headEnd(raw) else { return .incomplete }
        // "HTTP/1.1 200 ..."
        guard end >= 12, raw[0] == UInt8(ascii: "H") else { return .malformed }
        var status = 0
        for index in 9..<12 {
            let digit = raw[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return .malformed }
            status = status * 10 + Int(digit)
        }
        guard let length = contentLength(raw, headEnd: end) else { return .malformed }
        return .complete(AnswerHead(headLength: end, status: status, contentLength: length))
    }

    /// The length of the head including its blank line, when it is all in.
    private static func headEnd(_ raw: UnsafeRawBufferPointer) -> Int? {
        guard raw.count >= 4 else { return nil }
        var index = 3
        while index < raw.count {
            if raw[index] == 10, raw[index - 1] == 13, raw[index - 2] == 10, raw[index - 3] == 13 { return index + 1 }
            index += 1
        }
        return nil
    }

    /// The `Content-Length` value in the head, case-insensitively; nil when absent or not a number.
    private static func contentLength(_ raw: UnsafeRawBufferPointer, headEnd: Int) -> Int? {
        let name = Array("content-length:".utf8)
        var lineStart = 0
        while lineStart < headEnd {
            var lineEnd = lineStart
            while lineEnd < headEnd, raw[lineEnd] != 13 { lineEnd += 1 }
            if lineEnd - lineStart > name.count {
                var matches = true
                for offset in 0..<name.count where raw[lineStart + offset] | 0x20 != name[offset] {
                    matches = false
                    break
                }
                if matches {
                    var value = 0
                    var seenDigit = false
                    for index in (lineStart + name.count)..<lineEnd {
                        let byte = raw[index]
                        if byte == 32 || byte == 9 { continue }
                        let digit = byte &- UInt8(ascii: "0")
                        guard digit < 10 else { return nil }
                        value = value * 10 + Int(digit)
                        seenDigit = true
                    }
                    return seenDigit ? value : nil
                }
            }
            lineStart = lineEnd + 2
        }
        return nil
    }
}
