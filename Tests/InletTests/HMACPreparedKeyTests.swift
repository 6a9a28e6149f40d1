import Foundation
import Testing

@testable import Inlet

/// A prepared HMAC key gives the one-shot function's digests, for messages in any number of parts,
/// from several threads at once.
@Suite struct HMACPreparedKeyTests {
    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    @Test func matchesRFC4231AndTheOneShotFunction() throws {
        let jefe = try #require(HMACSHA256.PreparedKey(key: Array("Jefe".utf8)))
        #expect(
            Self.hex(jefe.authenticationCode(Array("what do ya ".utf8), Array("want for nothing?".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        )
        let long = try #require(HMACSHA256.PreparedKey(key: [UInt8](repeating: 0xAA, count: 131)))
        #expect(
            Self.hex(long.authenticationCode(Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        )
        // OpenSSL 3.0 refuses an empty key here (the verifier then uses the one-shot function);
        // a later version that accepts it must give RFC 2104's value.
        if let empty = HMACSHA256.PreparedKey(key: []) {
            #expect(
                Self.hex(empty.authenticationCode())
                    == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"
            )
        }

        // Same digests as the one-shot function whatever the split, reusing the key.
        let secret = Array("whsec_test_secret".utf8)
        let prepared = try #require(HMACSHA256.PreparedKey(key: secret))
        for length in [0, 1, 63, 64, 65, 1_531, 10_000] {
            let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let expected = HMACSHA256.authenticationCode(key: secret, message: message)
            #expect(prepared.authenticationCode(message) == expected, "length \(length)")
            let cut = length / 3
            #expect(
                prepared.authenticationCode([], Array(message[..<cut]), [], Array(message[cut...])) == expected,
                "length \(length) in parts"
            )
        }
    }

    @Test func concurrentUseGivesTheSameDigests() async throws {
        let secret = Array("whsec_concurrent".utf8)
        let prepared = try #require(HMACSHA256.PreparedKey(key: secret))
        let results = await withTaskGroup(of: Bool.self) { group in
            for task in 0..<8 {
                group.addTask {
                    (0..<200).allSatisfy { index in
                        let message = Array("\(task)-\(index)".utf8)
                        return prepared.authenticationCode(message)
                            == HMACSHA256.authenticationCode(key: secret, message: message)
                    }
                }
            }
            var all: [Bool] = []
            for await result in group {
                all.append(result)
            }
            return all
        }
        #expect(results == Array(repeating: true, count: 8))
    }
}
