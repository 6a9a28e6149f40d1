private import CCrypto
import Synchronization

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

extension HMACSHA256 {
    /// A key set up once for many HMAC-SHA256 computations.
    ///
    /// OpenSSL 3's one-shot `HMAC()` looks the algorithms up by name and absorbs the key on every
    /// call; this keeps an `EVP_MAC_CTX` with the key already absorbed and copies it for each
    /// message, which may also come in parts (no concatenated copy). Returns the same digests as
    /// `authenticationCode(key:message:)`.
    public final class PreparedKey: @unchecked Sendable {
        // @unchecked: `context` is only read (copied) after init, and copies are made under `lock`.
        private let context: OpaquePointer
        private let lock = Mutex(())

        /// The key `key`; `nil` when OpenSSL cannot set it up (then use the one-shot function).
        public init?(key: [UInt8]) {
            guard let mac = EVP_MAC_fetch(nil, "HMAC", nil) else {
                return nil
            }
            defer { EVP_MAC_free(mac) }
            guard let context = EVP_MAC_CTX_new(mac) else {
                return nil
            }
            var digestName: [CChar] = Array("SHA256".utf8CString)
            let initialized = digestName.withUnsafeMutableBufferPointer { name in
                var parameters = [
                    OSSL_PARAM_construct_utf8_string("digest", name.baseAddress, 0),
                    OSSL_PARAM_construct_end(),
                ]
                // An empty Swift array may have no base address; pass one byte and length 0.
                let keyStorage = key.isEmpty ? [0] : key
                return keyStorage.withUnsafeBufferPointer { keyBuffer in
                    EVP_MAC_init(context, keyBuffer.baseAddress, key.count, &parameters)
                }
            }
            guard initialized == 1 else {
                EVP_MAC_CTX_free(context)
                return nil
            }
            self.context = context
        }

        deinit {
            // EVP_MAC_CTX_free cleanses the key material it holds.
            EVP_MAC_CTX_free(self.context)
        }

        /// The HMAC-SHA256 of the concatenation of `parts` under this key: 32 bytes.
        public func authenticationCode(_ parts: [UInt8]...) -> [UInt8] {
            let copy = self.lock.withLock { _ in EVP_MAC_CTX_dup(self.context) }
            guard let copy else {
                preconditionFailure("OpenSSL could not copy an HMAC context (out of memory)")
            }
            defer { EVP_MAC_CTX_free(copy) }
            for part in parts where !part.isEmpty {
                let updated = part.withUnsafeBufferPointer { buffer in
                    EVP_MAC_update(copy, buffer.baseAddress, buffer.count)
                }
                precondition(updated == 1, "OpenSSL HMAC-SHA256 update failed")
            }
            var digest = [UInt8](repeating: 0, count: HMACSHA256.digestLength)
            var length = 0
            let finished = digest.withUnsafeMutableBufferPointer { buffer in
                EVP_MAC_final(copy, buffer.baseAddress, &length, buffer.count)
            }
            precondition(finished == 1 && length == HMACSHA256.digestLength, "OpenSSL HMAC-SHA256 failed")
            return digest
        }
    }
}
