import Testing
@testable import FlowlogModel
import FlowlogTestSupport

private let base = Fixtures.baseSeconds * 1_000_000_000

@Suite struct TimestampTests {
    struct ParseCase: Sendable, CustomTestStringConvertible {
        var text: String
        /// Nanoseconds since the epoch, or nil when the text is not a valid time.
        var expected: Int64?
        var testDescription: String { text.debugDescription }
    }

    static let validCases: [ParseCase] = [
        ParseCase(text: "1970-01-01T00:00:00Z", expected: 0),
        ParseCase(text: "2026-11-20T10:00:00Z", expected: base),
        ParseCase(text: "2026-11-20T10:00:00.1Z", expected: base + 100_000_000),
        ParseCase(text: "2026-11-20T10:00:00.123Z", expected: base + 123_000_000),
        ParseCase(text: "2026-11-20T10:00:00.123456Z", expected: base + 123_456_000),
        ParseCase(text: "2026-11-20T10:00:00.123456789Z", expected: base + 123_456_789),
        ParseCase(text: "2026-11-20T10:00:00.000000001Z", expected: base + 1),
        ParseCase(text: "2026-11-20T10:00:00.1234567899Z", expected: base + 123_456_789),
        ParseCase(text: "2026-11-20t10:00:00z", expected: base),
        ParseCase(text: "2026-11-20 10:00:00Z", expected: base),
        ParseCase(text: "2026-11-20T12:00:00+02:00", expected: base),
        ParseCase(text: "2026-11-20T12:00:00.123456789+02:00", expected: base + 123_456_789),
        ParseCase(text: "2026-11-20T04:30:00-05:30", expected: base),
        ParseCase(text: "2026-11-20T10:00:00+00:00", expected: base),
        ParseCase(text: "2026-11-21T00:00:00+14:00", expected: base),
        ParseCase(text: "2024-02-29T23:59:59Z", expected: 1_709_251_199 * 1_000_000_000),
        ParseCase(text: "2000-02-29T00:00:00Z", expected: 951_782_400 * 1_000_000_000),
        ParseCase(text: "1969-12-31T23:59:59.5Z", expected: -500_000_000),
        ParseCase(text: "1969-12-31T23:59:59.999999999Z", expected: -1),
        ParseCase(text: "1969-07-20T20:17:40Z", expected: -14_182_940 * 1_000_000_000),
        ParseCase(text: "1900-01-01T00:00:00Z", expected: -2_208_988_800 * 1_000_000_000),
        ParseCase(text: "2016-12-31T23:59:60Z", expected: (1_483_228_799 + 1) * 1_000_000_000),
    ]

    static let invalidCases: [ParseCase] = [
        "2026-02-30T10:00:00Z", "2025-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
        "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-11-00T00:00:00Z", "2026-11-20T24:00:00Z",
        "2026-11-20T10:60:00Z", "2026-11-20T10:00:61Z", "2026-11-20T10:00:00", "2026-11-20T10:00:00.123",
        "2026-11-20T10:00:00.Z", "2026-11-20T10:00:00+2:00", "2026-11-20T10:00:00+0200",
        "2026-11-20T10:00:00+24:00", "2026-11-20T10:00:00+02:60", "2026-11-20T10:00:00Zjunk",
        "2026-11-20T10:00:00+02:00x", "2026-11-20", "2026/11/20T10:00:00Z", "2026-11-20X10:00:00Z",
        "20261120T100000Z", "", "2026-1-20T10:00:00Z", "２０２６-11-20T10:00:00Z",
    ].map { ParseCase(text: $0, expected: nil) }

    @Test(arguments: validCases + invalidCases)
    func parsesRFC3339(_ testCase: ParseCase) {
        #expect(Timestamp(rfc3339: testCase.text)?.rawValue == testCase.expected)
    }

    struct FormatCase: Sendable, CustomTestStringConvertible {
        var rawValue: Int64
        var digits: Int
        var expected: String
        var testDescription: String { "\(rawValue) with \(digits) digits" }
    }

    static let formatCases: [FormatCase] = [
        FormatCase(rawValue: base + 123_456_789, digits: 9, expected: "2026-11-20T10:00:00.123456789Z"),
        FormatCase(rawValue: base + 123_456_789, digits: 6, expected: "2026-11-20T10:00:00.123456Z"),
        FormatCase(rawValue: base + 123_456_789, digits: 3, expected: "2026-11-20T10:00:00.123Z"),
        FormatCase(rawValue: base + 123_456_789, digits: 0, expected: "2026-11-20T10:00:00Z"),
        FormatCase(rawValue: base + 999_999_999, digits: 3, expected: "2026-11-20T10:00:00.999Z"),
        FormatCase(rawValue: base + 5_000, digits: 9, expected: "2026-11-20T10:00:00.000005000Z"),
        FormatCase(rawValue: 0, digits: 9, expected: "1970-01-01T00:00:00.000000000Z"),
        FormatCase(rawValue: -1, digits: 9, expected: "1969-12-31T23:59:59.999999999Z"),
        FormatCase(rawValue: -500_000_000, digits: 3, expected: "1969-12-31T23:59:59.500Z"),
        FormatCase(rawValue: -14_182_940 * 1_000_000_000, digits: 0, expected: "1969-07-20T20:17:40Z"),
        FormatCase(rawValue: 1_709_251_199 * 1_000_000_000, digits: 0, expected: "2024-02-29T23:59:59Z"),
        FormatCase(rawValue: 951_782_400 * 1_000_000_000, digits: 0, expected: "2000-02-29T00:00:00Z"),
        FormatCase(rawValue: Int64.max, digits: 9, expected: "2262-04-11T23:47:16.854775807Z"),
    ]

    @Test(arguments: formatCases)
    func formatsRFC3339(_ testCase: FormatCase) {
        #expect(Timestamp(rawValue: testCase.rawValue).rfc3339(fractionDigits: testCase.digits) == testCase.expected)
    }

    @Test func descriptionHasNineFractionDigits() {
        #expect(Timestamp(seconds: Fixtures.baseSeconds, nanoseconds: 120).description == "2026-11-20T10:00:00.000000120Z")
    }

    static let roundTripValues: [Int64] = [
        0, 1, -1, base, base + 123_456_789, -500_000_000, -14_182_940 * 1_000_000_000 + 7,
        -2_208_988_800 * 1_000_000_000, 1_709_251_199 * 1_000_000_000 + 999_999_999, 951_782_400 * 1_000_000_000,
        Int64.max, Int64.min + 1_000_000_000,
    ]

    @Test(arguments: roundTripValues)
    func formatThenParseGivesTheSameTime(_ rawValue: Int64) {
        let time = Timestamp(rawValue: rawValue)
        #expect(Timestamp(rfc3339: time.rfc3339()) == time)
        #expect(Timestamp(rfc3339: time.description) == time)
    }

    @Test(arguments: ["2024-02-29T12:00:00.5Z", "1999-12-31T23:59:59.999999999Z", "1970-01-01T00:00:00.000000001Z",
                      "1955-11-05T06:15:00.123456789Z"])
    func parseThenFormatGivesTheSameText(_ text: String) throws {
        let time = try #require(Timestamp(rfc3339: text))
        // Compare with the text padded to nine fraction digits.
        let fraction = text.split(separator: ".").last!.dropLast()
        let padded = text.split(separator: ".").first! + "." + fraction + String(repeating: "0", count: 9 - fraction.count) + "Z"
        #expect(time.rfc3339() == padded)
    }

    @Test func secondsAndNanosecondsRoundDown() {
        #expect(Timestamp(rawValue: -1).seconds == -1)
        #expect(Timestamp(rawValue: -1).nanoseconds == 999_999_999)
        #expect(Timestamp(rawValue: -1_000_000_000).seconds == -1)
        #expect(Timestamp(rawValue: -1_000_000_000).nanoseconds == 0)
        #expect(Timestamp(rawValue: -1_000_000_001).seconds == -2)
        #expect(Timestamp(rawValue: base + 5).seconds == Fixtures.baseSeconds)
        #expect(Timestamp(rawValue: base + 5).nanoseconds == 5)
    }

    @Test func stampMilliIsHubblesDefaultTimeFormat() {
        #expect(Timestamp(rawValue: base + 123_456_789).stampMilli == "Nov 20 10:00:00.123")
        // 2026-03-04T05:06:07.009Z: the day is padded with a space.
        #expect(Timestamp(seconds: 1_772_600_767, nanoseconds: 9_000_000).stampMilli == "Mar  4 05:06:07.009")
    }

    @Test func comparesByTime() {
        #expect(Timestamp(rawValue: -1) < Timestamp(rawValue: 0))
        #expect(Timestamp(rfc3339: "2026-11-20T12:00:00+02:00") == Timestamp(rfc3339: "2026-11-20T10:00:00Z"))
    }

    /// Valid RFC 3339 times outside the nanosecond range (years before 1677 or after 2262, such as
    /// Go's zero time `0001-01-01T00:00:00Z`) must be rejected, not silently become a different time.
    /// The last one wraps to exactly `Int64.min`, where `seconds` (and so every renderer) traps;
    /// only raw values are compared here so a failure cannot crash the test run.
    @Test(arguments: ["0001-01-01T00:00:00Z", "1600-03-01T00:00:00Z", "9999-12-31T23:59:59Z",
                      "9861-06-24T18:16:35.078946816Z"])
    func outOfRangeTimeIsRejectedNotWrapped(_ text: String) {
        #expect(Timestamp(rfc3339: text)?.rawValue == nil)
    }
}

/// Arithmetic on times at the ends of the 64-bit range does not trap.
@Suite struct TimestampEdgeTests {
    @Test(arguments: [Int64.min, Int64.min + 1, -1, 0, 1, Int64.max - 1, Int64.max])
    func partsAndRenderingNeverTrap(_ raw: Int64) {
        let time = Timestamp(rawValue: raw)
        #expect((0..<1_000_000_000).contains(time.nanoseconds))
        #expect(!time.rfc3339().isEmpty)
        #expect(!time.stampMilli.isEmpty)
    }

    @Test func everyAcceptedTimeRoundTrips() {
        for raw in [Int64.min + 1, Int64.min + 999_999_999, -1, 0, Int64.max - 1, Int64.max] {
            let time = Timestamp(rawValue: raw)
            #expect(Timestamp(rfc3339: time.description) == time)
        }
    }

    struct PeriodCase: Sendable, CustomTestStringConvertible {
        var index: Int64
        var expected: Int64?
        var testDescription: String { "hour \(index)" }
    }

    static let hour: Int64 = 3_600_000_000_000

    @Test(arguments: [
        PeriodCase(index: 0, expected: 0),
        PeriodCase(index: -1, expected: -hour),
        PeriodCase(index: Int64.max.floorDiv(hour), expected: Int64.max.floorDiv(hour) * hour),
        PeriodCase(index: Int64.max.floorDiv(hour) + 1, expected: nil),
        // The first hour of 1677 starts before Int64.min: clamped to the earliest time.
        PeriodCase(index: (Int64.min + 1).floorDiv(hour), expected: Int64.min + 1),
        PeriodCase(index: (Int64.min + 1).floorDiv(hour) - 1, expected: nil),
        PeriodCase(index: Int64.min, expected: nil),
        PeriodCase(index: Int64.max, expected: nil),
    ])
    func periodStartIsCheckedAndClamped(_ testCase: PeriodCase) {
        #expect(Timestamp.periodStart(index: testCase.index, unitNanos: Self.hour)?.rawValue == testCase.expected)
    }

    @Test func addingAndSubtractingRefuseToLeaveTheRange() {
        #expect(Timestamp.latest.adding(nanoseconds: 1) == nil)
        #expect(Timestamp.earliest.subtracting(nanoseconds: 1) == nil)
        #expect(Timestamp(rawValue: 0).subtracting(nanoseconds: Int64.min) == nil)
        #expect(Timestamp(rawValue: 5).subtracting(nanoseconds: 5) == Timestamp(rawValue: 0))
    }
}
