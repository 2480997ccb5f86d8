public import Foundation

/// Parsing of the few time formats the rule language and the API use: dates, RFC 3339 times and
/// durations. Written out because it is on the request path (`now`) and must not depend on locale.
public enum TimeParsing {
    /// `2026-11-01` as a date, or an RFC 3339 time such as `2026-11-22T10:00:00+01:00`.
    public static func timePoint(_ text: String) -> TimePoint? {
        var text = text
        return text.withUTF8 { bytes in
            if bytes.count == 10, let (year, month, day) = date(bytes[...]) {
                return .date(year: year, month: month, day: day)
            }
            return rfc3339(utf8: bytes).map(TimePoint.instant)
        }
    }

    /// An RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, the one parser of every
    /// time Duwtje reads (a request's `now`, an event's `at`, `active` bounds, `--now`).
    ///
    /// As RFC 3339's grammar says, and no more: `t` and `z` may be lower case (section 5.6); a space
    /// instead of `T` is refused (the RFC only lets applications *print* one); second 60 is refused
    /// (a leap second has no Unix time, and a client sending one has a broken clock).
    public static func rfc3339(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { rfc3339(utf8: $0) }
    }

    /// ``rfc3339(_:)`` of UTF-8 bytes, for a request decoder that has not made a `String` of them.
    public static func rfc3339(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        guard bytes.count >= 20, let (year, month, day) = date(bytes[0..<10]) else { return nil }
        guard bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
              let hour = number(bytes[11..<13]), bytes[13] == UInt8(ascii: ":"),
              let minute = number(bytes[14..<16]), bytes[16] == UInt8(ascii: ":"),
              let second = number(bytes[17..<19]),
              hour < 24, minute < 60, second < 60
        else { return nil }
        var index = 19
        var fraction = 0.0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, let digit = digit(bytes[index]) {
                fraction += Double(digit) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < bytes.count else { return nil }
        var offset = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == bytes.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == bytes.count, let oh = number(bytes[(index + 1)..<(index + 3)]),
                  bytes[index + 3] == UInt8(ascii: ":"), let om = number(bytes[(index + 4)..<(index + 6)]),
                  oh < 24, om < 60
            else { return nil }
            offset = (oh * 60 + om) * 60 * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
        default:
            return nil
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// `30s`, `15m`, `24h`, `7d` in seconds.
    public static func duration(_ text: String) -> Int64? {
        guard let unit = text.last, text.count >= 2, let amount = Int64(text.dropLast()), amount > 0,
              text.dropLast().allSatisfy(\.isASCII), !text.hasPrefix("+")
        else { return nil }
        let multiplier: Int64
        switch unit {
        case "s": multiplier = 1
        case "m": multiplier = 60
        case "h": multiplier = 3_600
        case "d": multiplier = 86_400
        default: return nil
        }
        let (seconds, overflow) = amount.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : seconds
    }

    /// Seconds written back in the largest whole unit: `604800` → `7d`, `5400` → `90m`.
    public static func format(duration seconds: Int64) -> String {
        for (unit, size) in [("d", Int64(86_400)), ("h", 3_600), ("m", 60)] where seconds != 0 && seconds % size == 0 {
            return "\(seconds / size)\(unit)"
        }
        return "\(seconds)s"
    }

    static func date<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) -> (Int, Int, Int)? where Bytes.Index == Int {
        let b = bytes.startIndex
        guard bytes.count == 10, bytes[b + 4] == UInt8(ascii: "-"), bytes[b + 7] == UInt8(ascii: "-"),
              let year = number(bytes[b..<(b + 4)]), let month = number(bytes[(b + 5)..<(b + 7)]),
              let day = number(bytes[(b + 8)..<(b + 10)]),
              (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year)
        else { return nil }
        return (year, month, day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func digit(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }

    /// Inlined: a request's `now` reads seven of these two- and four-digit fields, and the call
    /// and the slice's iterator cost more than the digits.
    @inline(__always)
    static func number(_ bytes: some Sequence<UInt8>) -> Int? {
        var value = 0
        for byte in bytes {
            guard let d = digit(byte) else { return nil }
            value = value * 10 + d
        }
        return value
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

extension TimeParsing {
    /// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
    public static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
