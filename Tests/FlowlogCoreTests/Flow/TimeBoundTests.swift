import Testing
@testable import FlowlogCore

private let second: Int64 = 1_000_000_000
private let minute = 60 * second
private let hour = 60 * minute
private let day = 24 * hour

@Suite struct TimeBoundTests {
    struct DurationCase: Sendable, CustomTestStringConvertible {
        var text: String
        /// Nanoseconds, or nil when the text is not a duration.
        var expected: Int64?
        var testDescription: String { text.debugDescription }
    }

    static let durationCases: [DurationCase] = [
        DurationCase(text: "90s", expected: 90 * second),
        DurationCase(text: "90m", expected: 90 * minute),
        DurationCase(text: "24h", expected: 24 * hour),
        DurationCase(text: "7d", expected: 7 * day),
        DurationCase(text: "2w", expected: 14 * day),
        DurationCase(text: "1h30m", expected: 90 * minute),
        DurationCase(text: "1d2h3m4s", expected: day + 2 * hour + 3 * minute + 4 * second),
        DurationCase(text: "0s", expected: 0),
        DurationCase(text: "007m", expected: 7 * minute),
        DurationCase(text: "106751d", expected: 106_751 * day),
        DurationCase(text: "5x", expected: nil),
        DurationCase(text: "m", expected: nil),
        DurationCase(text: "", expected: nil),
        DurationCase(text: "10", expected: nil),
        DurationCase(text: "1h30", expected: nil),
        DurationCase(text: "-5m", expected: nil),
        DurationCase(text: "1.5h", expected: nil),
        DurationCase(text: "5 m", expected: nil),
        DurationCase(text: "5M", expected: nil),
        DurationCase(text: "١m", expected: nil),
        DurationCase(text: "106752d", expected: nil),
        DurationCase(text: "9223372036854775808s", expected: nil),
        DurationCase(text: "99999999999999999999s", expected: nil),
        DurationCase(text: "106751d106751d", expected: nil),
    ]

    @Test(arguments: durationCases)
    func parsesDuration(_ testCase: DurationCase) {
        #expect(TimeBound.duration(testCase.text) == testCase.expected)
    }

    @Test func durationIsCountedBackFromNow() {
        let now = Timestamp(seconds: Fixtures.baseSeconds, nanoseconds: 250)
        #expect(TimeBound.parse("90m", now: now) == Timestamp(rawValue: now.rawValue - 90 * minute))
        #expect(TimeBound.parse("0s", now: now) == now)
    }

    @Test func absoluteTimeIgnoresNow() {
        let now = Timestamp(seconds: Fixtures.baseSeconds)
        #expect(TimeBound.parse("2026-11-19T10:00:00.5Z", now: now)
            == Timestamp(seconds: Fixtures.baseSeconds - 86_400, nanoseconds: 500_000_000))
    }

    @Test(arguments: ["yesterday", "5x", "2026-02-30T00:00:00Z", ""])
    func neitherDurationNorTimeIsNil(_ text: String) {
        #expect(TimeBound.parse(text, now: Timestamp(seconds: Fixtures.baseSeconds)) == nil)
    }
}
