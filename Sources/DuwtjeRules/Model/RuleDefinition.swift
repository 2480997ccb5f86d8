import Foundation

public struct RuleDefinition: Sendable {
    public var id: String
    public var description: String?
    public var journey: String
    public var when: Condition
    public var recommend: [RecommendItem]
    public var why: String?
    public var priority: Int
    public var exclusive: Bool
    public var variants: [VariantDefinition]
    public var location: SourceLocation
    /// Position in the rule set: file read order, then position in the file.
    public var order: Int

    /// A nudge and an active window are on few rules and large inline (≈ 210 and 60 bytes even when
    /// nil), so they are kept out of line: a rule takes ≈ 210 bytes in the rule set's array instead
    /// of 470 (47 MB at 100,000 rules, issue 18's `duwtje matrix` within 256 MB).
    public var nudge: NudgeDefinition? {
        get { nudgeStorage?.value }
        set { nudgeStorage = newValue.map(OutOfLine.init) }
    }

    public var active: ActiveWindow? {
        get { activeStorage?.value }
        set { activeStorage = newValue.map(OutOfLine.init) }
    }

    private var nudgeStorage: OutOfLine<NudgeDefinition>?
    private var activeStorage: OutOfLine<ActiveWindow>?

    init(id: String, description: String?, journey: String, when: Condition, recommend: [RecommendItem], why: String?,
         nudge: NudgeDefinition?, priority: Int, exclusive: Bool, active: ActiveWindow?, variants: [VariantDefinition],
         location: SourceLocation, order: Int) {
        self.id = id
        self.description = description
        self.journey = journey
        self.when = when
        self.recommend = recommend
        self.why = why
        self.priority = priority
        self.exclusive = exclusive
        self.variants = variants
        self.location = location
        self.order = order
        self.nudgeStorage = nudge.map(OutOfLine.init)
        self.activeStorage = active.map(OutOfLine.init)
    }
}
