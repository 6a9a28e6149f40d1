import Glibc

/// The three epoll calls, reached through `dlsym` because Swift's Glibc module does not import
/// `<sys/epoll.h>` (as `MallocTuning` reaches `mallopt`); `nil` when the C library has no epoll.
private struct EpollCalls: Sendable {
    typealias Create = @convention(c) (Int32) -> Int32
    typealias Control = @convention(c) (Int32, Int32, Int32, UnsafeMutableRawPointer?) -> Int32
    typealias Wait = @convention(c) (Int32, UnsafeMutableRawPointer?, Int32, Int32) -> Int32

    let create: Create
    let control: Control
    let wait: Wait

    static let shared: EpollCalls? = {
        guard let create = dlsym(nil, "epoll_create1"),
            let control = dlsym(nil, "epoll_ctl"),
            let wait = dlsym(nil, "epoll_wait")
        else {
            return nil
        }
        return EpollCalls(
            create: unsafeBitCast(create, to: Create.self),
            control: unsafeBitCast(control, to: Control.self),
            wait: unsafeBitCast(wait, to: Wait.self)
        )
    }()
}

/// `<sys/epoll.h>` constants (Linux, all architectures).
private enum EpollConstant {
    static let cloexec: Int32 = 0o2000000
    static let add: Int32 = 1
    static let delete: Int32 = 2
    static let modify: Int32 = 3
    static let input: UInt32 = 0x001
    static let output: UInt32 = 0x004
    static let error: UInt32 = 0x008
    static let hangup: UInt32 = 0x010
    static let readHangup: UInt32 = 0x2000
    /// `struct epoll_event` is packed on x86-64 (4 + 8 bytes) and 16 bytes elsewhere.
    #if arch(x86_64)
    static let eventSize = 12
    static let dataOffset = 4
    #else
    static let eventSize = 16
    static let dataOffset = 8
    #endif
}

/// A level-triggered epoll instance: the readiness of one event loop's connection sockets; the
/// only HTTP file that calls epoll.
///
/// An event loop watches this one descriptor with a single Dispatch read source instead of one
/// source per socket: libdispatch re-arms a source through its manager thread after every
/// event, so one source for all of a loop's sockets costs one such round trip per wake-up instead
/// of one per request. Not thread-safe: owned and used by one event loop on its queue.
final class Poller {
    /// What one socket is ready for.
    struct Event {
        /// The token the socket was registered with.
        var token: UInt64
        /// Readable, or the peer closed or reset (a read then tells which).
        var readable: Bool
        /// Writable, or failed (a write then tells how).
        var writable: Bool
    }

    /// The epoll descriptor (readable while any watched socket is ready).
    let descriptor: Int32

    private let calls: EpollCalls
    private let events: UnsafeMutableRawBufferPointer

    /// The most events one `poll` returns.
    static let batchSize = 64

    /// A new epoll instance; `nil` when the system refuses one (out of descriptors) or has no
    /// epoll.
    init?() {
        guard let calls = EpollCalls.shared else {
            return nil
        }
        let descriptor = calls.create(EpollConstant.cloexec)
        guard descriptor >= 0 else {
            return nil
        }
        self.calls = calls
        self.descriptor = descriptor
        self.events = .allocate(byteCount: Poller.batchSize * EpollConstant.eventSize, alignment: 8)
    }

    deinit {
        self.events.deallocate()
    }

    /// Closes the epoll descriptor (once the source watching it is cancelled).
    func close() {
        Glibc.close(self.descriptor)
    }

    /// Watches `socket` for reading and/or writing under `token`, or stops watching it when both
    /// are false (so a socket nobody reads reports nothing, not even a hang-up). `registered` says
    /// whether it is watched now; returns whether it is watched afterwards.
    @discardableResult
    func update(_ socket: Int32, token: UInt64, read: Bool, write: Bool, registered: Bool) -> Bool {
        guard read || write else {
            if registered {
                _ = self.calls.control(self.descriptor, EpollConstant.delete, socket, nil)
            }
            return false
        }
        let flags =
            (read ? EpollConstant.input | EpollConstant.readHangup : 0) | (write ? EpollConstant.output : 0)
        return withUnsafeTemporaryAllocation(byteCount: 16, alignment: 8) { bytes in
            guard let base = bytes.baseAddress else {
                return false
            }
            bytes.initializeMemory(as: UInt8.self, repeating: 0)
            bytes.storeBytes(of: flags, toByteOffset: 0, as: UInt32.self)
            bytes.storeBytes(of: token, toByteOffset: EpollConstant.dataOffset, as: UInt64.self)
            let (first, second) =
                registered ? (EpollConstant.modify, EpollConstant.add) : (EpollConstant.add, EpollConstant.modify)
            return self.calls.control(self.descriptor, first, socket, base) == 0
                || self.calls.control(self.descriptor, second, socket, base) == 0
        }
    }

    /// Calls `body` for each socket ready now (never waits), at most `batchSize`; returns how many.
    @discardableResult
    func poll(_ body: (Event) -> Void) -> Int {
        let count = Int(self.calls.wait(self.descriptor, self.events.baseAddress, Int32(Poller.batchSize), 0))
        let failure = EpollConstant.error | EpollConstant.hangup
        for index in 0..<max(0, count) {
            let offset = index * EpollConstant.eventSize
            let flags = self.events.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            body(
                Event(
                    token: self.events.loadUnaligned(
                        fromByteOffset: offset + EpollConstant.dataOffset,
                        as: UInt64.self
                    ),
                    readable: flags & (EpollConstant.input | EpollConstant.readHangup | failure) != 0,
                    writable: flags & (EpollConstant.output | failure) != 0
                )
            )
        }
        return max(0, count)
    }
}
