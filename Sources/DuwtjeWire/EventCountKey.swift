public import Foundation

/// One aggregate cell: what the store counts. Never a visitor id, never a single event.
public struct EventCountKey: Hashable, Sendable {
    /// `yyyy-MM-dd` in the daemon's time zone.
    public var day: String
    public var journey: String
    public var stage: String
    /// Empty when the event named no persona.
    public var persona: String
    public var rule: String
    /// Empty when the rule has no variants.
    public var variant: String
    /// `content`, `nudge`, or empty when the event named neither.
    public var itemKind: String
    public var item: String
    /// `impression`, `click`, `conversion` or `dismiss`.
    public var type: String

    public init(day: String, journey: String, stage: String, persona: String, rule: String, variant: String,
                itemKind: String, item: String, type: String) {
        self.day = day
        self.journey = journey
        self.stage = stage
        self.persona = persona
        self.rule = rule
        self.variant = variant
        self.itemKind = itemKind
        self.item = item
        self.type = type
    }

    /// `yyyy-MM-dd` of `date` in `zone`: the day an event is counted on.
    public static func day(of date: Date, in zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        let year = parts.year ?? 1970, month = parts.month ?? 1, day = parts.day ?? 1
        return String(format: "%04d-%02d-%02d", year, month, day)
    }
}
