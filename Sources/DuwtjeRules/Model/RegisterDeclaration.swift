/// The `register:` section of a rule set: what only people can write for the set's entry in the
/// Algoritmeregister (publication standard 1.0.0). Keys are the standard's own, so a writer can
/// follow the standard's guide field by field; `duwtje register` adds what the rules themselves know.
public struct RegisterDeclaration: Sendable {
    /// A title with a link: one entry of `lawful_basis_grouping`, `impacttoetsen_grouping` or
    /// `source_data_grouping`.
    public struct Link: Sendable {
        public var title: Located<String>
        public var link: Located<String>
    }

    /// Free-text fields by their key, as written.
    public var texts: [String: Located<String>]
    /// `category` (up to three policy areas) and `tags` (search terms added to the machine's own).
    public var lists: [String: Located<[String]>]
    /// The three groupings of titled links.
    public var links: [String: [Link]]
    /// Where `register:` was written.
    public var location: SourceLocation

    /// The keys people write as text.
    public static let textKeys = [
        "name", "description_short", "organization", "status", "begin_date", "end_date", "contact_email", "website",
        "publication_category", "url", "goal", "proportionality", "human_intervention", "risks", "lawful_basis",
        "process_index_url", "impacttoetsen", "provider", "publiccode",
        // Not a field of the standard: what the public page ("Waarom zie ik dit?") says about opting out.
        "opt_out",
    ]
    public static let listKeys = ["category", "tags"]
    public static let linkKeys = ["lawful_basis_grouping", "impacttoetsen_grouping", "source_data_grouping"]
    public static var allKeys: [String] { textKeys + listKeys + linkKeys }

    public func text(_ key: String) -> String? { texts[key]?.value }
}
