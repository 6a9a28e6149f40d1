import Foundation
import Testing

@testable import Inlet

/// The log writes SQLite makes are joined into few calls, without changing what lands where, and
/// a store written through the coalescing VFS reads back whole.
@Suite struct LogWriteCoalescerTests {
    typealias S = StoreTestSupport

    /// A frame header (24 bytes); `commitSize` is the database size after a commit, 0 otherwise.
    private static func header(commitSize: UInt32) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 24)
        bytes[4] = UInt8(commitSize >> 24)
        bytes[5] = UInt8((commitSize >> 16) & 0xFF)
        bytes[6] = UInt8((commitSize >> 8) & 0xFF)
        bytes[7] = UInt8(commitSize & 0xFF)
        return bytes
    }

    /// Appends `count` frames that end no commit (a header, then `page`) from `offset`, the way
    /// SQLite writes them; returns the offset after the last one.
    private static func writeFrames(
        _ count: Int,
        page: [UInt8],
        from offset: Int64,
        _ coalescer: LogWriteCoalescer,
        into file: inout [LogWriteCoalescer.Flush]
    ) -> Int64 {
        var offset = offset
        for _ in 0..<count {
            LogWriteCoalescerTests.write(
                LogWriteCoalescerTests.header(commitSize: 0),
                at: offset,
                coalescer,
                into: &file
            )
            LogWriteCoalescerTests.write(page, at: offset + 24, coalescer, into: &file)
            offset += 24 + Int64(page.count)
        }
        return offset
    }

    /// Appends `bytes` at `offset`, writing into `file` what the coalescer says to write first.
    private static func write(
        _ bytes: [UInt8],
        at offset: Int64,
        _ coalescer: LogWriteCoalescer,
        into file: inout [LogWriteCoalescer.Flush]
    ) {
        bytes.withUnsafeBytes { data in
            if let range = coalescer.flushBefore(writing: data, at: offset) {
                file.append(range)
                coalescer.flushed()
            }
            if let range = coalescer.append(data, at: offset) {
                file.append(range)
                coalescer.flushed()
            }
        }
    }

    @Test func aCommitsFramesAreWrittenOnceItsLastPageArrives() {
        let coalescer = LogWriteCoalescer(capacity: 1 << 16)
        var writes: [LogWriteCoalescer.Flush] = []
        let page = [UInt8](repeating: 0xAB, count: 1024)
        let offset = LogWriteCoalescerTests.writeFrames(3, page: page, from: 32, coalescer, into: &writes)
        #expect(writes.isEmpty, "frames of an unfinished commit wait in the buffer")
        #expect(coalescer.pending == LogWriteCoalescer.Flush(offset: 32, count: 3 * 1048))

        LogWriteCoalescerTests.write(LogWriteCoalescerTests.header(commitSize: 9), at: offset, coalescer, into: &writes)
        #expect(writes == [LogWriteCoalescer.Flush(offset: 32, count: 3 * 1048 + 24)], "up to the commit header")
        LogWriteCoalescerTests.write(page, at: offset + 24, coalescer, into: &writes)
        #expect(writes.last == LogWriteCoalescer.Flush(offset: offset + 24, count: 1024), "then the commit's page")
        #expect(writes.count == 2)
        #expect(!coalescer.flushNeeded)

        // The buffer holds exactly the bytes written, in order.
        LogWriteCoalescerTests.write([1, 2, 3], at: 5000, coalescer, into: &writes)
        LogWriteCoalescerTests.write([4, 5], at: 5003, coalescer, into: &writes)
        #expect(Array(coalescer.bytes.prefix(coalescer.count)) == [1, 2, 3, 4, 5])
    }

    @Test func aCommitFrameWhosePageDoesNotFitBehindItsHeaderIsStillWrittenWhole() {
        // 31 frames of 4 KiB pages and the 32nd's header fill 127,744 of the 131,071 bytes; the
        // 32nd page does not fit. Its header is a commit header: the page must not stay behind.
        let coalescer = LogWriteCoalescer()
        var writes: [LogWriteCoalescer.Flush] = []
        let page = [UInt8](repeating: 0xCD, count: 4096)
        let offset = LogWriteCoalescerTests.writeFrames(31, page: page, from: 32, coalescer, into: &writes)
        LogWriteCoalescerTests.write(
            LogWriteCoalescerTests.header(commitSize: 40),
            at: offset,
            coalescer,
            into: &writes
        )
        LogWriteCoalescerTests.write(page, at: offset + 24, coalescer, into: &writes)

        #expect(!coalescer.flushNeeded, "nothing of a finished commit stays in the buffer")
        #expect(writes.last == LogWriteCoalescer.Flush(offset: offset + 24, count: 4096))
        #expect(writes.reduce(0) { $0 + $1.count } == 32 * 4120)
    }

    @Test func aCommitHeaderRewrittenWithoutItsPageIsWrittenAtOnce() {
        // SQLite rewrites the headers of frames it overwrote in a transaction (new checksums),
        // each after reading the frame, the commit frame's last; nothing follows on the log.
        let coalescer = LogWriteCoalescer()
        var writes: [LogWriteCoalescer.Flush] = []
        LogWriteCoalescerTests.write(LogWriteCoalescerTests.header(commitSize: 0), at: 32, coalescer, into: &writes)
        #expect(coalescer.flushNeeded)
        coalescer.flushed()  // the read of the next frame writes it first

        LogWriteCoalescerTests.write(LogWriteCoalescerTests.header(commitSize: 7), at: 4152, coalescer, into: &writes)
        #expect(writes == [LogWriteCoalescer.Flush(offset: 4152, count: 24)])
        #expect(!coalescer.flushNeeded)

        // The next transaction's first frame, at the log's end, is buffered again.
        LogWriteCoalescerTests.write(LogWriteCoalescerTests.header(commitSize: 0), at: 8272, coalescer, into: &writes)
        LogWriteCoalescerTests.write([UInt8](repeating: 1, count: 4096), at: 8296, coalescer, into: &writes)
        #expect(writes.count == 1)
        #expect(coalescer.pending == LogWriteCoalescer.Flush(offset: 8272, count: 4120))
    }

    @Test func aWriteElsewhereOrBeyondTheCapacityFlushesFirst() {
        let coalescer = LogWriteCoalescer(capacity: 100)
        var writes: [LogWriteCoalescer.Flush] = []
        LogWriteCoalescerTests.write([UInt8](repeating: 1, count: 60), at: 0, coalescer, into: &writes)
        LogWriteCoalescerTests.write([UInt8](repeating: 2, count: 10), at: 500, coalescer, into: &writes)
        #expect(writes == [LogWriteCoalescer.Flush(offset: 0, count: 60)])

        LogWriteCoalescerTests.write([UInt8](repeating: 3, count: 95), at: 510, coalescer, into: &writes)
        #expect(writes.last == LogWriteCoalescer.Flush(offset: 500, count: 10), "95 more would not fit behind 10")
        #expect(coalescer.pending == LogWriteCoalescer.Flush(offset: 510, count: 95))

        let huge = [UInt8](repeating: 4, count: 101)
        huge.withUnsafeBytes { #expect(coalescer.bypasses($0)) }
    }

    @Test func theCapacityNeverExceedsWhatTheUnixVFSWritesInOneCall() {
        #expect(LogWriteCoalescer(capacity: 1 << 24).capacity == 0x1ffff)
        #expect(LogWriteCoalescer().capacity == 0x1ffff)
    }

    @Test func commitFramesAreToldByTheirDatabaseSizeField() {
        LogWriteCoalescerTests.header(commitSize: 0).withUnsafeBytes {
            #expect(!LogWriteCoalescer.isCommitFrameHeader($0))
        }
        for size: UInt32 in [1, 256, 65_536, 16_777_216] {
            LogWriteCoalescerTests.header(commitSize: size).withUnsafeBytes {
                #expect(LogWriteCoalescer.isCommitFrameHeader($0))
            }
        }
    }

    @Test func storesGoThroughTheCoalescingVFSAndLargeCommitsReadBackWhole() async throws {
        try await S.withTemporaryDirectory { directory in
            let path = directory + "/inlet.sqlite"
            let store = try Store.open(path: path, logger: Logger(level: .critical, sink: .memory()))
            let name = try store.read { reader in reader.database.vfsName }
            #expect(name == "inlet-coalescing")

            // One commit of about 2 MB of log (far beyond one 128 KiB write), then many small ones.
            let filler = String(repeating: "x", count: 4_000)
            try await store.write { transaction in
                for index in 0..<500 {
                    _ = try transaction.apply(
                        .identifyUser(id: "big\(index)", properties: S.object(["filler": .string(filler)])),
                        environment: S.environment,
                        sourceTimestampMs: 1,
                        nowMs: 1
                    )
                }
            }
            for index in 0..<50 {
                try await S.apply(store, .identifyUser(id: "small\(index)", properties: JSONObject()), at: 1)
            }
            let coalesced = try await store.write { transaction in transaction.database.logWritesAreCoalesced }
            #expect(coalesced, "the writer's log goes through the coalescer")
            store.close()

            let reopened = try Store.open(path: path, logger: Logger(level: .critical, sink: .memory()))
            defer { reopened.close() }
            let check = try await reopened.write { transaction in
                try transaction.database.queryFirst("PRAGMA integrity_check") { $0.string(0) }
            }
            #expect(check == "ok")
            #expect(try S.user(reopened, "big499")?["filler"]?.stringValue == filler)
            #expect(try S.user(reopened, "small49") != nil)
        }
    }
}
