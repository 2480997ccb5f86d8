import DuwtjeWire

/// The `Date` header of one event loop's answers, made at most once a second for all of its
/// connections.
///
/// A cache per connection made the text anew for every connection of a client that opens one per
/// request (PHP-FPM): ~900 of its instructions (callgrind,
/// `NEW_CONNECTION=1 Benchmarks/Scripts/server-instructions.sh`). One per event loop, used only on it
/// (``LeanHTTPServer`` makes them beside the loop's ``DeadlineSweep``), so no lock is shared.
final class LoopHTTPDate {
    private var date = HTTPDate()

    /// The current second's text.
    func now() -> String {
        date.now()
    }
}
