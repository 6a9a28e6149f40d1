/// Percent-decoding of request paths and query strings, shared by the router and `APIQuery`.
enum APIPath {
    /// Splits `path` (as received, without the query) into its `/`-separated segments and
    /// percent-decodes each one, so `%2F` inside an id stays part of that id.
    ///
    /// The leading `/` is dropped; empty segments are kept (they never match a route).
    /// - Throws: `400 invalid_path` for a malformed escape, bytes that are not UTF-8, or a
    ///   control character.
    static func segments(_ path: String) throws(APIError) -> [String] {
        var rest = Substring(path)
        if rest.hasPrefix("/") {
            rest = rest.dropFirst()
        }
        var segments: [String] = []
        for raw in rest.split(separator: "/", omittingEmptySubsequences: false) {
            guard let segment = APIPath.percentDecode(raw, plusAsSpace: false) else {
                throw .invalidPath("a segment holds a malformed percent escape, invalid UTF-8 or a control character")
            }
            segments.append(segment)
        }
        return segments
    }

    /// `text` with every `%XX` decoded (and `+` as a space when `plusAsSpace`, for query strings).
    ///
    /// - Returns: `nil` when an escape is malformed (`%` not followed by two hex digits), the
    ///   decoded bytes are not UTF-8, or they hold a control character (U+0000-U+001F, U+007F).
    static func percentDecode(_ text: Substring, plusAsSpace: Bool) -> String? {
        let input = Array(text.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(input.count)

        var index = 0
        while index < input.count {
            let byte = input[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < input.count,
                    let high = APIPath.hexValue(input[index + 1]),
                    let low = APIPath.hexValue(input[index + 2])
                else {
                    return nil
                }
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(plusAsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
        }

        guard !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            return nil
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
