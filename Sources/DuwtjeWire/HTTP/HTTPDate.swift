#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DuwtjeRules

/// The `Date` header's value (RFC 9110 5.6.7 IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`), made
/// at most once a second: a cache per event loop (``LoopHTTPDate`` in the server), so no lock is
/// shared between event loops.
public struct HTTPDate: Sendable {
    var second = -1
    var text = ""

    public init() {}

    /// The current second's text.
    public mutating func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        let seconds = Int(spec.tv_sec)
        if seconds != second {
            second = seconds
            text = Self.format(secondsSince1970: seconds)
        }
        return text
    }

    /// IMF-fixdate of a Unix time, by the civil-from-days algorithm (no time zone database, no locale).
    ///
    /// Written byte by byte into the string's own storage: when the cache was per connection, a
    /// client that opens a connection per request (PHP-FPM) had it made for every answer, and with
    /// interpolation and arrays of names it cost 6,500 instructions a connection (callgrind).
    public static func format(secondsSince1970 time: Int) -> String {
        let days = time >= 0 ? time / 86_400 : (time - 86_399) / 86_400
        let secondOfDay = time - days * 86_400
        let weekday = ((days % 7) + 7) % 7
        let (year, month, day) = TimeParsing.civil(fromDays: days)
        var digits = 4  // zero-padded to four, as `yyyy`
        var rest = year / 10_000
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        let length = 25 + (year < 0 ? String(year).utf8.count : digits)
        return String(unsafeUninitializedCapacity: length) { text in
            var at = 0
            func put(_ byte: UInt8) {
                text[at] = byte
                at += 1
            }
            func name(_ names: StaticString, _ index: Int) {
                let start = names.utf8Start + index * 3
                for offset in 0..<3 { put(start[offset]) }
            }
            func two(_ value: Int) {
                put(UInt8(ascii: "0") + UInt8(value / 10))
                put(UInt8(ascii: "0") + UInt8(value % 10))
            }
            name("ThuFriSatSunMonTueWed", weekday)
            put(UInt8(ascii: ","))
            put(UInt8(ascii: " "))
            two(day)
            put(UInt8(ascii: " "))
            name("JanFebMarAprMayJunJulAugSepOctNovDec", month - 1)
            put(UInt8(ascii: " "))
            if year < 0 {
                for byte in String(year).utf8 { put(byte) }
            } else {
                var divisor = 1
                for _ in 1..<digits { divisor *= 10 }
                while divisor > 0 {
                    put(UInt8(ascii: "0") + UInt8(year / divisor % 10))
                    divisor /= 10
                }
            }
            put(UInt8(ascii: " "))
            two(secondOfDay / 3_600)
            put(UInt8(ascii: ":"))
            two(secondOfDay / 60 % 60)
            put(UInt8(ascii: ":"))
            two(secondOfDay % 60)
            for byte in " GMT".utf8 { put(byte) }
            return at
        }
    }
}
