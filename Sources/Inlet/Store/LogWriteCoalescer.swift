/// Joins the many small writes SQLite makes to a write-ahead log into a few large ones.
///
/// SQLite appends each log frame with two writes (a 24-byte header, then the page), so a commit
/// of 40 pages costs 80 `pwrite` calls (2 with the coalescer); on our machines a call costs 2-4 us
/// whatever its size, while one write of the same 165 KB costs about 10 us. The coalescer keeps consecutive writes
/// in one buffer and hands them on as one write when:
/// - a write does not continue the buffered range, or would overflow the buffer;
/// - a commit frame's header (one whose "database size after commit" field is not zero) was
///   appended, and again when that frame's page follows it: so a commit's frames are in the file
///   when SQLite goes on to publish it, whatever the `synchronous` setting. The header goes out at
///   once, not with its page, because SQLite also writes commit headers with no page behind them
///   (it rewrites the checksums of frames it overwrote within the transaction, the commit frame's
///   last, with no later call on the log), and because the page may not fit behind the header;
/// - the file is read, synced, truncated, sized, controlled or closed (`flushNeeded`).
///
/// Pure bookkeeping, no I/O: `SQLiteCoalescingVFS` asks what to write and does it. One instance
/// belongs to one open log file, used by one connection at a time (SQLite's own rule), so it is
/// not `Sendable`.
final class LogWriteCoalescer {
    /// A range to write: `count` bytes from the buffer's start, at `offset` in the file.
    struct Flush: Equatable {
        /// Where the bytes go in the file.
        var offset: Int64

        /// How many bytes, from the start of the buffer.
        var count: Int
    }

    /// The size of a log frame header.
    static let frameHeaderSize = 24

    /// The buffer's capacity in bytes.
    let capacity: Int

    /// The buffered bytes (valid for `count` bytes).
    let bytes: UnsafeMutableRawBufferPointer

    /// How many bytes are buffered.
    private(set) var count = 0

    /// The file offset of the first buffered byte.
    private(set) var offset: Int64 = 0

    /// Where the page of the last commit frame header appended goes, until the next append.
    private var commitPageOffset: Int64?

    /// The largest write SQLite's unix VFS accepts in one call: it masks each request to 17 bits
    /// (`seekAndWriteFd`, "nBuf &= 0x1ffff"), as SQLite itself never asks for more.
    static let largestWrite = 0x1ffff

    /// An empty coalescer holding up to `capacity` bytes (at most `largestWrite`).
    init(capacity: Int = LogWriteCoalescer.largestWrite) {
        self.capacity = min(max(capacity, 64), LogWriteCoalescer.largestWrite)
        self.bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit {
        self.bytes.deallocate()
    }

    /// Whether bytes are waiting to be written.
    var flushNeeded: Bool {
        self.count > 0
    }

    /// What must be written before `data` can be taken at `offset`: the buffered range, when
    /// `data` does not continue it or does not fit behind it; `nil` otherwise.
    func flushBefore(writing data: UnsafeRawBufferPointer, at offset: Int64) -> Flush? {
        guard self.count > 0 else { return nil }
        let continues = offset == self.offset + Int64(self.count)
        let fits = self.count + data.count <= self.capacity
        return continues && fits ? nil : self.pending
    }

    /// Whether `data` is too large to buffer at all (it is written straight through, after any
    /// buffered bytes).
    func bypasses(_ data: UnsafeRawBufferPointer) -> Bool {
        data.count > self.capacity
    }

    /// Takes `data` at `offset` (call `flushBefore` first and write what it returns, then
    /// `flushed()`). Returns the range to write now when `data` is a commit frame's header or the
    /// page that follows it.
    func append(_ data: UnsafeRawBufferPointer, at offset: Int64) -> Flush? {
        if self.count == 0 {
            self.offset = offset
        }
        if let source = data.baseAddress, let target = self.bytes.baseAddress, !data.isEmpty {
            (target + self.count).copyMemory(from: source, byteCount: data.count)
        }
        self.count += data.count

        let commitPage = self.commitPageOffset == offset
        self.commitPageOffset = nil
        if data.count == LogWriteCoalescer.frameHeaderSize, LogWriteCoalescer.isCommitFrameHeader(data) {
            self.commitPageOffset = offset + Int64(LogWriteCoalescer.frameHeaderSize)
            return self.pending
        }
        return commitPage ? self.pending : nil
    }

    /// The whole buffered range, or `nil` when empty.
    var pending: Flush? {
        self.count > 0 ? Flush(offset: self.offset, count: self.count) : nil
    }

    /// Forgets the buffered bytes once written (or once the write failed: SQLite then abandons the
    /// transaction those frames belonged to).
    func flushed() {
        self.count = 0
    }

    /// Whether a frame header says its frame ends a commit: bytes 4-7, the database size in pages
    /// after the commit, are not zero (https://www.sqlite.org/fileformat.html#walformat).
    static func isCommitFrameHeader(_ header: UnsafeRawBufferPointer) -> Bool {
        guard header.count >= 8 else { return false }
        return header[4] | header[5] | header[6] | header[7] != 0
    }
}
