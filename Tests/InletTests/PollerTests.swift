import Foundation
import Glibc
import Testing

@testable import Inlet

/// The epoll wrapper the event loops use: readiness by token, interest changes, and no reports
/// for a socket nobody waits on (not even its hang-up).
@Suite struct PollerTests {
    /// A connected pair of non-blocking stream sockets, closed after `body`.
    private func withSocketPair(_ body: (Int32, Int32) throws -> Void) throws {
        var descriptors: [Int32] = [-1, -1]
        let status = descriptors.withUnsafeMutableBufferPointer { buffer in
            socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, buffer.baseAddress)
        }
        try #require(status == 0)
        defer {
            for descriptor in descriptors where descriptor >= 0 {
                Glibc.close(descriptor)
            }
        }
        try body(descriptors[0], descriptors[1])
    }

    private func ready(_ poller: Poller) -> [UInt64: (readable: Bool, writable: Bool)] {
        var found: [UInt64: (readable: Bool, writable: Bool)] = [:]
        poller.poll { event in found[event.token] = (event.readable, event.writable) }
        return found
    }

    @Test func reportsReadinessByTokenAndFollowsInterest() throws {
        let poller = try #require(Poller())
        defer { poller.close() }
        try self.withSocketPair { local, peer in
            var watched = poller.update(local, token: 42, read: true, write: false, registered: false)
            #expect(watched)
            #expect(self.ready(poller).isEmpty)

            let sent = "ping".withCString { Glibc.send(peer, $0, 4, 0) }
            #expect(sent == 4)
            #expect(self.ready(poller)[42]?.readable == true)
            #expect(self.ready(poller)[42]?.writable == false)

            // Level-triggered: still readable until read.
            #expect(self.ready(poller)[42]?.readable == true)
            var buffer = [UInt8](repeating: 0, count: 16)
            #expect(recv(local, &buffer, 16, 0) == 4)
            #expect(self.ready(poller).isEmpty)

            // Write interest: an empty socket buffer is writable at once.
            watched = poller.update(local, token: 42, read: true, write: true, registered: watched)
            #expect(watched)
            #expect(self.ready(poller)[42]?.writable == true)

            // No interest: unwatched, so even the peer's data and hang-up are not reported.
            watched = poller.update(local, token: 42, read: false, write: false, registered: watched)
            #expect(!watched)
            _ = "x".withCString { Glibc.send(peer, $0, 1, 0) }
            shutdown(peer, Int32(SHUT_RDWR))
            #expect(self.ready(poller).isEmpty)

            // Watched again: data and end-of-input read as readable.
            watched = poller.update(local, token: 7, read: true, write: false, registered: watched)
            #expect(watched)
            #expect(self.ready(poller)[7]?.readable == true)
        }
    }

    @Test func aRegisteredFlagOutOfStepStillWorks() throws {
        let poller = try #require(Poller())
        defer { poller.close() }
        try self.withSocketPair { local, _ in
            #expect(poller.update(local, token: 1, read: false, write: true, registered: true))
            #expect(poller.update(local, token: 2, read: false, write: true, registered: false))
            #expect(self.ready(poller)[2]?.writable == true)
        }
    }
}
