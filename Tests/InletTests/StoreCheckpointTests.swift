import Foundation
import Synchronization
import Testing

@testable import Inlet

/// Checkpoints of a file store happen off the writer and keep the write-ahead log bounded.
@Suite struct StoreCheckpointTests {
    typealias S = StoreTestSupport

    /// Ingests `count` events with 32 in flight, as 32 connections would.
    private static func ingest(_ store: Store, count: Int) async throws {
        let slots = DispatchSemaphore(value: 32)
        let done = DispatchGroup()
        let failures = Atomic<Int>(0)
        for index in 0..<count {
            slots.wait()
            done.enter()
            var event = S.event(
                id: "evt_\(index)",
                actions: [S.planned(.identifyUser(id: "u\(index)", properties: S.object(["n": .integer(index)])))]
            )
            event.rawBody = Array(String(repeating: "x", count: 1_500).utf8)
            store.ingest(event) { result in
                if case .failure = result {
                    failures.add(1, ordering: .relaxed)
                }
                slots.signal()
                done.leave()
            }
        }
        await withCheckedContinuation { continuation in
            done.notify(queue: .global()) { continuation.resume() }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
    }

    @Test func theLogStaysBoundedAndCheckpointsRunInTheBackground() async throws {
        try await S.withTemporaryDirectory { directory in
            let path = directory + "/store.sqlite"
            let limit = 256
            let store = try Store.open(
                path: path,
                logger: Logger(level: .critical, sink: .memory()),
                checkpointFrames: (interval: 32, limit: limit)
            )
            defer { store.close() }
            try await StoreCheckpointTests.ingest(store, count: 3_000)

            let checkpointer = try #require(store.checkpointer)
            #expect(checkpointer.completedCheckpoints > 0)
            #expect(checkpointer.writerCatchUps > 0)
            // The log file only grows to its largest extent: the limit plus what the batches
            // committed while a catch-up checkpoint was pending (measured up to ~930 frames under a
            // parallel test run). Without checkpoints 3,000 events leave well over 12 MB of log, so
            // eight times the limit (about 8.4 MB) still tells bounded from unbounded.
            let walBytes = try #require(
                try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int
            )
            let frameBytes = 4_096 + 24
            #expect(walBytes <= 32 + limit * 8 * frameBytes, "WAL is \(walBytes) bytes")

            #expect(store.eventLogCount == 3_000)
            let stats = try store.read { try $0.sourceStats(environment: S.environment, sourceKey: "workos") }
            #expect(stats.eventsReceived == 3_000)
            #expect(try S.user(store, "u2999")?["n"] == 2_999)
        }
    }

    @Test func everythingIsThereAfterReopening() async throws {
        try await S.withTemporaryDirectory { directory in
            let path = directory + "/store.sqlite"
            do {
                let store = try Store.open(
                    path: path,
                    logger: Logger(level: .critical, sink: .memory()),
                    checkpointFrames: (interval: 16, limit: 64)
                )
                try await StoreCheckpointTests.ingest(store, count: 500)
                store.close()
            }
            let reopened = try Store.open(path: path, logger: Logger(level: .critical, sink: .memory()))
            defer { reopened.close() }
            #expect(reopened.eventLogCount == 500)
            #expect(try S.user(reopened, "u499")?["n"] == 499)
            let integrity = try reopened.read { reader in
                try reader.database.queryFirst("PRAGMA integrity_check") { $0.string(0) } ?? nil
            }
            #expect(integrity == "ok")
        }
    }
}
