/// A strict JSON parser over raw bytes (RFC 8259).
///
/// It accepts exactly what a webhook body may be and rejects the rest with the byte offset:
/// invalid UTF-8 (overlong forms, encoded surrogates, truncated sequences), a byte-order mark,
/// lone surrogate escapes, control characters inside strings, duplicate keys in one object,
/// nesting deeper than `maxDepth`, and anything after the value but whitespace.
public struct JSONParser {
    /// The deepest nesting accepted; the outermost array or object is level 1.
    public var maxDepth: Int

    /// Whether a key repeated in one object is an error (it is for webhooks and config files).
    public var rejectsDuplicateKeys: Bool

    /// A parser with the limits Inlet uses for webhook bodies.
    public init(maxDepth: Int = 64, rejectsDuplicateKeys: Bool = true) {
        self.maxDepth = maxDepth
        self.rejectsDuplicateKeys = rejectsDuplicateKeys
    }

    /// Parses one JSON value from `bytes`.
    ///
    /// - Throws: `JSONParseError` naming the first problem and its byte offset.
    public func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSON {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> JSON in
            var reader = Reader(bytes: buffer, options: self)
            return try reader.parseDocument()
        }
    }

    /// Parses one JSON value from the UTF-8 of `text`.
    public func parse(_ text: String) throws(JSONParseError) -> JSON {
        try self.parse(Array(text.utf8))
    }
}

/// Why a byte sequence is not acceptable JSON, and where.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The byte offset of the problem.
    public let offset: Int

    /// What is wrong, in words.
    public let reason: String

    /// `"<reason> at byte <offset>"`.
    public var description: String {
        "\(self.reason) at byte \(self.offset)"
    }
}

private struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    let options: JSONParser
    var index = 0
    var depth = 0
    /// Members of the objects being parsed, innermost last: each object's members are collected
    /// here and copied once into an array of the right size (no growing per member).
    var members: [JSONObject.Member] = []
    /// Elements of the arrays being parsed, innermost last (as `members`).
    var elements: [JSON] = []

    /// A reader at the start of `bytes`.
    init(bytes: UnsafeBufferPointer<UInt8>, options: JSONParser) {
        self.bytes = bytes
        self.options = options
        // Room for a webhook's nesting without regrowing the stacks as they fill.
        self.members.reserveCapacity(64)
        self.elements.reserveCapacity(16)
    }

    /// One value with nothing but whitespace around it; a byte-order mark is refused.
    mutating func parseDocument() throws(JSONParseError) -> JSON {
        if self.bytes.count >= 3, self.bytes[0] == 0xEF, self.bytes[1] == 0xBB, self.bytes[2] == 0xBF {
            throw self.error("byte-order mark is not allowed")
        }
        self.skipWhitespace()
        let value = try self.parseValue()
        self.skipWhitespace()
        guard self.index == self.bytes.count else {
            throw self.error("unexpected data after the JSON value")
        }
        return value
    }

    /// An error at `offset`, or at the current position.
    func error(_ reason: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? self.index, reason: reason)
    }

    /// Skips the four JSON whitespace bytes.
    mutating func skipWhitespace() {
        while self.index < self.bytes.count {
            switch self.bytes[self.index] {
            case 0x20, 0x09, 0x0A, 0x0D: self.index += 1
            default: return
            }
        }
    }

    /// Any value, chosen by its first byte.
    mutating func parseValue() throws(JSONParseError) -> JSON {
        guard self.index < self.bytes.count else {
            throw self.error("unexpected end of input")
        }
        switch self.bytes[self.index] {
        case UInt8(ascii: "{"): return try self.parseObject()
        case UInt8(ascii: "["): return try self.parseArray()
        case UInt8(ascii: "\""): return .string(try self.parseString())
        case UInt8(ascii: "t"): return try self.parseLiteral("true", .bool(true))
        case UInt8(ascii: "f"): return try self.parseLiteral("false", .bool(false))
        case UInt8(ascii: "n"): return try self.parseLiteral("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try self.parseNumber()
        default: throw self.error("unexpected character")
        }
    }

    /// `true`, `false` or `null`, byte for byte.
    mutating func parseLiteral(_ word: StaticString, _ value: JSON) throws(JSONParseError) -> JSON {
        let count = word.utf8CodeUnitCount
        guard self.bytes.count - self.index >= count else {
            throw self.error("invalid literal")
        }
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: count)
        for offset in 0..<count where self.bytes[self.index + offset] != expected[offset] {
            throw self.error("invalid literal")
        }
        self.index += count
        return value
    }

    /// Counts one more level of nesting, refusing more than `maxDepth`.
    mutating func enterContainer() throws(JSONParseError) {
        self.depth += 1
        guard self.depth <= self.options.maxDepth else {
            throw self.error("nesting deeper than \(self.options.maxDepth) levels")
        }
    }

    /// An object; a key repeated byte for byte is refused when asked.
    mutating func parseObject() throws(JSONParseError) -> JSON {
        try self.enterContainer()
        self.index += 1
        self.skipWhitespace()
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "}") {
            self.index += 1
            self.depth -= 1
            return .object(JSONObject())
        }
        let base = self.members.count
        defer { self.members.removeSubrange(base...) }
        // Keys seen, once the object is too large to scan for a repeated key.
        var seen: Set<JSONObject.Key>?
        while true {
            self.skipWhitespace()
            guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\"") else {
                throw self.error("expected a string key")
            }
            let keyOffset = self.index
            let key = try self.parseString()
            self.skipWhitespace()
            guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ":") else {
                throw self.error("expected ':' after a key")
            }
            self.index += 1
            self.skipWhitespace()
            let value = try self.parseValue()
            if let existing = try self.position(of: key, from: base, seen: &seen, at: keyOffset) {
                self.members[existing].value = value
            } else {
                self.members.append((key, value))
            }
            self.skipWhitespace()
            guard self.index < self.bytes.count else {
                throw self.error("unexpected end of input in an object")
            }
            switch self.bytes[self.index] {
            case UInt8(ascii: ","):
                self.index += 1
            case UInt8(ascii: "}"):
                self.index += 1
                self.depth -= 1
                return .object(JSONObject(distinctMembers: Reader.moveTail(of: &self.members, from: base)))
            default:
                throw self.error("expected ',' or '}' in an object")
            }
        }
    }

    /// Where `key` already is among the current object's members (those from `base` on; the same
    /// UTF-8 bytes), when duplicates are allowed (the last value wins, in the first position);
    /// throws when they are not. Scans short objects and keeps a set of keys for long ones.
    mutating func position(
        of key: String,
        from base: Int,
        seen: inout Set<JSONObject.Key>?,
        at keyOffset: Int
    ) throws(JSONParseError) -> Int? {
        let count = self.members.count - base
        if seen == nil, count > JSONObject.indexThreshold {
            seen = Set(self.members[base...].map { JSONObject.Key($0.key) })
        }
        let repeated: Bool
        if seen != nil {
            repeated = !(seen?.insert(JSONObject.Key(key)).inserted ?? true)
        } else {
            repeated = self.members[base...].contains { JSONObject.sameKey($0.key, key) }
        }
        guard repeated else {
            return nil
        }
        if self.options.rejectsDuplicateKeys {
            let shown = key.count > 64 ? String(key.prefix(64)) + "..." : key
            throw self.error("duplicate key \"\(shown)\"", at: keyOffset)
        }
        return self.members[base...].firstIndex { JSONObject.sameKey($0.key, key) }
    }

    /// An array.
    mutating func parseArray() throws(JSONParseError) -> JSON {
        try self.enterContainer()
        self.index += 1
        self.skipWhitespace()
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "]") {
            self.index += 1
            self.depth -= 1
            return .array([])
        }
        let base = self.elements.count
        defer { self.elements.removeSubrange(base...) }
        while true {
            self.skipWhitespace()
            let element = try self.parseValue()
            self.elements.append(element)
            self.skipWhitespace()
            guard self.index < self.bytes.count else {
                throw self.error("unexpected end of input in an array")
            }
            switch self.bytes[self.index] {
            case UInt8(ascii: ","):
                self.index += 1
            case UInt8(ascii: "]"):
                self.index += 1
                self.depth -= 1
                return .array(Reader.moveTail(of: &self.elements, from: base))
            default:
                throw self.error("expected ',' or ']' in an array")
            }
        }
    }

    /// The elements of `stack` from `base` on, moved (not copied) into a new array of their
    /// exact size, leaving `stack` with `base` elements: no retain and release per element.
    @inline(__always)  // Specialized at each caller: a generic call looks up metadata at run time.
    static func moveTail<Element>(of stack: inout [Element], from base: Int) -> [Element] {
        let count = stack.count - base
        return [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            var position = count
            while position > 0 {
                position -= 1
                buffer.initializeElement(at: position, to: stack.removeLast())
            }
            initialized = count
        }
    }

    /// A number, kept as its exact text after checking the grammar.
    mutating func parseNumber() throws(JSONParseError) -> JSON {
        let start = self.index
        if self.bytes[self.index] == UInt8(ascii: "-") {
            self.index += 1
        }
        guard self.index < self.bytes.count, self.isDigit(self.bytes[self.index]) else {
            throw self.error("invalid number", at: start)
        }
        if self.bytes[self.index] == UInt8(ascii: "0") {
            self.index += 1
            if self.index < self.bytes.count, self.isDigit(self.bytes[self.index]) {
                throw self.error("leading zero in a number", at: start)
            }
        } else {
            self.skipDigits()
        }

        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ".") {
            self.index += 1
            guard self.index < self.bytes.count, self.isDigit(self.bytes[self.index]) else {
                throw self.error("invalid number", at: start)
            }
            self.skipDigits()
        }

        if self.index < self.bytes.count,
            self.bytes[self.index] == UInt8(ascii: "e") || self.bytes[self.index] == UInt8(ascii: "E")
        {
            self.index += 1
            if self.index < self.bytes.count,
                self.bytes[self.index] == UInt8(ascii: "+") || self.bytes[self.index] == UInt8(ascii: "-")
            {
                self.index += 1
            }
            guard self.index < self.bytes.count, self.isDigit(self.bytes[self.index]) else {
                throw self.error("invalid number", at: start)
            }
            self.skipDigits()
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: self.bytes[start..<self.index]), as: UTF8.self)
        return .number(JSONNumber(validatedText: text))
    }

    /// Whether `byte` is an ASCII digit.
    func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// Skips a run of ASCII digits.
    mutating func skipDigits() {
        while self.index < self.bytes.count, self.isDigit(self.bytes[self.index]) {
            self.index += 1
        }
    }

    /// Parses a string starting at its opening quote, validating UTF-8 and escapes.
    mutating func parseString() throws(JSONParseError) -> String {
        self.index += 1
        let start = self.index

        // Fast path: plain ASCII with no escapes.
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: self.bytes[start..<self.index])
                self.index += 1
                return String(decoding: slice, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") || byte >= 0x80 || byte < 0x20 {
                break
            }
            self.index += 1
        }

        var scratch: [UInt8] = Array(UnsafeBufferPointer(rebasing: self.bytes[start..<self.index]))
        while true {
            guard self.index < self.bytes.count else {
                throw self.error("unterminated string")
            }
            let byte = self.bytes[self.index]
            switch byte {
            case UInt8(ascii: "\""):
                self.index += 1
                return String(decoding: scratch, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try self.parseEscape(into: &scratch)
            case 0x00..<0x20:
                throw self.error("control character in a string")
            case 0x20..<0x80:
                scratch.append(byte)
                self.index += 1
            default:
                try self.copyMultibyte(into: &scratch)
            }
        }
    }

    /// One backslash escape, appended as UTF-8; surrogates must come in pairs.
    mutating func parseEscape(into scratch: inout [UInt8]) throws(JSONParseError) {
        let escapeOffset = self.index
        self.index += 1
        guard self.index < self.bytes.count else {
            throw self.error("unterminated escape")
        }
        let byte = self.bytes[self.index]
        self.index += 1
        switch byte {
        case UInt8(ascii: "\""): scratch.append(0x22)
        case UInt8(ascii: "\\"): scratch.append(0x5C)
        case UInt8(ascii: "/"): scratch.append(0x2F)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            let first = try self.parseHex4()
            var scalarValue = UInt32(first)
            if (0xD800...0xDBFF).contains(first) {
                guard self.bytes.count - self.index >= 6,
                    self.bytes[self.index] == UInt8(ascii: "\\"),
                    self.bytes[self.index + 1] == UInt8(ascii: "u")
                else {
                    throw self.error("lone surrogate escape", at: escapeOffset)
                }
                self.index += 2
                let second = try self.parseHex4()
                guard (0xDC00...0xDFFF).contains(second) else {
                    throw self.error("lone surrogate escape", at: escapeOffset)
                }
                scalarValue = 0x10000 + ((UInt32(first) - 0xD800) << 10) + (UInt32(second) - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(first) {
                throw self.error("lone surrogate escape", at: escapeOffset)
            }
            guard let scalar = Unicode.Scalar(scalarValue) else {
                throw self.error("invalid unicode escape", at: escapeOffset)
            }
            scratch.append(contentsOf: UTF8.encode(scalar).map { Array($0) } ?? [])
        default:
            throw self.error("invalid escape", at: escapeOffset)
        }
    }

    /// The four hex digits of a `\u` escape.
    mutating func parseHex4() throws(JSONParseError) -> UInt16 {
        guard self.bytes.count - self.index >= 4 else {
            throw self.error("truncated unicode escape")
        }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = self.bytes[self.index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw self.error("invalid hex digit in a unicode escape")
            }
            value = value << 4 | UInt16(digit)
            self.index += 1
        }
        return value
    }

    /// Copies one well-formed multi-byte UTF-8 sequence (RFC 3629 table) or throws.
    mutating func copyMultibyte(into scratch: inout [UInt8]) throws(JSONParseError) {
        let lead = self.bytes[self.index]
        let length: Int
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: throw self.error("invalid UTF-8")
        }
        guard self.bytes.count - self.index >= length else {
            throw self.error("truncated UTF-8")
        }
        let second = self.bytes[self.index + 1]
        guard second >= lower, second <= upper else {
            throw self.error("invalid UTF-8")
        }
        for offset in 2..<max(length, 2) where self.bytes[self.index + offset] & 0xC0 != 0x80 {
            throw self.error("invalid UTF-8")
        }
        for offset in 0..<length {
            scratch.append(self.bytes[self.index + offset])
        }
        self.index += length
    }
}
