import Foundation

/// `from` is inclusive, `until` exclusive; either may be open.
public struct ActiveWindow: Sendable, Hashable {
    public var from: TimePoint?
    public var until: TimePoint?
}
