import CYAML
import DuwtjeRules

/// The floor for loading (issue 15): libyaml's bare event parser over the same files, one thread,
/// nothing built — every event is pulled and dropped. No loader can be faster than reading the
/// files and this, so the load's goal is stated as a multiple of it.
enum YAMLFloor {
    /// Reads the directory like the loader does, then parses every file; returns the event count.
    static func run(directory: String) throws -> Int {
        let files = try RuleDirectory.read(directory)
        var events = 0
        for file in files where !file.isTest { events += try parse(file.bytes) }
        return events
    }

    static func parse(_ bytes: [UInt8]) throws -> Int {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) != 0 else { throw BenchmarkError("libyaml could not allocate a parser") }
        defer { yaml_parser_delete(&parser) }
        return try bytes.withUnsafeBufferPointer { buffer throws -> Int in
            guard let base = buffer.baseAddress else { return 0 }
            yaml_parser_set_input_string(&parser, base, buffer.count)
            var events = 0
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) != 0 else { throw BenchmarkError("malformed YAML") }
                let done = event.type == YAML_STREAM_END_EVENT
                yaml_event_delete(&event)
                events += 1
                if done { return events }
            }
        }
    }
}
