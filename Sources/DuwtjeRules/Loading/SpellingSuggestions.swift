/// "Did you mean …" for names outside the rule language (daemon settings, say), so that every
/// part of Duwtje suggests the nearest known name the same way.
public enum SpellingSuggestions {
    /// `did you mean 'a'?` for the candidates nearest to `name`, or nil when nothing is close.
    public static func hint(for name: String, in candidates: some Sequence<String>) -> String? {
        Suggestions.hint(for: name, in: candidates)
    }
}
