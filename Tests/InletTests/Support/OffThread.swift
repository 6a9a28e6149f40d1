import Foundation

/// Runs blocking work (sockets, sleeps) on a thread of its own, so that long tests do not hold a
/// thread of Swift's small cooperative pool while other tests wait for one.
enum OffThread {
    /// Runs `body` on a new thread and returns its result.
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try body() })
            }
            thread.start()
        }
    }
}
