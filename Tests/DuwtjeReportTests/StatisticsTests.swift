@testable import DuwtjeReport
import Testing

@Suite("the report's statistics")
struct StatisticsTests {
    /// Hand-computed (Python): Wilson 95% for 20/200 is (0.0656704, 0.1494058); for 0/50 (0, 0.0713476).
    @Test("Wilson intervals and the two-proportion comparison match hand-computed values")
    func statistics() throws {
        let rate = try #require(Statistics.wilson(20, 200))
        #expect(abs(rate.low - 0.06567044866909588) < 1e-9 && abs(rate.high - 0.1494058124327174) < 1e-9)
        let zero = try #require(Statistics.wilson(0, 50))
        #expect(zero.low == 0 && abs(zero.high - 0.07134759913609338) < 1e-9)
        let comparison = try #require(Statistics.compare(44, 220, 20, 200))
        #expect(abs(comparison.z! - 2.8479738510351136) < 1e-9 && abs(comparison.p! - 0.004399853955616632) < 1e-9)
        #expect(Statistics.wilson(0, 0) == nil)
    }
}
