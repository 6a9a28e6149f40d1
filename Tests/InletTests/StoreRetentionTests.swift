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

    @Test func pruneStopsAtTheFirstLogInsideTheRetentionPeriod() async throws {
        let store = try S.memoryStore()
        defer { store.close() }
        // Ids 1-3 old, 4 recent, 5-6 stamped old again (a clock set back).
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
        #expect(first.eventLogs == 3)
        #expect(first.actionLogs == 3)
        #expect(try Self.ids(store, "event_logs") == [4, 5, 6])
        #expect(try Self.ids(store, "action_logs") == [4, 5, 6])
        #expect(store.eventLogCount == 3)

        // Once the newer-stamped log is old too, the ones behind it go with it.
        let second = try await store.prune(olderThanMs: 10_000, nowMs: 10_000)
        #expect(second.eventLogs == 3)
        #expect(second.actionLogs == 3)
        #expect(try Self.ids(store, "event_logs") == [])
        #expect(try Self.ids(store, "action_logs") == [])
        #expect(store.eventLogCount == 0)
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
