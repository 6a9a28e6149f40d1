/// Reads an event's source timestamp: an ISO 8601 string or epoch milliseconds (SPEC 2).
public enum SourceTimestamp {
    /// Milliseconds since the Unix epoch for `value`, or nil when it is not a timestamp.
    ///
    /// Accepts a JSON integer (epoch milliseconds) or a string `YYYY-MM-DD`, optionally followed
    /// by `T` (or a space) and `hh:mm`, `:ss`, a fraction of any length (truncated to
    /// milliseconds), and a zone `Z`, `±hh:mm`, `±hhmm` or `±hh`; no zone means UTC
    /// (WorkOS docs show `2023-04-28 20:05:31.093`).
    public static func milliseconds(from value: JSON) -> Int64? {
        switch value {
        case .number(let number): number.int64Value.flatMap { SourceTimestamp.range.contains($0) ? $0 : nil }
        case .string(let text): SourceTimestamp.milliseconds(parsing: text)
        default: nil
        }
    }

    /// The epoch milliseconds an ISO 8601 string can name (years 0000 to 9999); a number outside
    /// is not a timestamp, so a hostile payload cannot pin an entity to a date no event can pass.
    public static let range: ClosedRange<Int64> = -62_167_219_200_000...253_402_300_799_999

    /// Milliseconds since the Unix epoch for an ISO 8601 string, or nil.
    public static func milliseconds(parsing text: String) -> Int64? {
        var scanner = DigitScanner(bytes: Array(text.utf8))

        guard let year = scanner.number(digits: 4), scanner.skip("-"),
            let month = scanner.number(digits: 2), scanner.skip("-"),
            let day = scanner.number(digits: 2),
            (1...12).contains(month), (1...SourceTimestamp.daysIn(month: month, year: year)).contains(day)
        else {
            return nil
        }

        var hour = 0
        var minute = 0
        var second = 0
        var millisecond = 0
        if scanner.skip("T") || scanner.skip("t") || scanner.skip(" ") {
            guard let parsedHour = scanner.number(digits: 2), scanner.skip(":"),
                let parsedMinute = scanner.number(digits: 2),
                parsedHour < 24, parsedMinute < 60
            else {
                return nil
            }
            hour = parsedHour
            minute = parsedMinute
            if scanner.skip(":") {
                guard let parsedSecond = scanner.number(digits: 2), parsedSecond < 60 else { return nil }
                second = parsedSecond
                if scanner.skip(".") || scanner.skip(",") {
                    guard let fraction = scanner.fractionMilliseconds() else { return nil }
                    millisecond = fraction
                }
            }
        }

        var offsetMinutes = 0
        if scanner.skip("Z") || scanner.skip("z") {
            offsetMinutes = 0
        } else if let sign = scanner.sign() {
            guard let offsetHours = scanner.number(digits: 2), offsetHours < 24 else { return nil }
            var extraMinutes = 0
            if scanner.skip(":") {
                guard let parsed = scanner.number(digits: 2), parsed < 60 else { return nil }
                extraMinutes = parsed
            } else if let parsed = scanner.number(digits: 2) {
                guard parsed < 60 else { return nil }
                extraMinutes = parsed
            }
            offsetMinutes = sign * (offsetHours * 60 + extraMinutes)
        }
        guard scanner.atEnd else { return nil }

        let days = SourceTimestamp.daysSinceEpoch(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3_600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        return seconds * 1_000 + Int64(millisecond)
    }

    /// Days from 1970-01-01 to the given civil date (proleptic Gregorian; H. Hinnant's algorithm).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The number of days in `month` of `year` (Gregorian leap years).
    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// A forward-only reader of ASCII digits and punctuation.
private struct DigitScanner {
    /// The text's UTF-8.
    let bytes: [UInt8]
    /// The next byte to read.
    var index = 0

    /// Whether every byte was read.
    var atEnd: Bool {
        self.index == self.bytes.count
    }

    /// Consumes `character` when it is next.
    mutating func skip(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue, self.index < self.bytes.count, self.bytes[self.index] == ascii else {
            return false
        }
        self.index += 1
        return true
    }

    /// Exactly `digits` ASCII digits as a number.
    mutating func number(digits: Int) -> Int? {
        guard self.bytes.count - self.index >= digits else { return nil }
        var value = 0
        for offset in 0..<digits {
            let byte = self.bytes[self.index + offset]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        self.index += digits
        return value
    }

    /// One or more digits of a fraction of a second, as whole milliseconds (truncated).
    mutating func fractionMilliseconds() -> Int? {
        var value = 0
        var count = 0
        while self.index < self.bytes.count, self.bytes[self.index] >= UInt8(ascii: "0"),
            self.bytes[self.index] <= UInt8(ascii: "9")
        {
            if count < 3 {
                value = value * 10 + Int(self.bytes[self.index] - UInt8(ascii: "0"))
            }
            count += 1
            self.index += 1
        }
        guard count > 0 else { return nil }
        for _ in count..<max(count, 3) {
            value *= 10
        }
        return value
    }

    /// `+1` or `-1` for a zone sign.
    mutating func sign() -> Int? {
        if self.skip("+") { return 1 }
        if self.skip("-") { return -1 }
        return nil
    }
}
