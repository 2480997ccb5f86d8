import DuwtjeRules

/// Checks on report parameters shared by the daemon and `duwtje report`.
public enum ReportQuery {
    /// Whether `text` is a calendar day written `yyyy-MM-dd`, 1970 or later: the one date parser of
    /// the rules (``TimeParsing``), so `2026-02-30` and `2026-+1-01` are no days (docs/openapi.yaml,
    /// `Day`, says the same to clients).
    public static func isDay(_ text: String) -> Bool {
        guard case .date(let year, _, _) = TimeParsing.timePoint(text) else { return false }
        return year >= 1970
    }

    /// Why `from`…`until` selects nothing by construction (`from` after `until`), or nil when the
    /// range is fine. An empty range would otherwise answer "no data", as if nothing had happened.
    public static func rangeProblem(from: String?, until: String?) -> String? {
        guard let from, let until, from > until else { return nil }
        return "'from' (\(from)) is after 'until' (\(until)): the range holds no day; swap them"
    }
}
