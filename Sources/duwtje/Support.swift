import ArgumentParser
import Foundation

/// Writes one line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

enum TimeZoneOption {
    static func parse(_ identifier: String) throws -> TimeZone {
        guard let zone = TimeZone(identifier: identifier) else {
            throw ValidationError("unknown time zone '\(identifier)' (use an IANA name such as Europe/Amsterdam)")
        }
        return zone
    }
}
