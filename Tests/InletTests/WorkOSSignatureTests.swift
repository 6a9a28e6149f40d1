import Foundation
import Testing

@testable import Inlet

extension Result where Success == Void {
    /// The failure, or nil on success (`Result<Void, _>` is not `Equatable`).
    var failureValue: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}

@Suite struct WorkOSSignatureTests {
    /// The project's own vectors G-L share this secret and timestamp (reference 2.5).
    static let secret = "whsec_FAKE_Example_Secret_0000"
    static let timestamp: Int64 = 1_789_398_127_318
    static let bodyG = [
        #"{"id":"event_01TEST0000000000000000000000","event":"user.created","data":{"object":"user","#,
        #""id":"user_01TEST0000000000000000000000","email":"ada.example@example.com"},"created_at":""#,
        #"2026-09-14T15:42:07.318Z"}"#,
    ].joined()
    static let signatureG = "86b17f13dacf4363ca45da8a9cf1425dbdcff47e475293c1afcd9c6901b90229"

    func verifier(
        secrets: [String] = [Self.secret],
        tolerance: Int = 180,
        now: Int64 = Self.timestamp
    )
        -> WorkOSSignatureVerifier
    {
        WorkOSSignatureVerifier(secrets: secrets, toleranceSeconds: tolerance, now: { now })
    }

    func verifyG(_ headerValues: [String], verifier: WorkOSSignatureVerifier? = nil) -> Result<Void, SignatureFailure> {
        (verifier ?? self.verifier()).verify(headerValues: headerValues, body: Array(Self.bodyG.utf8))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    // MARK: - HMAC

    @Test func hmacMatchesRFC4231() {
        let case2 = HMACSHA256.authenticationCode(
            key: Array("Jefe".utf8),
            message: Array("what do ya want for nothing?".utf8)
        )
        #expect(Self.hex(case2) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")

        let case6 = HMACSHA256.authenticationCode(
            key: [UInt8](repeating: 0xAA, count: 131),
            message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)
        )
        #expect(Self.hex(case6) == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func hmacVectorsDAndE() {
        let empty = HMACSHA256.authenticationCode(key: Array("test_secret".utf8), message: [])
        #expect(Self.hex(empty) == "f7f9bd47fb987337b5796fdc1fdb9ba221d0d5396814bfcaf9521f43fd8927fd")

        let emoji = HMACSHA256.authenticationCode(key: Array("test_secret".utf8), message: [0xF0, 0x9F, 0x98, 0x80])
        #expect(Self.hex(emoji) == "837da296d05c4fe31f61d5d7ead035099d9585a5bcde87de952012a78f0b0c43")
    }

    @Test func hmacWithEmptyKeyIsDefined() {
        // RFC 2104 with an empty key; value from Python `hmac.new(b"", b"", sha256)`.
        let digest = HMACSHA256.authenticationCode(key: [], message: [])
        #expect(Self.hex(digest) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test func constantTimeEqualsComparesLengthThenBytes() {
        #expect(HMACSHA256.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!HMACSHA256.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!HMACSHA256.constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(HMACSHA256.constantTimeEquals([], []))
        #expect(!HMACSHA256.constantTimeEquals([], [0]))
    }

    @Test func zeroClearsBuffer() {
        var bytes: [UInt8] = [1, 2, 3, 4]
        HMACSHA256.zero(&bytes)
        #expect(bytes == [0, 0, 0, 0])
    }

    // MARK: - Published vectors A-C and F

    @Test(arguments: [
        (
            "2sAZJlbjP8Ce3rwkKEv2GfKef",
            Int64(1_722_443_701_539),
            [
                #"{"id":"event_01J44T8116Q5M0RYCFA6KWNXN9","data":{"id":"conn_01EHWNC0FCBHZ3BJ7EGKYXK0E6","n"#,
                #"ame":"Foo Corp's Connection","state":"active","object":"connection","status":"linked","dom"#,
                #"ains":[{"id":"conn_domain_01EHWNFTAFCF3CQAE5A9Q0P1YB","domain":"foo-corp.com","object":"co"#,
                #"nnection_domain"}],"created_at":"2021-06-25T19:07:33.155Z","updated_at":"2021-06-25T19:07:"#,
                #"33.155Z","external_key":"3QMR4u0Tok6SgwY2AWG6u6mkQ","connection_type":"OktaSAML","organiza"#,
                #"tion_id":"org_01EHWNCE74X7JSDV0X3SZ3KJNY"},"event":"connection.activated","created_at":"20"#,
                #"21-06-25T19:07:33.155Z"}"#,
            ].joined(),
            "bd54a3768f461461c8439c2f97ab0d646ef3976f84d5d5b132d18f2fa89cdad5"
        ),
        (
            "2sAZJlbjP8Ce3rwkKEv2GfKef",
            Int64(1_722_443_701_539),
            [
                #"{"id":"event_01J44T8116Q5M0RYCFA6KWNXN9","data":{"id":"meow_123","name":"Meow Corp","objec"#,
                #"t":"kitten","status":"cuteness","created_at":"2021-06-25T19:07:33.155Z","updated_at":"2021"#,
                #"-06-25T19:07:33.155Z"},"event":"kitten.created","created_at":"2021-06-25T19:07:33.155Z"}"#,
            ].joined(),
            "f82f88dd60d5bc8a803686a27f83ce148b8c37c54490c52b77d00d62da891f1b"
        ),
        (
            "nTqlYkHe6GyqYkmUQWksUWYmQ",
            Int64(1_634_310_434_103),
            [
                #"{"id":"wh_01FJ27WB8SNT7VN72KRMYJYV8P","data":{"id":"directory_user_01E1X1B89NH8Z3SDFJR4H7R"#,
                #"GX7","state":"active","emails":[{"type":"work","value":"veda@example.com","primary":true}]"#,
                #","username":"veda@example.com","last_name":"Block","first_name":"Lela","directory_id":"dir"#,
                #"ectory_01E1X194NTJ3PYMAY79DYV0F0P"},"event":"dsync.user.created"}"#,
            ].joined(),
            "0de6f84a9c3dd217973c44dffbcb3fd1225a4ab453e08b608491479ebab382e8"
        ),
        (
            "whsec_test_secret",
            Int64(1_700_000_000_000),
            #"{"event":"user.created"}"#,
            "aac9c4bb7a043a65cb8e1737624288845e680a530558c87a1623d35fbb7c7655"
        ),
    ])
    func publishedVectors(secret: String, timestamp: Int64, body: String, expected: String) {
        let header = WorkOSSignature.header(secret: secret, timestampMs: timestamp, body: Array(body.utf8))
        #expect(header == "t=\(timestamp), v1=\(expected)")

        let verifier = WorkOSSignatureVerifier(secrets: [secret], toleranceSeconds: 180, now: { timestamp })
        #expect(verifier.verify(headerValues: [header], body: Array(body.utf8)).failureValue == nil)
    }

    // MARK: - Project vectors G-L

    @Test func vectorGVerifiesAndSignsCanonically() {
        let body = Array(Self.bodyG.utf8)
        let header = WorkOSSignature.header(secret: Self.secret, timestampMs: Self.timestamp, body: body)
        #expect(header == "t=1789398127318, v1=\(Self.signatureG)")
        #expect(self.verifyG([header]).failureValue == nil)
    }

    @Test func vectorHIsDistinctAndDoesNotValidateG() {
        let bodyH = """
            {
              "id": "event_01TEST0000000000000000000000",
              "event": "user.created",
              "data": {
                "object": "user",
                "id": "user_01TEST0000000000000000000000",
                "email": "ada.example@example.com"
              },
              "created_at": "2026-09-14T15:42:07.318Z"
            }
            """
        let headerH = WorkOSSignature.header(secret: Self.secret, timestampMs: Self.timestamp, body: Array(bodyH.utf8))
        #expect(headerH == "t=1789398127318, v1=06590b33940f3de5235fbedeebfea96b06dab1c1a339aa832d5d900d40549e1d")

        // G's signature sent with H's bytes (same JSON, different bytes) must fail.
        let result = self.verifier().verify(
            headerValues: ["t=1789398127318, v1=\(Self.signatureG)"],
            body: Array(bodyH.utf8)
        )
        #expect(result.failureValue == .noMatchingSignature)
    }

    @Test func vectorsIAndJSignRawBytesNotParsedJSON() {
        let bodyI = [
            #"{"id":"event_01TEST0000000000000000000001","event":"dsync.user.created","data":{"first_nam"#,
            #"e":"Zoë","last_name":"Núñez"}}"#,
        ].joined()
        let bodyJ = [
            #"{"id":"event_01TEST0000000000000000000001","event":"dsync.user.created","data":{"first_nam"#,
            #"e":"Zo\u00eb","last_name":"N\u00fa\u00f1ez"}}"#,
        ].joined()
        #expect(bodyI.utf8.count == 123)

        let headerI = WorkOSSignature.header(secret: Self.secret, timestampMs: Self.timestamp, body: Array(bodyI.utf8))
        let headerJ = WorkOSSignature.header(secret: Self.secret, timestampMs: Self.timestamp, body: Array(bodyJ.utf8))
        #expect(headerI.hasSuffix("v1=1956439693bdfc4840896941a3fdacf4bff2ee9379d8f66d960b5d39a2b278c0"))
        #expect(headerJ.hasSuffix("v1=8cab7a0696bdcc231c4a7782f713319e12404a89d8ccc4d66a738573b351ac23"))
        #expect(self.verifier().verify(headerValues: [headerI], body: Array(bodyI.utf8)).failureValue == nil)
        let crossed = self.verifier().verify(headerValues: [headerI], body: Array(bodyJ.utf8))
        #expect(crossed.failureValue == .noMatchingSignature)
    }

    @Test(arguments: [
        ("workos/connection.activated.json", "3a2884322295b646abbf3d471b2cbb50204f2d6b3340346422aedad4e6f583d2", 727),
        (
            "workos/dsync.group.user_removed.json",
            "0478f7e587d08c3d167a1fd23f036aad2bd41f4187b759c2042fb85c28193381",
            1585
        ),
    ])
    func vectorsKAndLSignFixtureFiles(file: String, expected: String, size: Int) throws {
        let body = try FixtureFiles.bytes(file)
        #expect(body.count == size)
        let header = WorkOSSignature.header(secret: Self.secret, timestampMs: Self.timestamp, body: body)
        #expect(header == "t=1789398127318, v1=\(expected)")
        let result = self.verifier().verify(headerValues: ["t=1789398127318, v1=\(expected)"], body: body)
        #expect(result.failureValue == nil)
    }

    // MARK: - Header variants

    @Test(arguments: [
        "t=1789398127318,v1=86b17f13dacf4363ca45da8a9cf1425dbdcff47e475293c1afcd9c6901b90229",
        "t=1789398127318,    v1=86b17f13dacf4363ca45da8a9cf1425dbdcff47e475293c1afcd9c6901b90229",
        "  t=1789398127318 ,\tv1=86b17f13dacf4363ca45da8a9cf1425dbdcff47e475293c1afcd9c6901b90229  ",
        "v1=86b17f13dacf4363ca45da8a9cf1425dbdcff47e475293c1afcd9c6901b90229, t=1789398127318",
        "t=1789398127318, v1=86B17F13DACF4363CA45DA8A9CF1425DBDCFF47E475293C1AFCD9C6901B90229",
        "t=1789398127318, v1=86b17f13dacf4363ca45da8a9cf1425dbdcff47e475293c1afcd9c6901b90229, v1=00",
        "t=1789398127318, v1=\(String(repeating: "0", count: 64)), v1=\(WorkOSSignatureTests.signatureG)",
        "t=1789398127318, v1=zz, v1=86b17f13dacf4363ca45da8a9cf1425dbdcff47e475293c1afcd9c6901b90229",
        "t=1789398127318, junk, s=abc, v0=def, v1=86b17f13dacf4363ca45da8a9cf1425dbdcff47e475293c1afcd9c6901b90229,",
    ])
    func lenientParsingAccepts(header: String) {
        #expect(self.verifyG([header]).failureValue == nil)
    }

    @Test func severalHeaderLinesAreJoined() {
        #expect(self.verifyG(["t=1789398127318", "v1=\(Self.signatureG)"]).failureValue == nil)
        #expect(self.verifyG(["v1=ff", "t=1789398127318, v1=\(Self.signatureG)"]).failureValue == nil)
        let twoTimestamps = self.verifyG(["t=1789398127318", "t=1789398127318, v1=\(Self.signatureG)"])
        #expect(twoTimestamps.failureValue == .malformedHeader("more than one t= timestamp"))
    }

    @Test func missingHeader() {
        #expect(self.verifyG([]).failureValue == .missingHeader)
        #expect(self.verifyG(["", "  "]).failureValue == .missingHeader)
    }

    @Test(arguments: [
        ("v1=86b17f13dacf4363ca45da8a9cf1425dbdcff47e475293c1afcd9c6901b90229", "no t= timestamp"),
        ("t=1789398127318", "no v1= signature"),
        ("t=1789398127318, v2=86b17f13dacf4363ca45da8a9cf1425dbdcff47e475293c1afcd9c6901b90229", "no v1= signature"),
        (
            "t=1789398127318, t=1789398127318, v1=86b17f13dacf4363ca45da8a9cf1425dbdcff47e475293c1afcd9c6901b90229",
            "more than one t= timestamp"
        ),
        (
            "t=, v1=86b17f13dacf4363ca45da8a9cf1425dbdcff47e475293c1afcd9c6901b90229",
            "t= must be 1 to 16 ASCII digits (milliseconds since the epoch)"
        ),
        (
            "t=17893981273l8, v1=86b17f13dacf4363ca45da8a9cf1425dbdcff47e475293c1afcd9c6901b90229",
            "t= must be 1 to 16 ASCII digits (milliseconds since the epoch)"
        ),
        (
            "t=-1789398127318, v1=86b17f13dacf4363ca45da8a9cf1425dbdcff47e475293c1afcd9c6901b90229",
            "t= must be 1 to 16 ASCII digits (milliseconds since the epoch)"
        ),
        (
            "t=1789398127318.5, v1=86b17f13dacf4363ca45da8a9cf1425dbdcff47e475293c1afcd9c6901b90229",
            "t= must be 1 to 16 ASCII digits (milliseconds since the epoch)"
        ),
        (
            "t=17893981273180000000000, v1=86b17f13dacf4363ca45da8a9cf1425dbdcff47e475293c1afcd9c6901b90229",
            "t= must be 1 to 16 ASCII digits (milliseconds since the epoch)"
        ),
        (
            "t= 1789398127318, v1=86b17f13dacf4363ca45da8a9cf1425dbdcff47e475293c1afcd9c6901b90229",
            "t= must be 1 to 16 ASCII digits (milliseconds since the epoch)"
        ),
        (
            "t=١٢٣, v1=86b17f13dacf4363ca45da8a9cf1425dbdcff47e475293c1afcd9c6901b90229",
            "t= must be 1 to 16 ASCII digits (milliseconds since the epoch)"
        ),
    ])
    func malformedHeaders(header: String, detail: String) {
        #expect(self.verifyG([header]).failureValue == .malformedHeader(detail))
    }

    @Test func timestampsOutsideToleranceAreRefusedBothWays() {
        let signed = { (timestamp: String) -> String in
            let message = Array(timestamp.utf8) + [UInt8(ascii: ".")] + Array(Self.bodyG.utf8)
            let digest = HMACSHA256.authenticationCode(key: Array(Self.secret.utf8), message: message)
            return "t=\(timestamp), v1=\(Self.hex(digest))"
        }

        // Seconds instead of milliseconds: 56 years off.
        #expect(self.verifyG([signed("1789398127")]).failureValue == .timestampOutsideTolerance)
        // Microseconds: 16 digits, so syntactically fine, but far in the future.
        #expect(self.verifyG([signed("1789398127318000")]).failureValue == .timestampOutsideTolerance)
        // One hour in the future.
        #expect(self.verifyG([signed("1789401727318")]).failureValue == .timestampOutsideTolerance)
        // Four minutes old.
        #expect(self.verifyG([signed("1789397887318")]).failureValue == .timestampOutsideTolerance)
        // Exactly at the edge, both ways: accepted; one millisecond past: refused.
        #expect(self.verifyG([signed("1789397947318")]).failureValue == nil)
        #expect(self.verifyG([signed("1789398307318")]).failureValue == nil)
        #expect(self.verifyG([signed("1789397947317")]).failureValue == .timestampOutsideTolerance)
        #expect(self.verifyG([signed("1789398307319")]).failureValue == .timestampOutsideTolerance)
        // Four minutes old is fine with a five-minute tolerance.
        #expect(self.verifyG([signed("1789397887318")], verifier: self.verifier(tolerance: 300)).failureValue == nil)
    }

    @Test func leadingZerosAreSignedAsReceived() {
        let digits = "0001789398127318"
        let message = Array(digits.utf8) + [UInt8(ascii: ".")] + Array(Self.bodyG.utf8)
        let digest = Self.hex(HMACSHA256.authenticationCode(key: Array(Self.secret.utf8), message: message))
        #expect(self.verifyG(["t=\(digits), v1=\(digest)"]).failureValue == nil)
        // The usual digits' signature does not match the zero-padded `t`.
        #expect(self.verifyG(["t=\(digits), v1=\(Self.signatureG)"]).failureValue == .noMatchingSignature)
    }

    @Test func extremeClocksNeverTrap() {
        let header = "t=9999999999999999, v1=\(Self.signatureG)"
        #expect(self.verifyG([header], verifier: self.verifier(now: .min)).failureValue == .timestampOutsideTolerance)
        #expect(self.verifyG([header], verifier: self.verifier(now: .max)).failureValue == .timestampOutsideTolerance)
        let unbounded = self.verifier(tolerance: .max, now: .max)
        #expect(self.verifyG(["t=0, v1=\(Self.signatureG)"], verifier: unbounded).failureValue == .noMatchingSignature)
    }

    @Test func toleranceIsCheckedBeforeTheHMAC() {
        // A wrong signature with an old timestamp reports the timestamp.
        let header = "t=1, v1=0000000000000000000000000000000000000000000000000000000000000000"
        #expect(self.verifyG([header]).failureValue == .timestampOutsideTolerance)
    }

    @Test func secretRotationAcceptsAnyConfiguredSecret() {
        let header = "t=1789398127318, v1=\(Self.signatureG)"
        let rotated = self.verifier(secrets: ["whsec_new_secret", Self.secret])
        #expect(self.verifyG([header], verifier: rotated).failureValue == nil)
        let wrong = self.verifier(secrets: ["whsec_new_secret", "whsec_other"])
        #expect(self.verifyG([header], verifier: wrong).failureValue == .noMatchingSignature)
        let none = self.verifier(secrets: [])
        #expect(self.verifyG([header], verifier: none).failureValue == .noMatchingSignature)
    }

    @Test func wrongBodyOrSecretDoesNotMatch() {
        let header = "t=1789398127318, v1=\(Self.signatureG)"
        let tampered = self.verifier().verify(headerValues: [header], body: Array(Self.bodyG.utf8) + [0x0A])
        #expect(tampered.failureValue == .noMatchingSignature)
        let bom = self.verifier().verify(headerValues: [header], body: [0xEF, 0xBB, 0xBF] + Array(Self.bodyG.utf8))
        #expect(bom.failureValue == .noMatchingSignature)
    }

    @Test func failureTextsNameTheRuleAndNeverTheExpectedValue() {
        let failures: [SignatureFailure] = [
            .missingHeader, .malformedHeader("no v1= signature"), .timestampOutsideTolerance, .noMatchingSignature,
        ]
        #expect(
            failures.map(\.reasonCode)
                == ["missing_header", "malformed_header", "timestamp_outside_tolerance", "no_matching_signature"]
        )
        for failure in failures {
            #expect(!failure.message.contains(Self.signatureG))
            #expect(failure.message.contains("WorkOS-Signature"))
        }
        #expect(SignatureFailure.malformedHeader("no v1= signature").message.hasSuffix("no v1= signature"))
    }
}
