public import Foundation

/// Writing times: the one formatter of every time Duwtje prints (status, logs, the report), the
/// counterpart of ``TimeParsing/rfc3339(_:)``.
///
/// Written out, like the parser, instead of `ISO8601DateFormatter`: that class goes through ICU,
/// costs a formatter per call or a lock to share one, and the event fuzzer found ICU's parser
/// behind it dying of SIGFPE. The output is exactly `ISO8601DateFormatter`'s with
/// `.withInternetDateTime` (and `.withFractionalSeconds` when asked): UTC, `Z`, to the nearest
/// millisecond, as its tests compare.
public enum TimeFormatting {
    /// `2026-11-29T12:00:00Z`, or `2026-11-29T12:00:00.250Z` with `milliseconds`.
    public static func rfc3339(_ date: Date, milliseconds: Bool = false) -> String {
        // Half a millisecond rounds up, also before 1970 (as ICU does: floor(x + 0.5), not away from zero).
        let totalMilliseconds = Int64((date.timeIntervalSince1970 * 1_000 + 0.5).rounded(.down))
        let (seconds, millisecond) = totalMilliseconds.quotientAndRemainder(dividingBy: 1_000)
        // Floor division, so that times before 1970 count back from the right second.
        let wholeSeconds = millisecond < 0 ? seconds - 1 : seconds
        let fraction = millisecond < 0 ? millisecond + 1_000 : millisecond
        let (days, secondOfDay) = wholeSeconds.quotientAndRemainder(dividingBy: 86_400)
        let dayCount = secondOfDay < 0 ? days - 1 : days
        let second = secondOfDay < 0 ? secondOfDay + 86_400 : secondOfDay
        let (year, month, day) = TimeParsing.civil(fromDays: Int(dayCount))
        var text = padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2) + "T"
        text += padded(Int(second / 3_600), 2) + ":" + padded(Int(second / 60 % 60), 2) + ":" + padded(Int(second % 60), 2)
        if milliseconds { text += "." + padded(Int(fraction), 3) }
        return text + "Z"
    }

    /// `7` as `07` (width 2): digits only, no locale.
    static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
