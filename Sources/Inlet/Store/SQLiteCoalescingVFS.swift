import CSQLite

/// A SQLite VFS that wraps the default one and writes each commit's log frames with one call.
///
/// Every file opened through it forwards each method to the default VFS's file, except that the
/// writes to a write-ahead log go through a `LogWriteCoalescer`: a commit of 40 pages becomes two
/// `pwrite` calls instead of 80 (on our VMs a call costs 2-4 us whatever its size). The bytes
/// written, their offsets and their order relative to every sync, read, truncation and close are
/// the same as without it (buffered bytes are written first, and a commit frame's header and page
/// are written before SQLite can publish the commit), so durability and crash recovery are
/// SQLite's own. Database and journal files are not buffered at all.
///
/// The file object SQLite allocates for us is laid out as: the `sqlite3_file` header (its method
/// table), a pointer to the log's coalescer (nil for other files), then the wrapped file.
enum SQLiteCoalescingVFS {
    /// The name connections pass to `sqlite3_open_v2`, or `nil` when it could not be registered
    /// (connections then use the default VFS). Registered once, for the process's lifetime.
    static let registeredName: String? = SQLiteCoalescingVFS.register()

    private static let vfsName = "inlet-coalescing"
    private static let coalescerOffset = MemoryLayout<sqlite3_file>.stride
    private static let wrappedOffset = MemoryLayout<sqlite3_file>.stride + MemoryLayout<UnsafeMutableRawPointer?>.stride

    /// The default VFS, set once by `register()` before any file is opened through ours.
    // nonisolated(unsafe): written once inside the `registeredName` initializer (run once, before
    // the VFS exists), only read afterwards.
    nonisolated(unsafe) private static var wrapped: UnsafeMutablePointer<sqlite3_vfs>?

    /// Our method table, set once by `register()`.
    // nonisolated(unsafe): as `wrapped`, written once before the VFS is registered.
    nonisolated(unsafe) private static var methods: UnsafeMutablePointer<sqlite3_io_methods>?

    private static func register() -> String? {
        guard let base = sqlite3_vfs_find(nil), let name = strdupName() else { return nil }
        SQLiteCoalescingVFS.wrapped = base
        SQLiteCoalescingVFS.methods = SQLiteCoalescingVFS.makeMethods()

        let vfs = UnsafeMutablePointer<sqlite3_vfs>.allocate(capacity: 1)
        vfs.initialize(to: base.pointee)
        vfs.pointee.pNext = nil
        vfs.pointee.zName = UnsafePointer(name)
        vfs.pointee.szOsFile = Int32(SQLiteCoalescingVFS.wrappedOffset) + base.pointee.szOsFile
        vfs.pointee.xOpen = { _, name, file, flags, outFlags in
            SQLiteCoalescingVFS.open(name: name, file: file, flags: flags, outFlags: outFlags)
        }
        guard sqlite3_vfs_register(vfs, 0) == SQLITE_OK else { return nil }
        return SQLiteCoalescingVFS.vfsName
    }

    private static func strdupName() -> UnsafeMutablePointer<CChar>? {
        let bytes = Array(SQLiteCoalescingVFS.vfsName.utf8CString)
        let name = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
        name.initialize(from: bytes, count: bytes.count)
        return name
    }

    // MARK: - Opening

    private static func open(
        name: UnsafePointer<CChar>?,
        file: UnsafeMutablePointer<sqlite3_file>?,
        flags: Int32,
        outFlags: UnsafeMutablePointer<Int32>?
    ) -> Int32 {
        guard let file, let base = SQLiteCoalescingVFS.wrapped, let open = base.pointee.xOpen else {
            return SQLITE_CANTOPEN
        }
        let raw = UnsafeMutableRawPointer(file)
        file.pointee.pMethods = nil
        raw.storeBytes(of: nil, toByteOffset: SQLiteCoalescingVFS.coalescerOffset, as: UnsafeMutableRawPointer?.self)
        let inner = SQLiteCoalescingVFS.inner(file)
        inner.pointee.pMethods = nil

        let result = open(base, name, inner, flags, outFlags)
        // A failed open that left a method table still needs its xClose: SQLite calls ours.
        guard inner.pointee.pMethods != nil else { return result }
        if result == SQLITE_OK, flags & SQLITE_OPEN_WAL != 0 {
            let coalescer = Unmanaged.passRetained(LogWriteCoalescer()).toOpaque()
            raw.storeBytes(
                of: coalescer,
                toByteOffset: SQLiteCoalescingVFS.coalescerOffset,
                as: UnsafeMutableRawPointer?.self
            )
        }
        file.pointee.pMethods = UnsafePointer(SQLiteCoalescingVFS.methods)
        return result
    }

    // MARK: - The file's parts

    private static func inner(_ file: UnsafeMutablePointer<sqlite3_file>) -> UnsafeMutablePointer<sqlite3_file> {
        (UnsafeMutableRawPointer(file) + SQLiteCoalescingVFS.wrappedOffset).assumingMemoryBound(to: sqlite3_file.self)
    }

    private static func coalescer(_ file: UnsafeMutablePointer<sqlite3_file>) -> LogWriteCoalescer? {
        let raw = UnsafeMutableRawPointer(file).load(
            fromByteOffset: SQLiteCoalescingVFS.coalescerOffset,
            as: UnsafeMutableRawPointer?.self
        )
        return raw.map { Unmanaged<LogWriteCoalescer>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Whether `file` was opened through this VFS and its writes go through a coalescer (true
    /// for write-ahead logs).
    static func coalesces(_ file: UnsafeMutablePointer<sqlite3_file>) -> Bool {
        guard let methods = SQLiteCoalescingVFS.methods, file.pointee.pMethods == UnsafePointer(methods) else {
            return false
        }
        return SQLiteCoalescingVFS.coalescer(file) != nil
    }

    /// The wrapped file's method table (present on every file we hand out).
    private static func innerMethods(_ file: UnsafeMutablePointer<sqlite3_file>) -> sqlite3_io_methods? {
        SQLiteCoalescingVFS.inner(file).pointee.pMethods?.pointee
    }

    /// Writes what the coalescer holds, if anything; SQLite's result code.
    private static func flush(_ file: UnsafeMutablePointer<sqlite3_file>) -> Int32 {
        guard let coalescer = SQLiteCoalescingVFS.coalescer(file), let pending = coalescer.pending else {
            return SQLITE_OK
        }
        return SQLiteCoalescingVFS.write(file, coalescer, pending)
    }

    private static func write(
        _ file: UnsafeMutablePointer<sqlite3_file>,
        _ coalescer: LogWriteCoalescer,
        _ range: LogWriteCoalescer.Flush
    ) -> Int32 {
        defer { coalescer.flushed() }
        guard let write = SQLiteCoalescingVFS.innerMethods(file)?.xWrite, let bytes = coalescer.bytes.baseAddress else {
            return SQLITE_IOERR
        }
        let result = write(SQLiteCoalescingVFS.inner(file), bytes, Int32(range.count), range.offset)
        // The buffered bytes may belong to earlier statements of the transaction. SQLite answers
        // SQLITE_FULL (disk full) by rolling back the failing statement alone, which would let the
        // transaction commit without them; SQLITE_IOERR makes it roll back the whole transaction.
        return result == SQLITE_OK ? SQLITE_OK : SQLITE_IOERR
    }

    // MARK: - Methods

    /// Calls the wrapped file's method through `call`; `missing` when there is no file or method.
    private static func forward(
        _ file: UnsafeMutablePointer<sqlite3_file>?,
        missing: Int32,
        _ call: (UnsafeMutablePointer<sqlite3_file>, sqlite3_io_methods) -> Int32?
    ) -> Int32 {
        guard let file, let methods = SQLiteCoalescingVFS.innerMethods(file) else { return missing }
        return call(SQLiteCoalescingVFS.inner(file), methods) ?? missing
    }

    /// `forward`, after writing what the coalescer holds (the flush's error, if it fails): the
    /// wrapped file then sees every byte written so far.
    private static func forwardAfterFlush(
        _ file: UnsafeMutablePointer<sqlite3_file>?,
        missing: Int32,
        _ call: (UnsafeMutablePointer<sqlite3_file>, sqlite3_io_methods) -> Int32?
    ) -> Int32 {
        if let file {
            let flushed = SQLiteCoalescingVFS.flush(file)
            guard flushed == SQLITE_OK else { return flushed }
        }
        return SQLiteCoalescingVFS.forward(file, missing: missing, call)
    }

    private static func makeMethods() -> UnsafeMutablePointer<sqlite3_io_methods> {
        var methods = sqlite3_io_methods()
        methods.iVersion = 3
        methods.xClose = { file in
            guard let file else { return SQLITE_OK }
            let flushed = SQLiteCoalescingVFS.flush(file)
            let raw = UnsafeMutableRawPointer(file)
            if let coalescer = raw.load(
                fromByteOffset: SQLiteCoalescingVFS.coalescerOffset,
                as: UnsafeMutableRawPointer?.self
            ) {
                Unmanaged<LogWriteCoalescer>.fromOpaque(coalescer).release()
                raw.storeBytes(
                    of: nil,
                    toByteOffset: SQLiteCoalescingVFS.coalescerOffset,
                    as: UnsafeMutableRawPointer?.self
                )
            }
            let closed = SQLiteCoalescingVFS.forward(file, missing: SQLITE_OK) { $1.xClose?($0) }
            return flushed != SQLITE_OK ? flushed : closed
        }
        methods.xRead = { file, buffer, amount, offset in
            SQLiteCoalescingVFS.forwardAfterFlush(file, missing: SQLITE_IOERR) { $1.xRead?($0, buffer, amount, offset) }
        }
        methods.xWrite = { file, buffer, amount, offset in
            guard let file, let coalescer = SQLiteCoalescingVFS.coalescer(file), let buffer, amount >= 0 else {
                return SQLiteCoalescingVFS.forward(file, missing: SQLITE_IOERR) {
                    $1.xWrite?($0, buffer, amount, offset)
                }
            }
            let data = UnsafeRawBufferPointer(start: buffer, count: Int(amount))
            if let range = coalescer.flushBefore(writing: data, at: offset) {
                let written = SQLiteCoalescingVFS.write(file, coalescer, range)
                guard written == SQLITE_OK else { return written }
            }
            if coalescer.bypasses(data) {
                return SQLiteCoalescingVFS.forward(file, missing: SQLITE_IOERR) {
                    $1.xWrite?($0, buffer, amount, offset)
                }
            }
            if let range = coalescer.append(data, at: offset) {
                return SQLiteCoalescingVFS.write(file, coalescer, range)
            }
            return SQLITE_OK
        }
        methods.xTruncate = { file, size in
            SQLiteCoalescingVFS.forwardAfterFlush(file, missing: SQLITE_IOERR) { $1.xTruncate?($0, size) }
        }
        methods.xSync = { file, flags in
            SQLiteCoalescingVFS.forwardAfterFlush(file, missing: SQLITE_IOERR) { $1.xSync?($0, flags) }
        }
        methods.xFileSize = { file, size in
            SQLiteCoalescingVFS.forwardAfterFlush(file, missing: SQLITE_IOERR) { $1.xFileSize?($0, size) }
        }
        methods.xLock = { file, level in
            SQLiteCoalescingVFS.forward(file, missing: SQLITE_IOERR) { $1.xLock?($0, level) }
        }
        methods.xUnlock = { file, level in
            SQLiteCoalescingVFS.forward(file, missing: SQLITE_IOERR) { $1.xUnlock?($0, level) }
        }
        methods.xCheckReservedLock = { file, result in
            SQLiteCoalescingVFS.forward(file, missing: SQLITE_IOERR) { $1.xCheckReservedLock?($0, result) }
        }
        methods.xFileControl = { file, operation, argument in
            // Some controls touch the file (size hints, syncs): they see every byte written so far.
            SQLiteCoalescingVFS.forwardAfterFlush(file, missing: SQLITE_NOTFOUND) {
                $1.xFileControl?($0, operation, argument)
            }
        }
        methods.xSectorSize = { file in
            SQLiteCoalescingVFS.forward(file, missing: 4096) { $1.xSectorSize?($0) }
        }
        methods.xDeviceCharacteristics = { file in
            SQLiteCoalescingVFS.forward(file, missing: 0) { $1.xDeviceCharacteristics?($0) }
        }
        methods.xShmMap = { file, page, pageSize, extend, pointer in
            SQLiteCoalescingVFS.forward(file, missing: SQLITE_IOERR) {
                $1.xShmMap?($0, page, pageSize, extend, pointer)
            }
        }
        methods.xShmLock = { file, offset, count, flags in
            SQLiteCoalescingVFS.forward(file, missing: SQLITE_IOERR) { $1.xShmLock?($0, offset, count, flags) }
        }
        methods.xShmBarrier = { file in
            guard let file else { return }
            SQLiteCoalescingVFS.innerMethods(file)?.xShmBarrier?(SQLiteCoalescingVFS.inner(file))
        }
        methods.xShmUnmap = { file, delete in
            SQLiteCoalescingVFS.forward(file, missing: SQLITE_OK) { $1.xShmUnmap?($0, delete) }
        }
        methods.xFetch = { file, offset, amount, pointer in
            // A file without memory mapping answers "no mapping", which SQLite reads through xRead.
            SQLiteCoalescingVFS.forwardAfterFlush(file, missing: SQLITE_IOERR) { inner, methods in
                guard let fetch = methods.xFetch else {
                    pointer?.pointee = nil
                    return SQLITE_OK
                }
                return fetch(inner, offset, amount, pointer)
            }
        }
        methods.xUnfetch = { file, offset, pointer in
            SQLiteCoalescingVFS.forward(file, missing: SQLITE_OK) { $1.xUnfetch?($0, offset, pointer) }
        }

        let table = UnsafeMutablePointer<sqlite3_io_methods>.allocate(capacity: 1)
        table.initialize(to: methods)
        return table
    }
}
