/// Reading `--since` / `--until` values: a duration before now (`90m`, `24h`, `7d`, `1h30m`)
/// or an RFC 3339 time.
public enum TimeBound {
    /// Nanoseconds in a duration such as `90s`, `90m`, `24h`, `7d`, `1h30m`; nil when not one.
    public static func duration(_ text: String) -> Int64? {
        let units: [Character: Int64] = ["s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000,
                                         "d": 86_400_000_000_000, "w": 604_800_000_000_000]
        var total: Int64 = 0
        var number: Int64?
        for character in text {
            if let digit = character.wholeNumberValue, character.isASCII {
                let (times, o1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(Int64(digit))
                guard !o1, !o2 else { return nil }
                number = sum
            } else if let unit = units[character], let value = number {
                let (product, o1) = value.multipliedReportingOverflow(by: unit)
                let (sum, o2) = total.addingReportingOverflow(product)
                guard !o1, !o2 else { return nil }
                total = sum
                number = nil
            } else {
                return nil
            }
        }
        guard number == nil, !text.isEmpty else { return nil }
        return total
    }

    /// The time meant by `text`: `now` minus a duration, or an RFC 3339 time; nil when neither.
    public static func parse(_ text: String, now: Timestamp) -> Timestamp? {
        if let nanoseconds = duration(text) { return Timestamp(rawValue: now.rawValue &- nanoseconds) }
        return Timestamp(rfc3339: text)
    }
}
