import DuwtjeRules
import DuwtjeTestSupport
import Foundation
import Testing

/// Status, logs and the report print times through one formatter; what it prints must stay what
/// `ISO8601DateFormatter` printed before (the bytes of status answers and log lines are relied on).
@Suite("One RFC 3339 formatter")
struct TimeFormattingTests {
    @Test("the same text as ISO8601DateFormatter, with and without milliseconds, for random times from 1900 to 2200")
    func matchesFoundation() {
        var generator = SeededGenerator.forTest("TimeFormattingTests.matchesFoundation")
        let plain = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for _ in 0..<20_000 {
            // Whole milliseconds (as times are parsed) and arbitrary fractions (as the clock gives them).
            let millis = Int64.random(in: -2_208_988_800_000...7_258_118_400_000, using: &generator)
            let seconds = generator.below(2) == 0 ? Double(millis) / 1_000 : Double.random(in: -2.2e9...7.2e9, using: &generator)
            let date = Date(timeIntervalSince1970: seconds)
            #expect(TimeFormatting.rfc3339(date) == plain.string(from: date))
            #expect(TimeFormatting.rfc3339(date, milliseconds: true) == fractional.string(from: date))
        }
    }

    @Test("leap days, the epoch, and what the parser reads back")
    func edges() throws {
        #expect(TimeFormatting.rfc3339(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(TimeFormatting.rfc3339(Date(timeIntervalSince1970: -0.25), milliseconds: true) == "1969-12-31T23:59:59.750Z")
        let leap = try #require(TimeParsing.rfc3339("2028-02-29T23:59:59.125+00:00"))
        #expect(TimeFormatting.rfc3339(leap, milliseconds: true) == "2028-02-29T23:59:59.125Z")
        #expect(TimeParsing.rfc3339(TimeFormatting.rfc3339(leap, milliseconds: true)) == leap)
    }
}
