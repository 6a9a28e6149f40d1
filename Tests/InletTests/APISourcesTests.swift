import Foundation
import Synchronization
import Testing

@testable import Inlet

/// `/v1/sources`: the list with counters, event logs, rejected deliveries, rehearse and replay.
@Suite struct APISourcesTests {
    /// Ingests one event for `sourceKey` and returns its event log id.
    @discardableResult
    private func ingest(
        _ api: APITestHarness,
        source: String = "workos",
        environment: String = "development",
        type: String = "dsync.user.created",
        userID: String = "u1",
        name: String = "Old Name",
        receivedAtMs: Int64 = 1_700_000_000_000
    ) async throws -> Int64 {
        let body: JSON = [
            "id": .string("evt_\(UUID().uuidString)"), "event": .string(type),
            "data": ["id": .string(userID), "name": .string(name)],
        ]
        let action = PlannedAction(
            type: .usersIdentify,
            mappingIndex: 0,
            parameters: ["id": "data.id"],
            payload: ["id": .string(userID)],
            decision: .run(.identifyUser(id: userID, properties: JSONObject([("name", .string(name))])))
        )
        let skipped = PlannedAction(
            type: .workflowsTrigger,
            mappingIndex: 1,
            parameters: ["key": "welcome"],
            payload: [:],
            decision: .skipped(reason: "condition false")
        )
        let event = IngestEvent(
            environment: environment,
            sourceKey: source,
            eventType: type,
            idempotencyKey: body["id"]?.stringValue,
            idempotencyWindowMs: 86_400_000,
            body: body,
            rawBody: body.serializedBytes(),
            headers: ["content-type": "application/json"],
            verification: "enforced:verified",
            receivedAtMs: receivedAtMs,
            sourceTimestampMs: receivedAtMs,
            note: nil,
            actions: [action, skipped]
        )
        return try await api.store.ingest(event).eventLogID
    }

    @Test func listShowsTheEnvironmentsSourcesWithCounters() async throws {
        let api = try APITestHarness()
        try await self.ingest(api, receivedAtMs: 1_700_000_000_000)
        try await self.ingest(api, receivedAtMs: 1_700_000_005_000)

        let list = await api.send("GET", "/v1/sources")
        #expect(list.status == 200)
        #expect(list.entries.compactMap { $0["key"]?.stringValue } == ["workos", "workos-b", "custom"])
        let first = try #require(list.entries.first)
        #expect(first["path"] == "/webhooks/workos/tok-dev")
        #expect(first["environment"] == "development")
        #expect(first["events_received"] == 2)
        #expect(first["last_event_at"] == .string(StoreTime.iso8601(1_700_000_005_000)))
        #expect(first["mapping_count"] == 10)
        #expect(list.entries.last?["events_received"] == 0)
        #expect(list.entries.last?["last_event_at"] == .null)

        let production = await api.send("GET", "/v1/sources", key: "prod-key")
        #expect(production.entries.compactMap { $0["key"]?.stringValue } == ["workos-prod"])
    }

    @Test func sourceListPagesBothWays() async throws {
        let api = try APITestHarness()
        let first = await api.send("GET", "/v1/sources?page_size=2")
        #expect(first.entries.compactMap { $0["key"]?.stringValue } == ["workos", "workos-b"])
        #expect(first.before == nil)
        let second = await api.send("GET", "/v1/sources?page_size=2&after=\(try #require(first.after))")
        #expect(second.entries.compactMap { $0["key"]?.stringValue } == ["custom"])
        #expect(second.after == nil)
        let back = await api.send("GET", "/v1/sources?page_size=2&before=\(try #require(second.before))")
        #expect(back.entries.compactMap { $0["key"]?.stringValue } == ["workos", "workos-b"])
        #expect(back.before == nil)
        #expect(back.after != nil)
    }

    @Test func logsNewestFirstWithFiltersAndActions() async throws {
        let api = try APITestHarness()
        let older = try await self.ingest(api, type: "dsync.user.created", receivedAtMs: 1_700_000_000_000)
        let newer = try await self.ingest(api, type: "dsync.user.updated", receivedAtMs: 1_700_000_001_000)
        try await self.ingest(api, source: "workos-b", type: "dsync.user.created")

        let logs = await api.send("GET", "/v1/sources/workos/logs")
        #expect(logs.status == 200)
        #expect(logs.entries.compactMap { $0["id"]?.numberValue?.int64Value } == [newer, older])
        #expect(logs.entries.first?["event"] == "dsync.user.updated")
        #expect(logs.entries.first?["status"] == "processed")
        #expect(logs.entries.first?["actions"] == nil)

        let created = await api.send("GET", "/v1/sources/workos/logs?event=dsync.user.created&status=processed")
        #expect(created.entries.compactMap { $0["id"]?.numberValue?.int64Value } == [older])
        #expect(await api.send("GET", "/v1/sources/workos/logs?status=duplicate").entries.isEmpty)

        let withActions = await api.send("GET", "/v1/sources/workos/logs?include=actions")
        let actions = try #require(withActions.entries.first?["actions"]?.arrayValue)
        #expect(actions.compactMap { $0["action_status"]?.stringValue } == ["ok", "skipped"])
        #expect(actions.last?["reason"] == "condition false")
        let bracket = await api.send("GET", "/v1/sources/workos/logs?include%5B%5D=actions")
        #expect(bracket.entries.first?["actions"]?.arrayValue?.count == 2)

        let badStatus = await api.send("GET", "/v1/sources/workos/logs?status=weird")
        #expect(badStatus.status == 422)
        #expect(badStatus.errorField == "status")
        let badInclude = await api.send("GET", "/v1/sources/workos/logs?include=everything")
        #expect(badInclude.errorField == "include")
        #expect(await api.send("GET", "/v1/sources/nope/logs").code == "resource_missing")
    }

    @Test func oneLogWithItsActions() async throws {
        let api = try APITestHarness()
        let id = try await self.ingest(api, userID: "u9")

        let log = await api.send("GET", "/v1/sources/workos/logs/\(id)")
        #expect(log.status == 200)
        #expect(log.json?["id"]?.numberValue?.int64Value == id)
        #expect(log.json?["source"] == "workos")
        #expect(log.json?["data"]?["data"]?["id"] == "u9")
        #expect(log.json?["raw_body"]?.stringValue?.contains("u9") == true)
        #expect(log.json?["actions"]?.arrayValue?.first?["action_type"] == "users_identify")

        #expect(await api.send("GET", "/v1/sources/workos-b/logs/\(id)").code == "resource_missing")
        #expect(await api.send("GET", "/v1/sources/workos/logs/abc").code == "resource_missing")
        #expect(await api.send("GET", "/v1/sources/workos/logs/99999999999999999999").code == "resource_missing")
        #expect(await api.send("GET", "/v1/sources/workos/logs/\(id)", key: "prod-key").status == 404)
    }

    @Test func otherEnvironmentsSourceIs404() async throws {
        let api = try APITestHarness()
        let id = try await self.ingest(api, source: "workos-prod", environment: "production")
        #expect(await api.send("GET", "/v1/sources/workos-prod/logs").status == 404)
        #expect(await api.send("GET", "/v1/sources/workos-prod/logs/\(id)").status == 404)
        #expect(await api.send("POST", "/v1/sources/workos-prod/logs/\(id)/replay").status == 404)
        #expect(await api.send("POST", "/v1/sources/workos-prod/rehearse", json: ["body": [:]]).status == 404)
        #expect(await api.send("GET", "/v1/sources/workos-prod/logs", key: "prod-key").entries.count == 1)
    }

    @Test func rejectedDeliveriesNewestFirst() async throws {
        let api = try APITestHarness()
        for (index, reason) in ["invalid_signature: missing header", "invalid_signature: timestamp"].enumerated() {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                api.store.recordRejected(
                    sourceKey: "workos",
                    environment: "development",
                    reason: reason,
                    remoteAddress: "10.0.0.\(index)",
                    sizeBytes: 100 + index,
                    atMs: 1_700_000_000_000 + Int64(index)
                ) { _ in continuation.resume() }
            }
        }

        let rejected = await api.send("GET", "/v1/sources/workos/rejected")
        #expect(rejected.status == 200)
        #expect(
            rejected.entries.compactMap { $0["reason"]?.stringValue }
                == ["invalid_signature: timestamp", "invalid_signature: missing header"]
        )
        #expect(rejected.entries.first?["remote_address"] == "10.0.0.1")
        #expect(rejected.entries.first?["size_bytes"] == 101)
        #expect(await api.send("GET", "/v1/sources/workos-b/rejected").entries.isEmpty)
    }

    @Test func rehearseGoesThroughTheBackendWithoutWriting() async throws {
        let api = try APITestHarness()
        let response = await api.send(
            "POST",
            "/v1/sources/workos/rehearse",
            json: ["body": ["event": "dsync.user.created", "data": ["id": "u1"]], "headers": ["X-Test": "1"]]
        )
        #expect(response.status == 200)
        #expect(response.json?["source"] == "workos")
        #expect(response.json?["event"] == "dsync.user.created")
        #expect(response.json?["headers"] == ["x-test": "1"])
        #expect(api.backend.rehearsals.withLock { $0.map(\.environment) } == ["development"])
        #expect(await api.send("GET", "/v1/users/u1").status == 404)
        #expect(await api.send("GET", "/v1/sources/workos/logs").entries.isEmpty)

        let missing = await api.send("POST", "/v1/sources/workos/rehearse", json: ["headers": [:]])
        #expect(missing.status == 422)
        #expect(missing.errorField == "body")
        let notObject = await api.send("POST", "/v1/sources/workos/rehearse", json: ["body": [1]])
        #expect(notObject.errorField == "body")
        let badHeader = await api.send("POST", "/v1/sources/workos/rehearse", json: ["body": [:], "headers": ["a": 1]])
        #expect(badHeader.errorField == "headers.a")
    }

    @Test func replayIngestsANewLogPointingToTheOriginal() async throws {
        let api = try APITestHarness()
        let original = try await self.ingest(api, userID: "u5", name: "Replayed")
        #expect(await api.send("DELETE", "/v1/users/u5").status == 204)

        let replay = await api.send("POST", "/v1/sources/workos/logs/\(original)/replay")
        #expect(replay.status == 200)
        #expect(replay.json?["status"] == "processed")
        let newID = try #require(replay.json?["event_log_id"]?.numberValue?.int64Value)
        #expect(newID != original)
        #expect(replay.json?["actions"]?.arrayValue?.first?["status"] == "ok")

        let log = await api.send("GET", "/v1/sources/workos/logs/\(newID)")
        #expect(log.json?["replay_of"]?.numberValue?.int64Value == original)
        #expect(await api.send("GET", "/v1/users/u5").json?["name"] == "Replayed")
        #expect(await api.send("POST", "/v1/sources/workos/logs/424242/replay").code == "resource_missing")
    }
}
