/// Checks on report parameters shared by the daemon and `duwtje report`.
public enum ReportQuery {
    /// Whether `text` is a calendar day written `yyyy-MM-dd`.
    public static func isDay(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else { return false }
        return year >= 1970 && (1...12).contains(month) && (1...31).contains(day)
    }

    /// Why `from`…`until` selects nothing by construction (`from` after `until`), or nil when the
    /// range is fine. An empty range would otherwise answer "no data", as if nothing had happened.
    public static func rangeProblem(from: String?, until: String?) -> String? {
        guard let from, let until, from > until else { return nil }
        return "'from' (\(from)) is after 'until' (\(until)): the range holds no day; swap them"
    }
}
