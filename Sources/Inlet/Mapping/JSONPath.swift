/// A compiled path into a webhook envelope `{"body": ..., "headers": ...}` (SPEC 5.1).
///
/// Grammar: keys joined by `.`, array indexes `[N]` (at most 9 digits; `[-1]` is the last item),
/// and quoted keys `["a.b"]` (JSON string syntax, may be empty). A bare first segment `body` or
/// `headers` selects that root; any other first segment is relative to `body`. Header names are
/// lower-case, so the key right after `headers` is lower-cased when the path is compiled.
/// Bare keys may hold any character but `.`, `[`, `]`, `{`, `}`, `"` and white space; quote the others.
public struct JSONPath: Sendable, Equatable, CustomStringConvertible {
    /// The part of the envelope a path starts from.
    public enum Root: Sendable, Equatable {
        /// The parsed request body.
        case body
        /// The request headers, by lower-case name.
        case headers
    }

    /// One step of a path.
    public enum Segment: Sendable, Equatable {
        /// An object member.
        case key(String)
        /// An array element; negative counts from the end (`-1` is the last).
        case index(Int)
    }

    /// Why a path does not compile; `message` is written for the config's author.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong, e.g. `"[" is never closed`.
        public let message: String

        /// The message.
        public var description: String {
            self.message
        }
    }

    /// The most digits an index may have.
    public static let maxIndexDigits = 9

    /// Where the path starts.
    public let root: Root

    /// The steps after the root.
    public let segments: [Segment]

    /// The path as written in the config.
    public let text: String

    /// The path as written.
    public var description: String {
        self.text
    }

    /// Compiles `text`.
    ///
    /// - Throws: `JSONPath.ParseError` with a precise message when the path is malformed.
    public init(parsing text: String) throws(ParseError) {
        var parser = PathParser(bytes: Array(text.utf8))
        var segments = try parser.parse()
        var root = Root.body
        if case .key(let first)? = segments.first, parser.firstSegmentIsBare {
            if first == "body" {
                segments.removeFirst()
            } else if first == "headers" {
                root = .headers
                segments.removeFirst()
                if case .key(let name)? = segments.first {
                    segments[0] = .key(name.lowercased())
                }
            }
        }
        self.root = root
        self.segments = segments
        self.text = text
    }

    /// The value this path addresses in `envelope` (`{"body": ..., "headers": ...}`).
    public func resolve(in envelope: JSON) -> ResolvedValue {
        // Matches each container in place: going through `objectValue`/`arrayValue` copies
        // (retains and releases) every container on the way down.
        guard case .object(let roots) = envelope, var current = roots[self.root == .body ? "body" : "headers"] else {
            return .missing
        }
        for segment in self.segments {
            switch segment {
            case .key(let key):
                guard case .object(let object) = current, let next = object[key] else { return .missing }
                current = next
            case .index(let index):
                guard case .array(let elements) = current else { return .missing }
                let position = index >= 0 ? index : elements.count + index
                guard elements.indices.contains(position) else { return .missing }
                current = elements[position]
            }
        }
        return ResolvedValue(current)
    }
}

/// The hand-written parser behind `JSONPath.init(parsing:)`.
private struct PathParser {
    /// The path's UTF-8.
    let bytes: [UInt8]
    /// The next byte to read.
    var index = 0
    /// Whether the first segment was written bare (so it may name a root).
    var firstSegmentIsBare = false

    /// A parser over `bytes`.
    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// All segments of the path.
    mutating func parse() throws(JSONPath.ParseError) -> [JSONPath.Segment] {
        guard !self.bytes.isEmpty else {
            throw JSONPath.ParseError(message: "a path cannot be empty")
        }

        var segments: [JSONPath.Segment] = []
        if self.bytes[0] == UInt8(ascii: "[") {
            segments.append(try self.parseBracket())
        } else {
            segments.append(.key(try self.parseBareKey()))
            self.firstSegmentIsBare = true
        }

        while self.index < self.bytes.count {
            switch self.bytes[self.index] {
            case UInt8(ascii: "."):
                self.index += 1
                segments.append(.key(try self.parseBareKey()))
            case UInt8(ascii: "["):
                segments.append(try self.parseBracket())
            case UInt8(ascii: "]"):
                throw self.unexpected()
            default:
                throw JSONPath.ParseError(message: "expected \".\" or \"[\" after \"]\" at character \(self.index)")
            }
        }
        return segments
    }

    /// A key up to the next `.`, `[` or the end; the caller has consumed any `.` before it.
    mutating func parseBareKey() throws(JSONPath.ParseError) -> String {
        let start = self.index
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "[") { break }
            guard PathParser.isBareKeyByte(byte) else { throw self.unexpected() }
            self.index += 1
        }
        guard self.index > start else {
            if self.index == self.bytes.count {
                throw JSONPath.ParseError(message: "the path ends with \".\"; a key must follow it")
            }
            let next = self.bytes[self.index]
            if start == 0 {
                throw JSONPath.ParseError(message: "a path cannot start with \".\"")
            }
            if next == UInt8(ascii: ".") {
                throw JSONPath.ParseError(message: "empty key in \"..\" at character \(self.index)")
            }
            throw JSONPath.ParseError(
                message:
                    "a key must follow \".\" at character \(self.index); write data[\"k\"] or data[0], not data.[...]"
            )
        }
        return String(decoding: self.bytes[start..<self.index], as: UTF8.self)
    }

    /// `[N]`, `[-N]` or `["key"]`, starting at `[`.
    mutating func parseBracket() throws(JSONPath.ParseError) -> JSONPath.Segment {
        let open = self.index
        self.index += 1
        guard self.index < self.bytes.count else { throw PathParser.neverClosed() }

        if self.bytes[self.index] == UInt8(ascii: "\"") {
            return .key(try self.parseQuotedKey())
        }

        guard let close = self.bytes[self.index...].firstIndex(of: UInt8(ascii: "]")) else {
            throw PathParser.neverClosed()
        }
        let content = Array(self.bytes[self.index..<close])
        let contentText = String(decoding: content, as: UTF8.self)
        self.index = close + 1

        let negative = content.first == UInt8(ascii: "-")
        let digits = negative ? content.dropFirst() : content[...]
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw JSONPath.ParseError(
                message: "\"[\(contentText)]\" at character \(open) is not an index; quote keys as [\"\(contentText)\"]"
            )
        }
        guard digits.count <= JSONPath.maxIndexDigits else {
            throw JSONPath.ParseError(
                message: "index \"[\(contentText)]\" has more than \(JSONPath.maxIndexDigits) digits"
            )
        }
        var value = 0
        for digit in digits {
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
        }
        if negative && value == 0 {
            throw JSONPath.ParseError(message: "index \"[-0]\" is not valid; use [0] or [-1]")
        }
        return .index(negative ? -value : value)
    }

    /// `"..."]` in JSON string syntax, starting at the opening quote.
    mutating func parseQuotedKey() throws(JSONPath.ParseError) -> String {
        let start = self.index
        self.index += 1
        var closed = false
        var escaped = false
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            self.index += 1
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                closed = true
                break
            }
        }
        guard closed else {
            throw JSONPath.ParseError(message: "the quoted key starting at character \(start) is never closed")
        }

        let parsed: JSON
        do {
            parsed = try JSONParser().parse(Array(self.bytes[start..<self.index]))
        } catch {
            throw JSONPath.ParseError(message: "invalid quoted key at character \(start): \(error.reason)")
        }
        guard case .string(let key) = parsed else {
            throw JSONPath.ParseError(message: "invalid quoted key at character \(start)")
        }

        guard self.index < self.bytes.count else { throw PathParser.neverClosed() }
        guard self.bytes[self.index] == UInt8(ascii: "]") else {
            throw JSONPath.ParseError(message: "expected \"]\" after the quoted key at character \(self.index)")
        }
        self.index += 1
        return key
    }

    /// The error for the byte at `index`, which no rule accepts there.
    func unexpected() -> JSONPath.ParseError {
        let byte = self.bytes[self.index]
        if byte == UInt8(ascii: "]") {
            return JSONPath.ParseError(message: "\"]\" at character \(self.index) has no matching \"[\"")
        }
        let character = String(decoding: [byte], as: UTF8.self)
        let shown =
            switch byte {
            case 0x20: "space"
            case 0x00..<0x20, 0x7F: "control character"
            default: "\"\(character)\""
            }
        return JSONPath.ParseError(
            message: "unexpected \(shown) at character \(self.index); quote keys holding it, as [\"...\"]"
        )
    }

    /// The error for a bracket that runs to the end of the path.
    static func neverClosed() -> JSONPath.ParseError {
        JSONPath.ParseError(message: "\"[\" is never closed")
    }

    /// Bytes allowed in a bare key: not `.[]{}"`, not white space or control characters.
    static func isBareKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "\""): false
        case 0x00...0x20, 0x7F: false
        default: true
        }
    }
}
