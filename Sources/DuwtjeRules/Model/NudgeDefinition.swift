import Foundation

public struct NudgeDefinition: Sendable {
    public var id: String
    public var message: String
    public var cta: CallToAction?
    public var alternative: String?
    public var cap: Cap?
    /// The content type of the message (`type:`); a nudge without one counts as persuasive.
    public var type: Located<String>?
    /// Where a share or norm the message states comes from (`source:`).
    public var source: String?
    /// How long a visitor who dismissed the nudge does not see it again (`dismiss_for:`), in seconds.
    public var dismissFor: Int64?
    public var location: SourceLocation

    /// The default `dismiss_for`: 30 days.
    public static let defaultDismissFor: Int64 = 30 * 86_400

    /// How long a dismissal holds: `dismiss_for`, else 30 days, and never shorter than the cap window
    /// (a dismissal that ended before the cap's window would let the nudge back sooner than the cap).
    public var dismissWindow: Int64 { dismissFor ?? max(Self.defaultDismissFor, cap?.per ?? 0) }

    /// Whether the message tries to persuade: its type is marked `persuasive`, or it has no type.
    public func isPersuasive(in definition: RuleSetDefinition) -> Bool {
        guard let type else { return true }
        return definition.contentTypes.first { $0.id == type.value }?.persuasive ?? true
    }
}
