import Testing
@testable import FlowlogModel
import FlowlogTestSupport

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

    /// The short forms `hubble observe` takes, all UTC.
    @Test(arguments: [
        ("2026-11-20", "2026-11-20T00:00:00Z"),
        ("2026-11-20T10:30", "2026-11-20T10:30:00Z"),
        ("2026-11-20T10:30:15", "2026-11-20T10:30:15Z"),
        ("2026-11-20T10:30:15.25", "2026-11-20T10:30:15.25Z"),
    ])
    func shortFormsMeanUTC(_ text: String, _ full: String) throws {
        let now = Timestamp(rawValue: 0)
        #expect(try TimeBound.resolve(text, now: now) == Timestamp(rfc3339: full))
    }

    @Test(arguments: ["2026-11-2", "2026-13-20", "2026-11-20T", "2026-11-20T10", "2026-11-20 10:30", "2026-11-20T10:30+01",
                      "20261120"])
    func malformedShortFormsAreRefused(_ text: String) {
        #expect(throws: TimeBoundError.self) { try TimeBound.resolve(text, now: Timestamp(rawValue: 0)) }
    }

    @Test(arguments: ["yesterday", "5x", "2026-02-30T00:00:00Z", ""])
    func neitherDurationNorTimeIsNil(_ text: String) {
        #expect(TimeBound.parse(text, now: Timestamp(seconds: Fixtures.baseSeconds)) == nil)
    }
}

/// `--since`-style values at and past the ends of the representable range (1677 / 2262): a
/// value in range resolves, one out of range is refused as such, never wrapped or trapped on.
@Suite struct TimeBoundRangeTests {
    enum Expected: Sendable, Equatable {
        case time(Int64)
        case outOfRange
        case malformed
    }

    struct RangeCase: Sendable, CustomTestStringConvertible {
        var text: String
        var now: Int64
        var expected: Expected
        var testDescription: String { "\(text.debugDescription) at \(now)" }
    }

    static let realNow: Int64 = Fixtures.baseSeconds * 1_000_000_000

    static let cases: [RangeCase] = [
        RangeCase(text: "2262-04-11T23:47:16.854775807Z", now: realNow, expected: .time(Int64.max)),
        RangeCase(text: "2262-04-11T23:47:16.854775806Z", now: realNow, expected: .time(Int64.max - 1)),
        RangeCase(text: "2262-04-11T23:47:16.854775808Z", now: realNow, expected: .outOfRange),
        RangeCase(text: "2262-04-11T23:47:17Z", now: realNow, expected: .outOfRange),
        RangeCase(text: "2262-04-12T00:00:00Z", now: realNow, expected: .outOfRange),
        RangeCase(text: "9999-12-31T23:59:59.999999999Z", now: realNow, expected: .outOfRange),
        RangeCase(text: "2262-04-11T23:47:16.854775807-00:01", now: realNow, expected: .outOfRange),
        RangeCase(text: "1677-09-21T00:12:43.145224193Z", now: realNow, expected: .time(Int64.min + 1)),
        RangeCase(text: "1677-09-21T00:12:43.145224192Z", now: realNow, expected: .outOfRange),
        RangeCase(text: "1677-09-21T00:12:44Z", now: realNow, expected: .time(-9_223_372_036_000_000_000)),
        RangeCase(text: "1677-09-21T00:12:43Z", now: realNow, expected: .outOfRange),
        RangeCase(text: "0000-01-01T00:00:00Z", now: realNow, expected: .outOfRange),
        RangeCase(text: "1677-09-21T00:12:44+00:01", now: realNow, expected: .outOfRange),
        RangeCase(text: "99999999999d", now: realNow, expected: .outOfRange),
        RangeCase(text: "9223372036854775807s", now: realNow, expected: .outOfRange),
        RangeCase(text: "106751d", now: realNow, expected: .time(realNow - 106_751 * 86_400_000_000_000)),
        RangeCase(text: "106751d", now: -realNow, expected: .outOfRange),
        RangeCase(text: "0s", now: Int64.max, expected: .time(Int64.max)),
        RangeCase(text: "1s", now: Int64.min + 1, expected: .outOfRange),
        RangeCase(text: "0s", now: Int64.min + 1, expected: .time(Int64.min + 1)),
        RangeCase(text: "9999999999999999999999w", now: realNow, expected: .outOfRange),
        RangeCase(text: "99999999999x", now: realNow, expected: .malformed),
        RangeCase(text: "d", now: realNow, expected: .malformed),
        RangeCase(text: "", now: realNow, expected: .malformed),
    ]

    @Test(arguments: cases)
    func resolvesOrRefusesEdgeValues(_ testCase: RangeCase) {
        let result: Expected
        do {
            result = .time(try TimeBound.resolve(testCase.text, now: Timestamp(rawValue: testCase.now)).rawValue)
        } catch {
            result = error.kind == .outOfRange ? .outOfRange : .malformed
        }
        #expect(result == testCase.expected)
    }

    @Test func outOfRangeMessageNamesTheRange() {
        #expect(TimeBoundError(kind: .outOfRange, text: "99999999999d").description
            == "\"99999999999d\" is out of range: times must lie between 1677-09-21T00:12:43.145224193Z and 2262-04-11T23:47:16.854775807Z")
    }
}
