/// Builds `WorkOS-Signature` header values the way WorkOS does (for `inlet sign` and tests).
public enum WorkOSSignature {
    /// The canonical header value `t=<ms>, v1=<64 lower-case hex digits>`.
    ///
    /// - Parameters:
    ///   - secret: the endpoint secret, used as its UTF-8 bytes (a `whsec_` prefix is part of it).
    ///   - timestampMs: milliseconds since the Unix epoch, written as decimal digits.
    ///   - body: the exact body bytes that will be sent.
    /// - Returns: the header value, without a trailing newline.
    public static func header(secret: String, timestampMs: Int64, body: [UInt8]) -> String {
        let timestamp = String(timestampMs)
        var digest = WorkOSSignature.digest(secret: secret, timestampDigits: Array(timestamp.utf8), body: body)
        defer { HMACSHA256.zero(&digest) }
        return "t=\(timestamp), v1=\(WorkOSSignature.hex(digest))"
    }

    /// HMAC-SHA256(key: UTF-8 of `secret`, message: `timestampDigits` + "." + `body`).
    static func digest(secret: String, timestampDigits: [UInt8], body: [UInt8]) -> [UInt8] {
        var key = Array(secret.utf8)
        defer { HMACSHA256.zero(&key) }
        return HMACSHA256.authenticationCode(key: key, message: WorkOSSignature.message(timestampDigits, body))
    }

    /// The signed message: the timestamp digits as received, a dot, then the raw body.
    static func message(_ timestampDigits: [UInt8], _ body: [UInt8]) -> [UInt8] {
        var message: [UInt8] = []
        message.reserveCapacity(timestampDigits.count + 1 + body.count)
        message.append(contentsOf: timestampDigits)
        message.append(UInt8(ascii: "."))
        message.append(contentsOf: body)
        return message
    }

    /// Lower-case hex of `bytes`.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The bytes of exactly `2 * length` ASCII hex digits (either case), or nil.
    static func decodeHex(_ utf8: [UInt8], length: Int) -> [UInt8]? {
        guard utf8.count == length * 2 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        var index = 0
        while index < utf8.count {
            guard let high = WorkOSSignature.nibble(utf8[index]),
                let low = WorkOSSignature.nibble(utf8[index + 1])
            else {
                return nil
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
