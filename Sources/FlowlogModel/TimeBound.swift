/// Reading `--since` / `--until` / `--older-than` values: a duration before now (`90m`, `24h`,
/// `7d`, `1h30m`), an RFC 3339 time, or the shorter forms `hubble observe` takes (a date alone,
/// meaning midnight UTC, or a date and time without a zone, meaning UTC).
///
/// Every result lies in ``Timestamp/earliest``...``Timestamp/latest``: a value that would leave
/// that range is refused with ``TimeBoundError/Kind/outOfRange`` rather than wrapped into
/// another time (or trapping), so the windows built from it can be computed without overflow
/// checks going wrong downstream.
public enum TimeBound {
    /// What reading a duration found.
    public enum DurationResult: Sendable, Equatable {
        case nanoseconds(Int64)
        /// Written like a duration, but more nanoseconds than 64 bits hold (about 292 years).
        case outOfRange
        case malformed
    }

    private static let units: [Character: Int64] = [
        "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000,
        "d": 86_400_000_000_000, "w": 604_800_000_000_000,
    ]

    /// Reads a duration such as `90s`, `90m`, `24h`, `7d`, `1h30m`, telling a malformed text from
    /// one too large to count in nanoseconds.
    public static func parseDuration(_ text: String) -> DurationResult {
        guard !text.isEmpty else { return .malformed }
        var total: Int64 = 0
        var number: Int64?
        var hasDigits = false
        var overflowed = false
        for character in text {
            if character.isASCII, let digit = character.wholeNumberValue {
                hasDigits = true
                let (times, o1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(Int64(digit))
                // Keep reading after an overflow: "99999999999d" is a duration too long, "9999x" is
                // not a duration at all, and the messages differ.
                if o1 || o2 { overflowed = true }
                number = sum
            } else if let unit = units[character], hasDigits, let value = number {
                let (product, o1) = value.multipliedReportingOverflow(by: unit)
                let (sum, o2) = total.addingReportingOverflow(product)
                if o1 || o2 { overflowed = true }
                total = sum
                number = nil
                hasDigits = false
            } else {
                return .malformed
            }
        }
        guard number == nil else { return .malformed }
        return overflowed ? .outOfRange : .nanoseconds(total)
    }

    /// Nanoseconds in a duration such as `90s`, `90m`, `24h`, `7d`, `1h30m`; nil when not one or
    /// too large.
    public static func duration(_ text: String) -> Int64? {
        guard case .nanoseconds(let value) = parseDuration(text) else { return nil }
        return value
    }

    /// The time meant by `text`: `now` minus a duration, or an RFC 3339 time.
    ///
    /// - Throws: ``TimeBoundError`` when `text` is neither, or names a time outside
    ///   ``Timestamp/earliest``...``Timestamp/latest``.
    public static func resolve(_ text: String, now: Timestamp) throws(TimeBoundError) -> Timestamp {
        switch parseDuration(text) {
        case .nanoseconds(let nanoseconds):
            guard let time = now.subtracting(nanoseconds: nanoseconds) else {
                throw TimeBoundError(kind: .outOfRange, text: text)
            }
            return time
        case .outOfRange:
            throw TimeBoundError(kind: .outOfRange, text: text)
        case .malformed:
            break
        }
        switch Timestamp.parseRFC3339(text) {
        case .time(let time): return time
        case .outOfRange: throw TimeBoundError(kind: .outOfRange, text: text)
        case .malformed: break
        }
        // The shorter forms `hubble observe` accepts, all in UTC: a date (midnight), and a date
        // and time without a zone, with or without seconds.
        guard let completed = completedTime(text) else { throw TimeBoundError(kind: .malformed, text: text) }
        switch Timestamp.parseRFC3339(completed) {
        case .time(let time): return time
        case .outOfRange: throw TimeBoundError(kind: .outOfRange, text: text)
        case .malformed: throw TimeBoundError(kind: .malformed, text: text)
        }
    }

    /// `2026-11-20` as `2026-11-20T00:00:00Z`, `2026-11-20T10:30` as `2026-11-20T10:30:00Z`,
    /// `2026-11-20T10:30:15.5` as `2026-11-20T10:30:15.5Z`; nil for anything else.
    static func completedTime(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        func isDigit(_ index: Int) -> Bool { index < bytes.count && bytes[index] >= 48 && bytes[index] <= 57 }
        let datePattern = [0, 1, 2, 3, 5, 6, 8, 9]
        guard bytes.count >= 10, datePattern.allSatisfy(isDigit), bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-")
        else { return nil }
        if bytes.count == 10 { return text + "T00:00:00Z" }
        guard bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") else { return nil }
        // No zone: nothing but digits, ':' and '.' after the date.
        guard bytes[11...].allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
        else { return nil }
        if bytes.count == 16 { return text + ":00Z" }
        return text + "Z"
    }

    /// The time meant by `text` (see ``resolve(_:now:)``); nil when it names none in range.
    public static func parse(_ text: String, now: Timestamp) -> Timestamp? {
        try? resolve(text, now: now)
    }
}

/// A `--since`-style value that names no usable time.
public struct TimeBoundError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Neither a duration, a date nor an RFC 3339 time.
        case malformed
        /// A duration or time whose result is before 1677-09-21 or after 2262-04-11, the range of
        /// nanoseconds since the epoch in 64 bits.
        case outOfRange
    }

    public var kind: Kind
    /// The text as given.
    public var text: String

    public init(kind: Kind, text: String) {
        self.kind = kind
        self.text = text
    }

    /// The message, without the flag name (the caller knows which flag it read).
    public var description: String {
        let quoted = "\"" + TextEscaping.terminal(text) + "\""
        switch kind {
        case .malformed:
            return "\(quoted) is neither a duration (90m, 24h, 7d), a date (2026-11-20) nor an RFC 3339 time"
        case .outOfRange:
            return "\(quoted) is out of range: times must lie between \(Timestamp.earliest) and \(Timestamp.latest)"
        }
    }
}
