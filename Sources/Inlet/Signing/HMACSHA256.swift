private import CCrypto

/// HMAC-SHA256 and constant-time comparison, computed by OpenSSL's libcrypto.
///
/// This is the only file that imports `CCrypto`; the rest of the code sees byte arrays.
public enum HMACSHA256 {
    /// The length of an HMAC-SHA256 digest, in bytes.
    public static let digestLength = 32

    /// The HMAC-SHA256 of `message` under `key`: 32 bytes.
    ///
    /// Uses OpenSSL's one-shot `HMAC()` (not deprecated in OpenSSL 3, unlike `HMAC_CTX_*`).
    /// The one-shot call keeps no state past its return; the only buffer it writes is ours.
    /// - Parameters:
    ///   - key: the key bytes (any length; an empty key is valid HMAC).
    ///   - message: the bytes to authenticate.
    /// - Returns: the 32-byte digest.
    public static func authenticationCode(key: [UInt8], message: [UInt8]) -> [UInt8] {
        precondition(key.count <= Int(Int32.max), "HMAC key longer than 2 GiB")
        var digest = [UInt8](repeating: 0, count: HMACSHA256.digestLength)
        var digestLength: UInt32 = 0

        // `HMAC(3)`: returns `md` on success and NULL on failure. `key` and `data` must not be NULL
        // in some OpenSSL 3.0 releases even when their length is 0, and an empty Swift array may
        // have no base address, so empty inputs point at a one-byte array and pass length 0.
        // https://www.openssl.org/docs/man3.0/man3/HMAC.html
        let keyStorage = key.isEmpty ? [0] : key
        let messageStorage = message.isEmpty ? [0] : message
        let result = keyStorage.withUnsafeBufferPointer { keyBuffer in
            messageStorage.withUnsafeBufferPointer { messageBuffer in
                digest.withUnsafeMutableBufferPointer { digestBuffer in
                    HMAC(
                        EVP_sha256(),
                        keyBuffer.baseAddress,
                        Int32(key.count),
                        messageBuffer.baseAddress,
                        message.count,
                        digestBuffer.baseAddress,
                        &digestLength
                    )
                }
            }
        }
        precondition(result != nil && digestLength == 32, "OpenSSL HMAC-SHA256 failed")
        return digest
    }

    /// Whether `lhs` and `rhs` hold the same bytes, in time that depends only on their length.
    ///
    /// Lengths are compared first (a length is not secret); equal-length contents are compared
    /// with OpenSSL's `CRYPTO_memcmp`, which does not stop at the first difference.
    public static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        guard !lhs.isEmpty else { return true }
        let difference = lhs.withUnsafeBytes { left in
            rhs.withUnsafeBytes { right in
                CRYPTO_memcmp(left.baseAddress, right.baseAddress, left.count)
            }
        }
        return difference == 0
    }

    /// Overwrites `bytes` with zeros, for key material and digests we are done with.
    ///
    /// `OPENSSL_cleanse` is used so that the compiler cannot drop the writes as dead stores.
    public static func zero(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            OPENSSL_cleanse(base, buffer.count)
        }
    }
}
