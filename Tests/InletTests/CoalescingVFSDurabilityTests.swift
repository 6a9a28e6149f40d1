import Foundation
import Testing

@testable import Inlet

/// A commit that SQLite reports done is in the log file, whatever the `synchronous` setting and
/// wherever its commit frame falls in the coalescer's buffer: a copy of the files taken right after
/// the commit (what a `kill -9` would leave) holds it.
@Suite struct CoalescingVFSDurabilityTests {
    typealias S = StoreTestSupport

    /// A connection through the coalescing VFS with `synchronous=NORMAL` (no sync at commit, so
    /// nothing but the coalescer's own rule puts a commit's last frame in the file) and no
    /// automatic checkpoints.
    private static func openNormal(_ path: String) throws -> SQLiteDatabase {
        let database = try SQLiteDatabase(path: path, create: true)
        _ = try database.queryFirst("PRAGMA journal_mode=WAL") { $0.string(0) }
        try database.execute("PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0;")
        return database
    }

    /// Copies the database and its log (not the shared-memory index) as they are in the file
    /// system now, opens the copy (SQLite recovers from the log) and returns the row count and
    /// the integrity check.
    private static func countInCopy(of path: String, directory: String) throws -> (rows: Int64?, check: String?) {
        let copy = directory + "/copy.sqlite"
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: copy + suffix)
        }
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        try FileManager.default.copyItem(atPath: path + "-wal", toPath: copy + "-wal")

        let database = try SQLiteDatabase(path: copy, create: false)
        defer { database.close() }
        let rows = try database.queryFirst("SELECT count(*) FROM t") { $0.int64(0) } ?? nil
        let check = try database.queryFirst("PRAGMA integrity_check") { $0.string(0) } ?? nil
        return (rows, check)
    }

    @Test func everyCommitIsInTheLogFileWhenItReturnsWhereverItsFrameFalls() async throws {
        try await S.withTemporaryDirectory { directory in
            let path = directory + "/store.sqlite"
            let database = try CoalescingVFSDurabilityTests.openNormal(path)
            defer { database.close() }
            try database.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB)")
            try database.execute("PRAGMA wal_checkpoint(TRUNCATE)")

            // One row of `pages` overflow pages per commit, each commit alone in a fresh log, so
            // that every frame count from 22 to 45 is tried: at 32 frames (4 KiB pages) the
            // commit frame's header is the last thing that fits in the 128 KiB buffer.
            var expected: Int64 = 0
            for pages in 20..<44 {
                _ = try database.run("INSERT INTO t(b) VALUES (randomblob(?))", [.integer(Int64(pages * 4_000))])
                expected += 1

                let copy = try CoalescingVFSDurabilityTests.countInCopy(of: path, directory: directory)
                #expect(copy.rows == expected, "commit of \(pages) overflow pages")
                #expect(copy.check == "ok", "commit of \(pages) overflow pages")
                try database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            }
        }
    }

    @Test func aCommitWhoseFrameHeadersAreRewrittenIsInTheLogFileWhenItReturns() async throws {
        try await S.withTemporaryDirectory { directory in
            let path = directory + "/store.sqlite"
            let database = try CoalescingVFSDurabilityTests.openNormal(path)
            defer { database.close() }
            try database.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB)")

            // A page cache of 10 pages spills this transaction's pages into the log before the
            // commit; updating the first rows again rewrites frames already in the log, so SQLite
            // rewrites the checksums of the frames from there on, the commit frame's header last.
            try database.execute("PRAGMA cache_size=10")
            try database.execute("BEGIN")
            for _ in 0..<200 {
                _ = try database.run("INSERT INTO t(b) VALUES (randomblob(300))")
            }
            _ = try database.run("UPDATE t SET b = randomblob(300) WHERE id <= 20")
            try database.execute("COMMIT")

            let copy = try CoalescingVFSDurabilityTests.countInCopy(of: path, directory: directory)
            #expect(copy.rows == 200)
            #expect(copy.check == "ok")
        }
    }
}
