public import Foundation

/// Loads and checks a rule set: YAML → nodes with places → the checked ``RuleSetDefinition``.
///
/// Every problem of a load is reported, not only the first; a rule set with any error yields no
/// definition, so a daemon keeps serving what it had.
public struct RuleSetLoader: Sendable {
    public var limits: YAMLLimits
    /// The zone in which `active` dates start at midnight.
    public var timeZone: TimeZone
    /// The store's retention in seconds: a cap window longer than this is an ethics warning.
    public var retention: Int64
    /// Stops the load early when cancelled (``LoadCancellation``); nil for a load nobody abandons.
    public var cancellation: LoadCancellation?
    /// The threads the load hands its side work to (parsing, hashing, decoding rule files); the
    /// system's worker threads when nil. A daemon gives each of its loader threads its own
    /// (``LoadWorkers``), so that a rule set is built in arenas the set it replaces does not use.
    public var workers: LoadWorkers?

    /// Whether the warnings of rules.md section 7 are looked for (after a load without errors).
    /// A tool that shows no warnings (`duwtje matrix`) turns them off: at 100,000 rules they are
    /// 7% of a load.
    public var warnings = true

    /// The store's default retention, 400 days (`store.retention`).
    public static let defaultRetention: Int64 = 400 * 86_400

    public init(limits: YAMLLimits = .default, timeZone: TimeZone = TimeZone(identifier: "Europe/Amsterdam") ?? .gmt,
                retention: Int64 = defaultRetention) {
        self.limits = limits
        self.timeZone = timeZone
        self.retention = retention
    }

    public struct Output: Sendable {
        /// The checked rule set; nil when there is any error.
        public var definition: RuleSetDefinition?
        /// Errors and warnings, in file and position order.
        public var diagnostics: [Diagnostic]
        /// How many rule files (not test files) were read.
        public var fileCount: Int
        /// The version the files would have, whether or not they load.
        public var version: String
        /// What was declared, counted even when the set does not load.
        public var counts: Counts
    }

    public struct Counts: Sendable, Hashable {
        public var journeys = 0
        public var personas = 0
        public var content = 0
        public var rules = 0

        public init(journeys: Int = 0, personas: Int = 0, content: Int = 0, rules: Int = 0) {
            self.journeys = journeys
            self.personas = personas
            self.content = content
            self.rules = rules
        }
    }

    /// Loads every rule file below `directory`.
    public func load(directory: String) throws(RuleDirectoryError) -> Output {
        load(files: try RuleDirectory.read(directory, maxBytes: limits.maxBytes))
    }

    /// Loads a rule set from files already in memory (test files among them are ignored).
    ///
    /// `files` is consumed: each file's bytes are let go once parsed for the last time, so a caller
    /// that passes its array with `consume` never holds all of a large set's bytes and its
    /// definition at once.
    public func load(files: consuming [RuleFile]) -> Output {
        files.removeAll { $0.isTest }
        let hashing = VersionHashing(of: copy files, workers: workers)
        let fileCount = files.count
        var pass = LoadPass(limits: limits, timeZone: timeZone)
        pass.retention = retention
        pass.cancellation = cancellation
        pass.workers = workers
        pass.warnings = warnings
        let definition = pass.run(&files)
        let version = hashing.wait()
        let diagnostics = pass.decoder.diagnostics.enumerated().sorted { a, b in
            a.element.location == b.element.location ? a.offset < b.offset : a.element.location < b.element.location
        }.map(\.element)
        let ok = !diagnostics.hasErrors
        var result = definition
        result?.version = version
        let counts = Counts(journeys: pass.journeys.count, personas: pass.personas.count,
                            content: pass.contentCount, rules: pass.ruleCount)
        return Output(definition: ok ? result : nil, diagnostics: diagnostics, fileCount: fileCount, version: version,
                      counts: counts)
    }
}
