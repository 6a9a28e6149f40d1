import Foundation
import Testing

@testable import Inlet

/// Retention walks event logs in id order (there is no index on time): it deletes the oldest logs
/// up to the first one inside the retention period.
@Suite struct StoreRetentionTests {
    typealias S = StoreTestSupport

    static func ids(_ store: Store, _ table: String) throws -> [Int64] {
        let column = table == "action_logs" ? "event_log_id" : "id"
        return try store.read { reader in
            try reader.database.query("SELECT \(column) FROM \(table) ORDER BY \(column)") { $0.int64(0) }
        }
    }

    @Test func eventLogsHaveNoTimeIndex() async throws {
        let store = try S.memoryStore()
        defer { store.close() }
        let indexes = try store.read { reader in
            try reader.database.query(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'event_logs' ORDER BY name"
            ) { $0.string(0) ?? "" }
        }
        #expect(indexes == ["event_logs_by_event", "event_logs_by_source"])
    }

    @Test func pruneDeletesTheOldLogsBehindANewerStampedOne() async throws {
        let store = try S.memoryStore()
        defer { store.close() }
        // Ids 1-3 old, 4 recent, 5-6 stamped old again (a clock that was ahead, set back).
        let stamps: [Int64] = [1_000, 1_001, 1_002, 9_000, 1_003, 1_004]
        for (index, stamp) in stamps.enumerated() {
            _ = try await store.ingest(
                S.event(
                    id: "evt_\(index)",
                    actions: [S.planned(.deleteTenant(id: "t\(index)"))],
                    receivedAtMs: stamp,
                    windowMs: 1
                )
            )
        }

        let first = try await store.prune(olderThanMs: 5_000, nowMs: 9_000)
        #expect(first.eventLogs == 5)
        #expect(first.actionLogs == 5)
        #expect(try Self.ids(store, "event_logs") == [4])
        #expect(try Self.ids(store, "action_logs") == [4])
        #expect(store.eventLogCount == 1)

        // Once the newer-stamped log is old too, it goes.
        let second = try await store.prune(olderThanMs: 10_000, nowMs: 10_000)
        #expect(second.eventLogs == 1)
        #expect(second.actionLogs == 1)
        #expect(try Self.ids(store, "event_logs") == [])
        #expect(try Self.ids(store, "action_logs") == [])
        #expect(store.eventLogCount == 0)
    }

    /// One log stamped far in the future (a clock stepped forward by years, then corrected) must
    /// not stop retention for everything received after it: it stopped the walk before.
    @Test func aFutureStampedLogDoesNotHoldBackRetentionAcrossManyBatches() async throws {
        let store = try S.memoryStore()
        defer { store.close() }
        let count = Store.pruneBatchSize * 2 + 7
        for index in 0..<count {
            _ = try await store.ingest(
                S.event(
                    id: "evt_\(index)",
                    actions: [S.planned(.deleteTenant(id: "t\(index)"))],
                    receivedAtMs: index == 1 ? 9_000_000 : 1_000 + Int64(index),
                    windowMs: 1
                )
            )
        }

        let report = try await store.prune(olderThanMs: 5_000, nowMs: 5_000)
        #expect(report.eventLogs == count - 1)
        #expect(report.actionLogs == count - 1)
        #expect(try Self.ids(store, "event_logs") == [2])
        #expect(try Self.ids(store, "action_logs") == [2])
        #expect(store.eventLogCount == 1)
    }

    @Test func pruneOfNothingOldKeepsEverything() async throws {
        let store = try S.memoryStore()
        defer { store.close() }
        for index in 0..<3 {
            _ = try await store.ingest(
                S.event(id: "evt_\(index)", actions: [S.planned(.deleteTenant(id: "t"))], receivedAtMs: 8_000)
            )
        }
        let report = try await store.prune(olderThanMs: 5_000, nowMs: 8_000)
        #expect(report.eventLogs == 0)
        #expect(report.actionLogs == 0)
        #expect(try Self.ids(store, "event_logs") == [1, 2, 3])
    }
}
