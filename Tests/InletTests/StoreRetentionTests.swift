import Foundation
import Testing

@testable import Inlet

/// Retention walks event logs in id order (there is no index on time): it deletes the oldest logs
/// received before the cut, and always keeps the newest log so that ids are never handed out again.
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

        // 6, the newest, stays although old: it keeps the next id at 7.
        let first = try await store.prune(olderThanMs: 5_000, nowMs: 9_000)
        #expect(first.eventLogs == 4)
        #expect(first.actionLogs == 4)
        #expect(try Self.ids(store, "event_logs") == [4, 6])
        #expect(try Self.ids(store, "action_logs") == [4, 6])
        #expect(store.eventLogCount == 2)

        // Once the newer-stamped log is old too, it goes; the newest still stays.
        let second = try await store.prune(olderThanMs: 10_000, nowMs: 10_000)
        #expect(second.eventLogs == 1)
        #expect(second.actionLogs == 1)
        #expect(try Self.ids(store, "event_logs") == [6])
        #expect(try Self.ids(store, "action_logs") == [6])
        #expect(store.eventLogCount == 1)
    }

    @Test func idsAreNeverHandedOutAgainAfterEverythingOldWasPruned() async throws {
        let store = try S.memoryStore()
        defer { store.close() }
        for index in 0..<3 {
            _ = try await store.ingest(S.event(id: "old_\(index)", actions: [], receivedAtMs: 1_000, windowMs: 1))
        }
        _ = try await store.prune(olderThanMs: 5_000, nowMs: 5_000)
        #expect(try Self.ids(store, "event_logs") == [3])

        guard case .processed(let id, _) = try await store.ingest(S.event(id: "new", actions: [], receivedAtMs: 6_000))
        else {
            Issue.record("a new event must be processed")
            return
        }
        #expect(id == 4, "a pruned id must never name a new event")
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
        #expect(report.eventLogs == count - 2)
        #expect(report.actionLogs == count - 2)
        #expect(try Self.ids(store, "event_logs") == [2, Int64(count)], "the future one, and the newest")
        #expect(try Self.ids(store, "action_logs") == [2, Int64(count)])
        #expect(store.eventLogCount == 2)
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
