extension JSON {
    /// The value as compact JSON bytes (UTF-8, no insignificant whitespace, keys in stored order).
    public func serializedBytes() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        JSONWriter.write(self, into: &output, indent: nil, level: 0)
        return output
    }

    /// The value as JSON text; `pretty` indents with two spaces for people to read.
    public func serialized(pretty: Bool = false) -> String {
        var output: [UInt8] = []
        JSONWriter.write(self, into: &output, indent: pretty ? 2 : nil, level: 0)
        return String(decoding: output, as: UTF8.self)
    }
}

/// Writes `JSON` values as RFC 8259 text.
enum JSONWriter {
    /// Appends `value`; `indent` spaces per level when pretty, none when nil.
    static func write(_ value: JSON, into output: inout [UInt8], indent: Int?, level: Int) {
        switch value {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let flag):
            output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number):
            output.append(contentsOf: number.text.utf8)
        case .string(let text):
            self.writeString(text, into: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                self.newline(into: &output, indent: indent, level: level + 1)
                self.write(element, into: &output, indent: indent, level: level + 1)
            }
            if !elements.isEmpty { self.newline(into: &output, indent: indent, level: level) }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            var first = true
            for (key, member) in object {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                self.newline(into: &output, indent: indent, level: level + 1)
                self.writeString(key, into: &output)
                output.append(UInt8(ascii: ":"))
                if indent != nil { output.append(UInt8(ascii: " ")) }
                self.write(member, into: &output, indent: indent, level: level + 1)
            }
            if !object.isEmpty { self.newline(into: &output, indent: indent, level: level) }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// A line break and indentation, when pretty.
    static func newline(into output: inout [UInt8], indent: Int?, level: Int) {
        guard let indent else { return }
        output.append(0x0A)
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * level))
    }

    /// The hex digits of `\u00XX` escapes.
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string: quotes, backslashes and control characters escaped, other text as raw UTF-8.
    static func writeString(_ text: String, into output: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            output.append(UInt8(ascii: "\""))
            // Copies runs of bytes that need no escape in one go.
            var runStart = 0
            for (offset, byte) in bytes.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                if runStart < offset {
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<offset]))
                }
                runStart = offset + 1
                switch byte {
                case UInt8(ascii: "\""): output.append(contentsOf: [0x5C, 0x22])
                case UInt8(ascii: "\\"): output.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                default:
                    output.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                    output.append(JSONWriter.hexDigits[Int(byte >> 4)])
                    output.append(JSONWriter.hexDigits[Int(byte & 0x0F)])
                }
            }
            if runStart < bytes.count {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
            }
            output.append(UInt8(ascii: "\""))
        }
    }
}
