/// Integer helpers for times in nanoseconds and bucket numbers: rounding divisions and a
/// clamped product, none of which traps near the ends of the 64-bit range.
extension Int64 {
    /// Division rounding toward negative infinity.
    package func floorDiv(_ divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    /// Division rounding toward positive infinity, for a positive divisor, without the overflow
    /// of `(self + divisor - 1) / divisor` near `Int64.max`.
    package func ceilDiv(_ divisor: Int64) -> Int64 {
        // Swift's division truncates toward zero: only a positive remainder needs rounding up,
        // and then the quotient is below Int64.max.
        let quotient = self / divisor
        return self % divisor > 0 ? quotient + 1 : quotient
    }

    /// `self * factor`, clamped to `Int64.min ... Int64.max` instead of trapping: the start or end
    /// of a time bucket near 1677 or 2262 that 64-bit nanoseconds cannot hold.
    package func multipliedClamped(by factor: Int64) -> Int64 {
        let (product, overflow) = multipliedReportingOverflow(by: factor)
        guard overflow else { return product }
        return (self < 0) == (factor < 0) ? Int64.max : Int64.min
    }
}

extension Int64 {
    /// `self + other`, held at `Int64.max` / `Int64.min` instead of overflowing.
    package func saturatingAdd(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other > 0 ? Int64.max : Int64.min
    }
}
