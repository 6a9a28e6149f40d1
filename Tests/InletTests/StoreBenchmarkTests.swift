import Foundation
import Synchronization
import Testing

@testable import Inlet

/// A throughput probe of durable ingestion, run only when `INLET_STORE_BENCH` is set; it prints
/// numbers and asserts only correctness (timings are never asserted).
@Suite struct StoreBenchmarkTests {
    typealias S = StoreTestSupport

    @Test(.enabled(if: ProcessInfo.processInfo.environment["INLET_STORE_BENCH"] != nil))
    func ingestThroughput() async throws {
        let total = Int(ProcessInfo.processInfo.environment["INLET_STORE_BENCH"] ?? "") ?? 20_000
        let inFlight = 256
        try await S.withTemporaryDirectory { directory in
            let store = try Store.open(
                path: directory + "/bench.sqlite",
                logger: Logger(level: .critical, sink: .memory())
            )
            defer { store.close() }
            let batches = Mutex<(count: Int, jobs: Int, seconds: Double)>((0, 0, 0))
            store.onCommit = { size, seconds in
                batches.withLock { $0 = ($0.count + 1, $0.jobs + size, $0.seconds + seconds) }
            }
            let padding = String(repeating: "x", count: 1_200)
            func event(_ index: Int) -> IngestEvent {
                let body: JSON = [
                    "id": .string("evt_\(index)"),
                    "event": "dsync.user.created",
                    "data": [
                        "id": .string("user_\(index)"), "email": .string("u\(index)@example.com"),
                        "pad": .string(padding),
                    ],
                ]
                var event = S.event(
                    id: "evt_\(index)",
                    actions: [
                        S.planned(
                            .identifyUser(
                                id: "user_\(index % 5_000)",
                                properties: S.object(["email": .string("u\(index)@example.com"), "first_name": "A"])
                            )
                        )
                    ]
                )
                event.rawBody = body.serializedBytes()
                return event
            }

            let start = Date()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<total {
                    if index >= inFlight {
                        try await group.next()
                    }
                    group.addTask {
                        guard case .processed = try await store.ingest(event(index)) else {
                            throw StoreError(.other, "not processed")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = Date().timeIntervalSince(start)
            let stats = batches.withLock { $0 }
            print(
                """
                store bench: \(total) events in \(String(format: "%.2f", elapsed)) s = \
                \(Int(Double(total) / elapsed)) events/s; \(stats.count) commits, \
                mean batch \(stats.jobs / max(1, stats.count)), mean batch time \
                \(String(format: "%.2f", stats.seconds / Double(max(1, stats.count)) * 1000)) ms
                """
            )
            #expect(store.eventLogCount == total)
        }
    }
}
