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
    ///
    /// Total over `Int64`: stored times may come from a payload, so no value may trap here.
    public static func iso8601(_ ms: Int64) -> String {
        var seconds = time_t(ms.floorDiv(1000))
        let remainder = ms % 1000
        let millis = Int(remainder < 0 ? remainder + 1000 : remainder)
        var parts = tm()
        gmtime_r(&seconds, &parts)

        // Built by hand: String(format:) costs microseconds, and every log line and entity needs this.
        var text = ""
        text.reserveCapacity(24)
        StoreTime.append(Int(parts.tm_year) + 1900, width: 4, to: &text)
        text += "-"
        StoreTime.append(Int(parts.tm_mon) + 1, width: 2, to: &text)
        text += "-"
        StoreTime.append(Int(parts.tm_mday), width: 2, to: &text)
        text += "T"
        StoreTime.append(Int(parts.tm_hour), width: 2, to: &text)
        text += ":"
        StoreTime.append(Int(parts.tm_min), width: 2, to: &text)
        text += ":"
        StoreTime.append(Int(parts.tm_sec), width: 2, to: &text)
        text += "."
        StoreTime.append(millis, width: 3, to: &text)
        text += "Z"
        return text
    }

    /// Appends `value` in decimal, left-padded with zeros to `width` digits.
    private static func append(_ value: Int, width: Int, to text: inout String) {
        let digits = String(value)
        if digits.count < width {
            text += String(repeating: "0", count: width - digits.count)
        }
        text += digits
    }
}

extension Int64 {
    /// Division rounding towards negative infinity (so times before 1970 render correctly).
    fileprivate func floorDiv(_ divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
