import Testing

@testable import Inlet

@Suite struct GzipTests {
    @Test func roundTripsText() throws {
        let original = Array(String(repeating: "webhook payload ", count: 500).utf8)
        let compressed = try #require(Gzip.deflate(original))
        #expect(compressed.count < original.count / 10)
        #expect(compressed.starts(with: [0x1F, 0x8B]))
        #expect(try Gzip.inflate(compressed, limit: original.count) == original)
    }

    @Test func roundTripsEmptyAndBinary() throws {
        let empty = try #require(Gzip.deflate([]))
        #expect(try Gzip.inflate(empty, limit: 0) == [])

        var state: UInt32 = 12345
        let random = (0..<10_000).map { _ -> UInt8 in
            state = state &* 1_103_515_245 &+ 12_345
            return UInt8(truncatingIfNeeded: state >> 16)
        }
        let compressed = try #require(Gzip.deflate(random))
        #expect(try Gzip.inflate(compressed, limit: 10_000) == random)
    }

    @Test func decodesConcatenatedMembers() throws {
        let first = try #require(Gzip.deflate(Array("hello ".utf8)))
        let second = try #require(Gzip.deflate(Array("world".utf8)))
        #expect(try Gzip.inflate(first + second, limit: 100) == Array("hello world".utf8))
    }

    @Test func stopsABombAtTheLimit() throws {
        // 100 MB of zeros compresses to about 100 KB; decoding must stop near the 1 MiB cap.
        let zeros = [UInt8](repeating: 0, count: 20_000_000)
        let bomb = try #require(Gzip.deflate(zeros))
        #expect(bomb.count < 50_000)
        #expect(throws: Gzip.Failure.tooLarge(limit: 1_048_576)) {
            try Gzip.inflate(bomb, limit: 1_048_576)
        }
    }

    @Test func limitIsInclusive() throws {
        let data = [UInt8](repeating: 7, count: 1000)
        let compressed = try #require(Gzip.deflate(data))
        #expect(try Gzip.inflate(compressed, limit: 1000).count == 1000)
        #expect(throws: Gzip.Failure.tooLarge(limit: 999)) {
            try Gzip.inflate(compressed, limit: 999)
        }
    }

    @Test func rejectsCorruptTruncatedAndTrailingGarbage() throws {
        let compressed = try #require(Gzip.deflate(Array(String(repeating: "abc", count: 100).utf8)))

        var flipped = compressed
        flipped[flipped.count / 2] ^= 0xFF
        var badChecksum = compressed
        badChecksum[badChecksum.count - 6] ^= 0x01
        let inputs: [[UInt8]] = [
            [],
            Array("not gzip at all".utf8),
            Array(compressed.prefix(compressed.count - 4)),
            Array(compressed.prefix(10)),
            flipped,
            badChecksum,
            compressed + [0, 0, 0],
        ]
        for input in inputs {
            do {
                _ = try Gzip.inflate(input, limit: 1_000_000)
                Issue.record("accepted corrupt input of \(input.count) bytes")
            } catch {
                guard case .corrupt = error else {
                    Issue.record("expected corrupt, got \(error)")
                    continue
                }
            }
        }
    }
}
