import Foundation

/// Checks a webhook's `WorkOS-Signature` header against its raw body (SPEC 4 step 2).
///
/// Parsing is lenient (any order, any spacing, several `v1`, several header lines) and the crypto
/// is strict: HMAC-SHA256 over the `t` digits exactly as received, a dot and the raw body, compared
/// as 32 decoded bytes in constant time. Checks run in order: header present, syntax, tolerance,
/// HMAC; the first that fails is the answer.
public struct WorkOSSignatureVerifier: Sendable {
    /// The most digits a `t` value may have; 16 digits always fit an `Int64`.
    public static let maxTimestampDigits = 16

    /// The clock Inlet uses in production: milliseconds since the Unix epoch.
    public static let systemClock: @Sendable () -> Int64 = {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// The secrets' UTF-8 bytes; kept for the verifier's lifetime (the config holds the strings too).
    private let keys: [[UInt8]]

    /// The same keys set up once for OpenSSL (`nil` for one it could not set up).
    private let preparedKeys: [HMACSHA256.PreparedKey?]

    /// How far `t` may be from `now()`, in seconds, in either direction.
    public let toleranceSeconds: Int

    private let now: @Sendable () -> Int64

    /// A verifier accepting a signature made with any of `secrets`.
    ///
    /// - Parameters:
    ///   - secrets: the endpoint secrets, used as their UTF-8 bytes; several allow rotation.
    ///   - toleranceSeconds: the largest accepted distance between `t` and the clock (negative counts as 0).
    ///   - now: the clock, in milliseconds since the Unix epoch (tests freeze it).
    public init(secrets: [String], toleranceSeconds: Int, now: @escaping @Sendable () -> Int64) {
        self.keys = secrets.map { Array($0.utf8) }
        self.preparedKeys = self.keys.map { HMACSHA256.PreparedKey(key: $0) }
        self.toleranceSeconds = max(0, toleranceSeconds)
        self.now = now
    }

    /// Verifies `body` against the values of every `WorkOS-Signature` header line, in received order.
    ///
    /// - Parameters:
    ///   - headerValues: each header line's value; several lines are joined with `,`.
    ///   - body: the raw body bytes (de-chunked and decompressed), never re-serialized.
    /// - Returns: success, or the first rule that failed.
    public func verify(headerValues: [String], body: [UInt8]) -> Result<Void, SignatureFailure> {
        guard headerValues.contains(where: { !WorkOSSignatureVerifier.trim(Array($0.utf8)).isEmpty }) else {
            return .failure(.missingHeader)
        }

        let parsed: ParsedHeader
        switch WorkOSSignatureVerifier.parse(headerValues) {
        case .success(let header): parsed = header
        case .failure(let failure): return .failure(failure)
        }

        guard self.isWithinTolerance(parsed.timestampMs) else {
            return .failure(.timestampOutsideTolerance)
        }

        guard self.matches(parsed, body: body) else {
            return .failure(.noMatchingSignature)
        }
        return .success(())
    }

    // MARK: - Steps

    /// What the header says: the `t` digits as received, their value, and every `v1` value.
    private struct ParsedHeader {
        var timestampDigits: [UInt8]
        var timestampMs: Int64
        var signatures: [[UInt8]]
    }

    private static func parse(_ headerValues: [String]) -> Result<ParsedHeader, SignatureFailure> {
        var joined: [UInt8] = []
        for (position, value) in headerValues.enumerated() {
            if position > 0 { joined.append(UInt8(ascii: ",")) }
            joined.append(contentsOf: value.utf8)
        }

        var timestamps: [[UInt8]] = []
        var signatures: [[UInt8]] = []
        for rawPart in joined.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            let part = WorkOSSignatureVerifier.trim(Array(rawPart))
            guard let equals = part.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let key = part[..<equals]
            let value = Array(part[(equals + 1)...])
            if key.elementsEqual("t".utf8) {
                timestamps.append(value)
            } else if key.elementsEqual("v1".utf8) {
                signatures.append(value)
            }
        }

        guard let timestampDigits = timestamps.first else {
            return .failure(.malformedHeader("no t= timestamp"))
        }
        guard timestamps.count == 1 else {
            return .failure(.malformedHeader("more than one t= timestamp"))
        }
        guard let timestampMs = WorkOSSignatureVerifier.milliseconds(timestampDigits) else {
            return .failure(.malformedHeader("t= must be 1 to 16 ASCII digits (milliseconds since the epoch)"))
        }
        guard !signatures.isEmpty else {
            return .failure(.malformedHeader("no v1= signature"))
        }
        let header = ParsedHeader(timestampDigits: timestampDigits, timestampMs: timestampMs, signatures: signatures)
        return .success(header)
    }

    private func isWithinTolerance(_ timestampMs: Int64) -> Bool {
        let (distance, distanceOverflow) = self.now().subtractingReportingOverflow(timestampMs)
        let (toleranceMs, toleranceOverflow) = Int64(self.toleranceSeconds).multipliedReportingOverflow(by: 1000)
        if toleranceOverflow { return !distanceOverflow }
        return !distanceOverflow && distance.magnitude <= UInt64(toleranceMs)
    }

    private func matches(_ header: ParsedHeader, body: [UInt8]) -> Bool {
        let candidates = header.signatures.compactMap {
            WorkOSSignature.decodeHex($0, length: HMACSHA256.digestLength)
        }
        guard !candidates.isEmpty else { return false }

        let dot: [UInt8] = [UInt8(ascii: ".")]
        for (key, prepared) in zip(self.keys, self.preparedKeys) {
            var expected =
                prepared?.authenticationCode(header.timestampDigits, dot, body)
                ?? HMACSHA256.authenticationCode(
                    key: key,
                    message: WorkOSSignature.message(header.timestampDigits, body)
                )
            defer { HMACSHA256.zero(&expected) }
            for candidate in candidates where HMACSHA256.constantTimeEquals(expected, candidate) {
                return true
            }
        }
        return false
    }

    // MARK: - Helpers

    /// The value of 1 to 16 ASCII digits (leading zeros allowed), or nil.
    static func milliseconds(_ digits: [UInt8]) -> Int64? {
        guard (1...WorkOSSignatureVerifier.maxTimestampDigits).contains(digits.count) else { return nil }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// `bytes` without leading and trailing spaces and tabs.
    static func trim(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        let isBlank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard let first = bytes.firstIndex(where: { !isBlank($0) }),
            let last = bytes.lastIndex(where: { !isBlank($0) })
        else {
            return []
        }
        return bytes[first...last]
    }
}
