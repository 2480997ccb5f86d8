import Foundation

/// How often one visitor may be shown one nudge: at most `max` times within `per` seconds.
public struct Cap: Sendable, Hashable {
    public var max: Int
    public var per: Int64

    public init(max: Int, per: Int64) {
        self.max = max
        self.per = per
    }
}
