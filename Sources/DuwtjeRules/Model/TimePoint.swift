public import Foundation


/// A moment a window starts or ends: a calendar date (midnight in the configured time zone) or an
/// absolute RFC 3339 time. Dates stay dates until the rule set is compiled for a time zone.
public enum TimePoint: Sendable, Hashable {
    case date(year: Int, month: Int, day: Int)
    case instant(Date)

    /// The absolute moment in `timeZone`.
    public func resolved(in timeZone: TimeZone) -> Date {
        switch self {
        case .instant(let date):
            return date
        case .date(let year, let month, let day):
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            let components = DateComponents(year: year, month: month, day: day)
            return calendar.date(from: components) ?? Date(timeIntervalSince1970: 0)
        }
    }
}
