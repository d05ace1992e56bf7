/// A point in time as nanoseconds since the Unix epoch, UTC.
///
/// Hubble times are RFC 3339 strings with 0–9 fraction digits; nanoseconds are kept exactly.
public struct Timestamp: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }

    /// Creates a time from whole seconds since the epoch plus nanoseconds.
    ///
    /// For trusted values only (the system clock, tests): out of the representable range the
    /// result wraps. Input goes through ``init(rfc3339:)`` or ``TimeBound``, which refuse it.
    public init(seconds: Int64, nanoseconds: Int64 = 0) {
        rawValue = seconds &* 1_000_000_000 &+ nanoseconds
    }

    /// The earliest time flowlog accepts, 1677-09-21T00:12:43.145224193Z. `Int64.min` itself is
    /// refused so that every accepted time can be negated and counted back from without a trap.
    public static let earliest = Timestamp(rawValue: Int64.min + 1)
    /// The latest representable time, 2262-04-11T23:47:16.854775807Z.
    public static let latest = Timestamp(rawValue: Int64.max)

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Whole seconds since the epoch (rounded down).
    public var seconds: Int64 { rawValue.floorDiv(1_000_000_000) }
    /// Nanoseconds past ``seconds``.
    // A remainder, not `rawValue - seconds * 1e9`: at Int64.min that product does not fit.
    public var nanoseconds: Int64 {
        let remainder = rawValue % 1_000_000_000
        return remainder < 0 ? remainder + 1_000_000_000 : remainder
    }

    /// The time `nanoseconds` earlier; nil when that is before ``earliest`` (or after ``latest``
    /// for a negative amount).
    public func subtracting(nanoseconds amount: Int64) -> Timestamp? {
        let (value, overflow) = rawValue.subtractingReportingOverflow(amount)
        guard !overflow, value != Int64.min else { return nil }
        return Timestamp(rawValue: value)
    }

    /// The time `nanoseconds` later; nil when that is past ``latest`` (or before ``earliest``).
    public func adding(nanoseconds amount: Int64) -> Timestamp? {
        let (value, overflow) = rawValue.addingReportingOverflow(amount)
        guard !overflow, value != Int64.min else { return nil }
        return Timestamp(rawValue: value)
    }

    /// The start of period `index` of `unitNanos`-long periods counted from the epoch (hour
    /// `index` for 3 600 000 000 000), clamped to ``earliest`` for the first period, which starts
    /// before it; nil when the period holds no representable time at all.
    public static func periodStart(index: Int64, unitNanos: Int64) -> Timestamp? {
        guard unitNanos > 0 else { return nil }
        guard index >= earliest.rawValue.floorDiv(unitNanos), index <= latest.rawValue.floorDiv(unitNanos) else { return nil }
        let (start, overflow) = index.multipliedReportingOverflow(by: unitNanos)
        guard !overflow, start > Int64.min else { return earliest }
        return Timestamp(rawValue: start)
    }

    /// The RFC 3339 form in UTC with nine fraction digits, as Hubble writes it.
    public var description: String { rfc3339(fractionDigits: 9) }

    /// The RFC 3339 form in UTC with `fractionDigits` (0–9) fraction digits.
    public func rfc3339(fractionDigits: Int = 9) -> String {
        let civil = CivilTime(secondsSinceEpoch: seconds)
        var text = pad(civil.year, 4) + "-" + pad(civil.month, 2) + "-" + pad(civil.day, 2)
        text += "T" + pad(civil.hour, 2) + ":" + pad(civil.minute, 2) + ":" + pad(civil.second, 2)
        if fractionDigits > 0 {
            let digits = min(fractionDigits, 9)
            var fraction = nanoseconds
            for _ in digits..<9 { fraction /= 10 }
            text += "." + pad(fraction, digits)
        }
        return text + "Z"
    }

    /// The time as `hubble observe` prints it by default (`Nov 20 10:00:00.123`).
    public var stampMilli: String {
        let civil = CivilTime(secondsSinceEpoch: seconds)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let day = civil.day < 10 ? " \(civil.day)" : "\(civil.day)"
        return "\(months[Int(civil.month) - 1]) \(day) " + pad(civil.hour, 2) + ":" + pad(civil.minute, 2) + ":"
            + pad(civil.second, 2) + "." + pad(nanoseconds / 1_000_000, 3)
    }

    /// Parses an RFC 3339 time (`2024-01-01T10:00:00Z`, `…T10:00:00.123+02:00`); nil when invalid
    /// or outside ``earliest``...``latest``.
    public init?(rfc3339 text: String) {
        guard case .time(let parsed) = Timestamp.parseRFC3339(text) else { return nil }
        self = parsed
    }

    /// What reading an RFC 3339 text found.
    public enum RFC3339Result: Sendable, Equatable {
        case time(Timestamp)
        /// A well-formed time outside ``earliest``...``latest`` (year 1677 or 2262 and beyond).
        case outOfRange
        case malformed
    }

    /// Parses an RFC 3339 time, telling a malformed text from a time out of range.
    public static func parseRFC3339(_ text: String) -> RFC3339Result {
        var text = text
        return text.withUTF8 { parseReportingRange(UnsafeRawBufferPointer($0)) }
    }

    /// Parses RFC 3339 from UTF-8 bytes; nil when malformed or out of range.
    package static func parse(_ bytes: UnsafeRawBufferPointer) -> Timestamp? {
        guard case .time(let time) = parseReportingRange(bytes) else { return nil }
        return time
    }

    /// Parses RFC 3339 from UTF-8 bytes. Accepts `T`/`t`/space between date and time, `Z`/`z` or
    /// a `±hh:mm` offset, and any number of fraction digits (beyond nine they are truncated).
    static func parseReportingRange(_ bytes: UnsafeRawBufferPointer) -> RFC3339Result {
        let count = bytes.count
        guard count >= 20 else { return .malformed }
        func digits(_ start: Int, _ length: Int) -> Int64? {
            var value: Int64 = 0
            for index in start..<(start + length) {
                let byte = bytes[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            return value
        }
        guard let year = digits(0, 4), bytes[4] == UInt8(ascii: "-"), let month = digits(5, 2),
              bytes[7] == UInt8(ascii: "-"), let day = digits(8, 2),
              bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") || bytes[10] == UInt8(ascii: " "),
              let hour = digits(11, 2), bytes[13] == UInt8(ascii: ":"), let minute = digits(14, 2),
              bytes[16] == UInt8(ascii: ":"), let second = digits(17, 2)
        else { return .malformed }
        guard (1...12).contains(month), day >= 1, day <= CivilTime.daysInMonth(year: year, month: month),
              hour <= 23, minute <= 59, second <= 60 else { return .malformed }
        var index = 19
        var nanos: Int64 = 0
        if index < count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var digitCount = 0
            while index < count, bytes[index] >= 48, bytes[index] <= 57 {
                if digitCount < 9 { nanos = nanos * 10 + Int64(bytes[index] - 48) }
                digitCount += 1
                index += 1
            }
            guard digitCount > 0 else { return .malformed }
            for _ in min(digitCount, 9)..<9 { nanos *= 10 }
        }
        guard index < count else { return .malformed }
        var offsetSeconds: Int64 = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == count, let offsetHour = digits(index + 1, 2), bytes[index + 3] == UInt8(ascii: ":"),
                  let offsetMinute = digits(index + 4, 2), offsetHour <= 23, offsetMinute <= 59 else { return .malformed }
            offsetSeconds = (offsetHour * 3600 + offsetMinute * 60) * (bytes[index] == UInt8(ascii: "+") ? 1 : -1)
            index += 6
        default:
            return .malformed
        }
        guard index == count else { return .malformed }
        let days = CivilTime.daysFromCivil(year: year, month: month, day: day)
        let secondsSinceEpoch = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        // Nanoseconds since the epoch fit in 64 bits from 1677 to 2262; outside, the time is refused
        // rather than wrapped into another one.
        // Before the epoch with a fraction, count from the next whole second down: the first
        // partial second of 1677 has no whole-second start in 64 bits, but its times do fit.
        let borrow: Int64 = secondsSinceEpoch < 0 && nanos > 0 ? 1 : 0
        let (scaled, overflow) = (secondsSinceEpoch + borrow).multipliedReportingOverflow(by: 1_000_000_000)
        let (total, carry) = scaled.addingReportingOverflow(nanos - borrow * 1_000_000_000)
        guard !overflow, !carry, total != Int64.min else { return .outOfRange }
        return .time(Timestamp(rawValue: total))
    }
}

private func pad(_ value: Int64, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}

/// Proleptic Gregorian calendar arithmetic (days-from-civil), UTC only.
struct CivilTime {
    var year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64

    init(secondsSinceEpoch: Int64) {
        var days = secondsSinceEpoch / 86_400
        var rest = secondsSinceEpoch % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        hour = rest / 3600
        minute = rest % 3600 / 60
        second = rest % 60
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let adjustedYear = month <= 2 ? year - 1 : year
        let era = (adjustedYear >= 0 ? adjustedYear : adjustedYear - 399) / 400
        let yearOfEra = adjustedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
