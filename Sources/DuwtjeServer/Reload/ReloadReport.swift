public import DuwtjeRules
public import Foundation
import Synchronization

/// What became of one reload, for `/v1/status` and the logs.
public struct ReloadReport: Sendable {
    public enum Result: String, Sendable {
        case ok
        case failed
    }

    public var at: Date
    public var trigger: String
    public var result: Result
    /// The version now served (the new one after success, the kept one after failure).
    public var serving: String
    /// Every error of a failed reload, with its place.
    public var errors: [Diagnostic]
    /// The rule directory the errors' files are relative to (nil for configuration errors, whose
    /// file names are already whole paths).
    public var directory: String?
    /// The one-line reason of a failure.
    public var message: String?
    public var duration: Duration
    /// Restart-only settings the new configuration changes (not applied until a restart).
    public var pendingRestart: [String]
}
