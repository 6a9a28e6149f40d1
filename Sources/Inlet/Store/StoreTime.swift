import Foundation

/// Time helpers of the store: the clock in milliseconds and ISO 8601 rendering.
public enum StoreTime {
    /// Milliseconds since the epoch, from the real-time clock.
    public static func nowMs() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec / 1_000_000)
    }

    /// `ms` as ISO 8601 UTC with milliseconds, e.g. `2026-12-04T17:00:00.123Z`.
    public static func iso8601(_ ms: Int64) -> String {
        var seconds = time_t(ms.floorDiv(1000))
        let millis = Int(ms - ms.floorDiv(1000) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
            Int(parts.tm_year) + 1900,
            Int(parts.tm_mon) + 1,
            Int(parts.tm_mday),
            Int(parts.tm_hour),
            Int(parts.tm_min),
            Int(parts.tm_sec),
            millis
        )
    }
}

extension Int64 {
    /// Division rounding towards negative infinity (so times before 1970 render correctly).
    fileprivate func floorDiv(_ divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
