import DuwtjeRules

/// The floor for loading (issue 15): libyaml's bare event parser over the same files, one thread,
/// nothing built (`YAMLReader.eventCount`: every event pulled and dropped). No loader can be faster
/// than reading the files and this, so the load's goal is stated as a multiple of it.
enum YAMLFloor {
    /// Reads the directory like the loader does, then parses every rule file; returns the event count.
    static func run(directory: String) throws -> Int {
        var events = 0
        for file in try RuleDirectory.read(directory) where !file.isTest {
            guard let count = YAMLReader.eventCount(file.bytes) else { throw BenchmarkError("malformed YAML in \(file.path)") }
            events += count
        }
        return events
    }
}
