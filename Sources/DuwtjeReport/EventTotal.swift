/// A summed count for the report: per journey, rule, variant and event type over a range of days.
public struct EventTotal: Sendable, Equatable {
    public var journey: String
    public var rule: String
    public var variant: String
    public var type: String
    public var count: Int

    public init(journey: String, rule: String, variant: String, type: String, count: Int) {
        self.journey = journey
        self.rule = rule
        self.variant = variant
        self.type = type
        self.count = count
    }
}
