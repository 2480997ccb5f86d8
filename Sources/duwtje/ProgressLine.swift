import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A line on standard error that says how far a long run is ("Comparing answers: 42% …"),
/// redrawn in place, only when standard error is a terminal: redirected to a file or a CI log,
/// nothing is written, so logs and scripts see only the result.
final class ProgressLine: Sendable {
    let label: String
    let total: Int
    private struct State {
        var done = 0
        var shownPercent = -1
    }

    private let state = Mutex(State())

    /// A progress line, or nil when standard error is not a terminal (or there is nothing to count).
    init?(_ label: String, total: Int, terminal: Bool = isatty(STDERR_FILENO) == 1) {
        guard terminal, total > 0 else { return nil }
        self.label = label
        self.total = total
    }

    /// Counts `count` more done; redraws when the whole percentage changed. Any thread; the line
    /// is written under the lock, so percentages never appear out of order.
    func advance(_ count: Int) {
        state.withLock { state in
            state.done = min(total, state.done + count)
            let percent = state.done * 100 / total
            guard percent != state.shownPercent else { return }
            state.shownPercent = percent
            let line = "\r\(label): \(percent)% (\(Self.grouped(state.done)) of \(Self.grouped(total)))"
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    /// `1000000` as `1,000,000`.
    static func grouped(_ number: Int) -> String {
        var digits = String(number)
        var index = digits.endIndex
        while digits.distance(from: digits.startIndex, to: index) > 3 {
            index = digits.index(index, offsetBy: -3)
            digits.insert(",", at: index)
        }
        return digits
    }

    /// Erases the line, so that the result starts on a clean terminal line.
    func finish() {
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
