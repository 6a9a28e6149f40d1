import Foundation

/// A compiled `{"template": "..."}` string: text with `{path}` placeholders (SPEC 5.1).
///
/// Each placeholder is replaced by the value at its path: strings as they are, other values as
/// their compact JSON text, missing and null as nothing. The result is trimmed of white space; an
/// empty result counts as missing. `{{` and `}}` write a literal brace.
public struct MappingTemplate: Sendable, Equatable, CustomStringConvertible {
    /// A run of literal text or a placeholder.
    public enum Piece: Sendable, Equatable {
        /// Text copied as is.
        case text(String)
        /// A placeholder replaced by the value at the path.
        case path(JSONPath)
    }

    /// The pieces in order.
    public let pieces: [Piece]

    /// The template as written.
    public let text: String

    /// The template as written.
    public var description: String {
        self.text
    }

    /// Compiles `text`.
    ///
    /// - Throws: `JSONPath.ParseError` for an unclosed `{`, a stray `}`, or a malformed path.
    public init(parsing text: String) throws(JSONPath.ParseError) {
        let bytes = Array(text.utf8)
        var pieces: [Piece] = []
        var literal: [UInt8] = []
        var index = 0

        /// Appends the pending literal text as a piece.
        func flushLiteral() {
            if !literal.isEmpty {
                pieces.append(.text(String(decoding: literal, as: UTF8.self)))
                literal.removeAll()
            }
        }

        while index < bytes.count {
            let byte = bytes[index]
            let next: UInt8? = index + 1 < bytes.count ? bytes[index + 1] : nil
            if byte == UInt8(ascii: "{"), next == UInt8(ascii: "{") {
                literal.append(byte)
                index += 2
            } else if byte == UInt8(ascii: "}"), next == UInt8(ascii: "}") {
                literal.append(byte)
                index += 2
            } else if byte == UInt8(ascii: "}") {
                throw JSONPath.ParseError(
                    message: "\"}\" at character \(index) has no matching \"{\"; write \"}}\" for a literal brace"
                )
            } else if byte == UInt8(ascii: "{") {
                guard let close = MappingTemplate.closingBrace(in: bytes, from: index + 1) else {
                    throw JSONPath.ParseError(
                        message: "\"{\" at character \(index) is never closed; write \"{{\" for a literal brace"
                    )
                }
                let pathText = String(decoding: bytes[(index + 1)..<close], as: UTF8.self)
                guard !pathText.isEmpty else {
                    throw JSONPath.ParseError(message: "empty placeholder \"{}\" at character \(index)")
                }
                let path: JSONPath
                do {
                    path = try JSONPath(parsing: pathText)
                } catch {
                    throw JSONPath.ParseError(message: "in placeholder {\(pathText)}: \(error.message)")
                }
                flushLiteral()
                pieces.append(.path(path))
                index = close + 1
            } else {
                literal.append(byte)
                index += 1
            }
        }
        flushLiteral()
        self.pieces = pieces
        self.text = text
    }

    /// The rendered string, or `.missing` when it is empty after trimming.
    public func resolve(in envelope: JSON) -> ResolvedValue {
        var output = ""
        for piece in self.pieces {
            switch piece {
            case .text(let text):
                output += text
            case .path(let path):
                switch path.resolve(in: envelope) {
                case .missing, .null: break
                case .value(.string(let string)): output += string
                case .value(let other): output += other.serialized()
                }
            }
        }
        let trimmed = output.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? .missing : .value(.string(trimmed))
    }

    /// The index of the `}` closing a placeholder that starts at `start`, skipping quoted keys.
    private static func closingBrace(in bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        var inString = false
        var escaped = false
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: "}") {
                return index
            }
            index += 1
        }
        return nil
    }
}
