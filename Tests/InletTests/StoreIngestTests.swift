import Foundation
import Synchronization
import Testing

@testable import Inlet

/// Webhook ingestion: idempotency, action logs, event logs, rejected deliveries, retention.
@Suite struct StoreIngestTests {
    typealias S = StoreTestSupport

    private static let trigger = StoreAction.triggerWorkflow(
        key: "directory-user-deleted",
        recipients: [.user(id: "u1", properties: nil)],
        actor: nil,
        data: nil,
        tenant: nil,
        cancellationKey: nil
    )

    private static func runCount(_ store: Store) throws -> Int {
        try store.read {
            try $0.workflowRuns(environment: S.environment, workflow: nil, recipient: nil, page: PageRequest())
        }.entries.count
    }

    @Test func fiftyConcurrentCopiesApplyOnce() async throws {
        let store = try S.memoryStore()
        let event = S.event(id: "evt_1", actions: [S.planned(StoreIngestTests.trigger)])

        let outcomes = try await withThrowingTaskGroup(of: IngestOutcome.self) { group in
            for _ in 0..<50 {
                group.addTask { try await store.ingest(event) }
            }
            var all: [IngestOutcome] = []
            for try await outcome in group {
                all.append(outcome)
            }
            return all
        }

        var processedIDs: [Int64] = []
        var originals: Set<Int64> = []
        for outcome in outcomes {
            switch outcome {
            case .processed(let id, let actions):
                processedIDs.append(id)
                #expect(actions.map(\.status) == [.ok])
            case .duplicate(_, let original):
                originals.insert(original)
            }
        }
        #expect(processedIDs.count == 1)
        #expect(outcomes.count == 50)
        #expect(originals == Set(processedIDs))
        #expect(try StoreIngestTests.runCount(store) == 1)
        #expect(store.eventLogCount == 50)

        let duplicates = try store.read {
            try $0.eventLogs(
                environment: S.environment,
                sourceKey: "workos",
                event: nil,
                status: "duplicate",
                includeActions: true,
                page: PageRequest()
            )
        }
        #expect(duplicates.entries.count == 49)
        #expect(duplicates.entries.allSatisfy { $0["actions"] == [] })
        #expect(
            try store.read { try $0.sourceStats(environment: S.environment, sourceKey: "workos") }.eventsReceived == 50
        )
    }

    @Test func eventWithErrorActionIsNotRemembered() async throws {
        let store = try S.memoryStore()
        let failing = S.event(
            id: "evt_2",
            actions: [
                PlannedAction(
                    type: .workflowsTrigger,
                    mappingIndex: 3,
                    parameters: [:],
                    payload: [:],
                    decision: .error(reason: "workflow key unknown")
                ),
                S.planned(.identifyUser(id: "u1", properties: S.object(["name": "A"])), index: 0),
            ]
        )
        let first = try await store.ingest(failing)
        guard case .processed(let firstID, let actions) = first else {
            Issue.record("expected processed")
            return
        }
        #expect(actions.map(\.status) == [.error, .ok])
        #expect(actions.first?.reason == "workflow key unknown")
        // The other action still ran.
        #expect(try S.user(store, "u1")?["name"] == "A")
        #expect(
            try store.read { try $0.eventLog(environment: S.environment, sourceKey: "workos", id: firstID) }?.status
                == "error"
        )

        // Not remembered: the copy runs again.
        guard case .processed = try await store.ingest(failing) else {
            Issue.record("a copy of a failed event must be processed again")
            return
        }

        let good = S.event(
            id: "evt_2",
            actions: [S.planned(.identifyUser(id: "u1", properties: S.object(["name": "B"])))]
        )
        guard case .processed(let goodID, _) = try await store.ingest(good) else {
            Issue.record("expected processed")
            return
        }
        #expect(try await store.ingest(good) == .duplicate(eventLogID: goodID + 1, originalEventLogID: goodID))
    }

    @Test func aStoreFailureMarksOnlyThatActionError() async throws {
        let store = try S.memoryStore()
        // Make SQLite refuse one specific write, as a full disk or a constraint would.
        try await store.write { transaction in
            try transaction.database.execute(
                """
                CREATE TEMP TRIGGER refuse_boom BEFORE INSERT ON tenants WHEN NEW.id = 'boom'
                BEGIN SELECT RAISE(ABORT, 'refused for the test'); END;
                """
            )
        }
        let event = S.event(
            id: "evt_f",
            actions: [
                S.planned(.identifyUser(id: "u1", properties: S.object(["name": "A"])), index: 0),
                S.planned(.setTenant(id: "boom", properties: S.object(["name": "B"])), index: 1),
                S.planned(.setTenant(id: "fine", properties: S.object(["name": "F"])), index: 2),
            ]
        )
        guard case .processed(let id, let actions) = try await store.ingest(event) else {
            Issue.record("expected processed")
            return
        }
        #expect(actions.map(\.status) == [.ok, .error, .ok])
        #expect(actions[1].reason?.contains("refused for the test") == true)
        #expect(try S.user(store, "u1")?["name"] == "A")
        #expect(try store.read { try $0.tenant(environment: S.environment, id: "fine") }?["name"] == "F")
        #expect(try store.read { try $0.tenant(environment: S.environment, id: "boom") } == nil)
        let log = try #require(
            try store.read { try $0.eventLog(environment: S.environment, sourceKey: "workos", id: id) }
        )
        #expect(log.status == "error")
        #expect(log.actions?.map(\.status) == [.ok, .error, .ok])
        // Not remembered: the copy runs again.
        guard case .processed = try await store.ingest(event) else {
            Issue.record("a copy of an event with an error action must run again")
            return
        }
    }

    @Test func aRefusedIdentifyLeavesNothingBehind() async throws {
        // An identify runs without a savepoint (one write): what its failed statement did, a
        // trigger's writes included, must still be undone, and the event's other actions kept.
        let store = try S.memoryStore()
        try await store.write { transaction in
            try transaction.database.execute(
                """
                CREATE TEMP TRIGGER refuse_user BEFORE INSERT ON users WHEN NEW.id = 'boom'
                BEGIN
                    INSERT INTO tenants (environment, id, properties, created_at, updated_at, source_ts)
                    VALUES (NEW.environment, 'side-effect', '{}', 0, 0, 0);
                    SELECT RAISE(ABORT, 'refused for the test');
                END;
                """
            )
        }
        let event = S.event(
            id: "evt_u",
            actions: [
                S.planned(.identifyUser(id: "boom", properties: S.object(["name": "B"])), index: 0),
                S.planned(.identifyUser(id: "fine", properties: S.object(["name": "F"])), index: 1),
            ]
        )
        guard case .processed(_, let actions) = try await store.ingest(event) else {
            Issue.record("expected processed")
            return
        }
        #expect(actions.map(\.status) == [.error, .ok])
        #expect(try S.user(store, "boom") == nil)
        #expect(try S.user(store, "fine")?["name"] == "F")
        #expect(try store.read { try $0.tenant(environment: S.environment, id: "side-effect") } == nil)
        let tenants = try store.read { reader in
            try reader.database.queryFirst("SELECT count(*) FROM tenants") { $0.int64(0) }
        }
        #expect(tenants == 0)
    }

    @Test func skippedActionsAndStaleEventsStillCountAsSuccess() async throws {
        let store = try S.memoryStore()
        try await S.apply(store, .identifyUser(id: "u1", properties: S.object(["name": "New"])), at: 2_000)
        let stale = S.event(
            id: "evt_3",
            actions: [
                S.planned(.identifyUser(id: "u1", properties: S.object(["name": "Old"]))),
                PlannedAction(
                    type: .objectsSet,
                    mappingIndex: 1,
                    parameters: [:],
                    payload: [:],
                    decision: .skipped(reason: "param id missing at data.id")
                ),
                S.planned(.identifyUser(id: String(repeating: "x", count: 300), properties: JSONObject()), index: 2),
            ],
            sourceTimestampMs: 1_000
        )
        guard case .processed(let id, let actions) = try await store.ingest(stale) else {
            Issue.record("expected processed")
            return
        }
        #expect(actions.map(\.status) == [.skipped, .skipped, .skipped])
        #expect(
            actions.map(\.reason) == ["stale", "param id missing at data.id", "user id must be 1 to 256 characters"]
        )
        #expect(try S.user(store, "u1")?["name"] == "New")
        guard case .duplicate(_, let original) = try await store.ingest(stale) else {
            Issue.record("skipped actions are a success: the copy must be a duplicate")
            return
        }
        #expect(original == id)
    }

    @Test func sameDeletionTwiceAndUnderANewEventID() async throws {
        let store = try S.memoryStore()
        try await S.apply(store, .identifyUser(id: "u1", properties: S.object(["name": "A"])), at: 1_000)
        let delete = S.planned(.deleteUser(id: "u1"))
        let first = try await store.ingest(S.event(id: "evt_del", actions: [delete], sourceTimestampMs: 5_000))
        let copy = try await store.ingest(S.event(id: "evt_del", actions: [delete], sourceTimestampMs: 5_000))
        let renamed = try await store.ingest(S.event(id: "evt_del_2", actions: [delete], sourceTimestampMs: 5_000))

        guard case .processed(_, let firstActions) = first, case .duplicate = copy,
            case .processed(_, let renamedActions) = renamed
        else {
            Issue.record("unexpected outcomes \(first) \(copy) \(renamed)")
            return
        }
        #expect(firstActions.map(\.status) == [.ok])
        #expect(renamedActions.map(\.status) == [.ok])
        #expect(try S.user(store, "u1") == nil)
        #expect(try store.read { try $0.users(environment: S.environment, page: PageRequest()) }.entries.isEmpty)
    }

    @Test func eventLogsKeepRawBodyHeadersAndActionLogs() async throws {
        let store = try S.memoryStore()
        let raw = Array(#"{"id": "evt_9", "event": "dsync.user.created", "n": 12345678901234567890123}"#.utf8)
        var event = S.event(id: "evt_9", actions: [S.planned(.identifyUser(id: "u9", properties: JSONObject()))])
        event.rawBody = raw
        event.note = "first"
        let outcome = try await store.ingest(event)
        _ = try await store.ingest(S.event(id: "evt_10", type: "dsync.group.created", actions: []))

        let record = try #require(
            try store.read {
                try $0.eventLog(environment: S.environment, sourceKey: "workos", id: outcome.eventLogID)
            }
        )
        #expect(record.rawBody == raw)
        #expect(record.headers == ["content-type": "application/json"])
        #expect(record.note == "first")
        #expect(record.verification == "enforced:verified")
        #expect(record.actions?.count == 1)
        #expect(record.actions?.first?.type == .usersIdentify)
        #expect(record.actions?.first?.status == .ok)
        #expect(record.actions?.first?.parameters == ["id": "data.id"])
        let json = record.json(includeRawBody: true)
        #expect(json["raw_body"] == .string(String(decoding: raw, as: UTF8.self)))
        #expect(json["data"]?["n"]?.numberValue?.text == "12345678901234567890123")
        #expect(json["actions"]?.arrayValue?.first?["action_status"] == "ok")

        // Newest first, filter by event type, scoped by source and environment.
        let all = try store.read {
            try $0.eventLogs(
                environment: S.environment,
                sourceKey: "workos",
                event: nil,
                status: nil,
                includeActions: false,
                page: PageRequest()
            )
        }
        #expect(all.entries.map { $0["event"] } == ["dsync.group.created", "dsync.user.created"])
        let created = try store.read {
            try $0.eventLogs(
                environment: S.environment,
                sourceKey: "workos",
                event: "dsync.user.created",
                status: nil,
                includeActions: false,
                page: PageRequest()
            )
        }
        #expect(created.entries.count == 1)
        #expect(
            try store.read {
                try $0.eventLog(environment: "production", sourceKey: "workos", id: outcome.eventLogID)
            } == nil
        )
        #expect(
            try store.read {
                try $0.eventLog(environment: S.environment, sourceKey: "other", id: outcome.eventLogID)
            } == nil
        )
    }

    @Test func replayBypassesTheDuplicateCheck() async throws {
        let store = try S.memoryStore()
        let event = S.event(id: "evt_r", actions: [S.planned(StoreIngestTests.trigger)])
        let original = try await store.ingest(event)
        var replay = event
        replay.replayOf = original.eventLogID
        guard case .processed(let replayID, _) = try await store.ingest(replay) else {
            Issue.record("a replay must be processed")
            return
        }
        #expect(try StoreIngestTests.runCount(store) == 2)
        #expect(
            try store.read { try $0.eventLog(environment: S.environment, sourceKey: "workos", id: replayID) }?.replayOf
                == original.eventLogID
        )
    }

    @Test func idempotencyWindowExpires() async throws {
        let store = try S.memoryStore()
        let start: Int64 = 1_700_000_000_000
        _ = try await store.ingest(S.event(id: "evt_w", actions: [], receivedAtMs: start, windowMs: 1_000))
        guard
            case .duplicate = try await store.ingest(
                S.event(id: "evt_w", actions: [], receivedAtMs: start + 999, windowMs: 1_000)
            )
        else {
            Issue.record("inside the window: duplicate")
            return
        }
        guard
            case .processed = try await store.ingest(
                S.event(id: "evt_w", actions: [], receivedAtMs: start + 5_000, windowMs: 1_000)
            )
        else {
            Issue.record("after the window: processed")
            return
        }
    }

    @Test func rejectedDeliveriesAreBounded() async throws {
        let store = try S.memoryStore()
        let total = Int(Store.maxRejectedRows) + 25
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<total {
                group.addTask {
                    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                        store.recordRejected(
                            sourceKey: "workos",
                            environment: S.environment,
                            reason: "invalid_signature: " + String(repeating: "r", count: 500),
                            remoteAddress: "127.0.0.1",
                            sizeBytes: index,
                            atMs: 1_700_000_000_000 + Int64(index)
                        ) { result in continuation.resume(with: result) }
                    }
                }
            }
            try await group.waitForAll()
        }
        let count = try store.read { reader in
            try reader.database.queryFirst("SELECT count(*), max(length(reason)) FROM rejected_deliveries") {
                [$0.int64(0), $0.int64(1)]
            }
        }
        #expect(count == [Store.maxRejectedRows, 200])
        let page = try store.read {
            try $0.rejectedDeliveries(environment: S.environment, sourceKey: "workos", page: PageRequest(pageSize: 2))
        }
        #expect(page.entries.count == 2)
        #expect(page.entries.first?["remote_address"] == "127.0.0.1")
        #expect(page.after != nil)
    }

    @Test func pruneRemovesOldLogsAndExpiredKeys() async throws {
        let store = try S.memoryStore()
        let old: Int64 = 1_000_000
        let recent: Int64 = 9_000_000
        for index in 0..<1_200 {
            _ = try await store.ingest(
                S.event(
                    id: "old_\(index)",
                    actions: [S.planned(.deleteTenant(id: "t\(index)"))],
                    receivedAtMs: old + Int64(index),
                    windowMs: 1_000
                )
            )
        }
        _ = try await store.ingest(
            S.event(id: "new_1", actions: [S.planned(.deleteTenant(id: "tn"))], receivedAtMs: recent)
        )
        for reason in ["old", "old too"] {
            store.recordRejected(
                sourceKey: "workos",
                environment: S.environment,
                reason: reason,
                remoteAddress: nil,
                sizeBytes: 1,
                atMs: old
            )
        }
        #expect(store.eventLogCount == 1_201)

        let report = try await store.prune(olderThanMs: 5_000_000, nowMs: recent)
        #expect(report.eventLogs == 1_200)
        #expect(report.actionLogs == 1_200)
        #expect(report.rejectedDeliveries == 1, "the newest rejected delivery stays, so its id is never reused")
        #expect(report.idempotencyKeys == 1_200)
        #expect(store.eventLogCount == 1)

        let remaining = try store.read { reader in
            try reader.database.queryFirst(
                """
                SELECT (SELECT count(*) FROM event_logs), (SELECT count(*) FROM action_logs),
                    (SELECT count(*) FROM idempotency_keys)
                """
            ) { [$0.int64(0), $0.int64(1), $0.int64(2)] }
        }
        #expect(remaining == [1, 1, 1])
        // Stats survive retention.
        #expect(
            try store.read { try $0.sourceStats(environment: S.environment, sourceKey: "workos") }
                == SourceStats(eventsReceived: 1_201, lastEventAtMs: recent)
        )
    }

    @Test func aThrowingJobIsRolledBackAloneInItsBatch() async throws {
        let store = try S.memoryStore()
        let batches = Mutex<[Int]>([])
        store.onCommit = { size, _ in batches.withLock { $0.append(size) } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                group.addTask {
                    do {
                        try await store.write { transaction in
                            _ = try transaction.apply(
                                .identifyUser(id: "u\(index)", properties: JSONObject()),
                                environment: S.environment,
                                sourceTimestampMs: 1,
                                nowMs: 1
                            )
                            if index % 2 == 1 {
                                throw StoreError(.other, "boom \(index)")
                            }
                        }
                        #expect(index % 2 == 0)
                    } catch {
                        #expect(index % 2 == 1)
                        #expect((error as? StoreError)?.message == "boom \(index)")
                    }
                }
            }
            try await group.waitForAll()
        }
        let users = try store.read { try $0.users(environment: S.environment, page: PageRequest()) }
        #expect(
            Set(users.entries.compactMap { $0["id"]?.stringValue })
                == Set((0..<40).filter { $0 % 2 == 0 }.map { "u\($0)" })
        )
        #expect(batches.withLock { $0.reduce(0, +) } == 40)
    }
}
