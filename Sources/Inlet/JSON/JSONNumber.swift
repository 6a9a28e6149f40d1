/// A JSON number kept as the exact text it was written with.
///
/// The text always follows the JSON number grammar of RFC 8259. Two numbers are equal when their
/// text is equal, so `1` and `1.0` are different values, as they are different bytes on the wire.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The number's digits exactly as received, e.g. `"12345678901234567890123"` or `"-0.5e10"`.
    public let text: String

    /// A number from text that is already known to follow the JSON number grammar.
    init(validatedText: String) {
        self.text = validatedText
    }

    /// A number from an integer.
    public init<T: BinaryInteger>(integer: T) {
        self.text = String(integer)
    }

    /// A number from text, or `nil` when the text is not a JSON number.
    public init?(_ text: String) {
        guard JSONNumber.isValid(Array(text.utf8)) else { return nil }
        self.text = text
    }

    /// The value as a 64-bit integer, when the text is an integer that fits.
    public var int64Value: Int64? {
        Int64(self.text)
    }

    /// The value as a `Double` (may lose precision; never used for storage).
    public var doubleValue: Double? {
        Double(self.text)
    }

    /// The number's text.
    public var description: String {
        self.text
    }

    /// Whether `bytes` follow the JSON number grammar: `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`.
    static func isValid(_ bytes: [UInt8]) -> Bool {
        var index = 0

        /// Skips a run of digits and returns how many there were.
        func digits() -> Int {
            let start = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                index += 1
            }
            return index - start
        }

        if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
            index += 1
        }
        guard index < bytes.count else { return false }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            return false
        }

        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return false }
        }

        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digits() > 0 else { return false }
        }
        return index == bytes.count
    }
}
