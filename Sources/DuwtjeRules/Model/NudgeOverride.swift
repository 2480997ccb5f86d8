import Foundation

/// What a variant does to its rule's nudge.
public enum NudgeOverride: Sendable {
    case inherit
    case remove
    case replace(NudgeDefinition)
}
