import Foundation
import Testing

@testable import Inlet

/// What the request thread serializes before an event reaches the store's writer: headers, action
/// log parameters and payloads, and the properties an identify or set stores as given. The bytes
/// must match the values they stand for, and ingesting with them must store what applying the
/// same action through the API stores.
@Suite struct IngestPreparationTests {
    typealias S = StoreTestSupport

    @Test func plannedActionBytesFollowTheirValues() throws {
        let decimal = try #require(JSONNumber("1.50"))
        let big = try #require(JSONNumber("123456789012345678901234567890"))
        var planned = PlannedAction(
            type: .usersIdentify,
            mappingIndex: 2,
            parameters: ["id": "data.id", "n": .number(decimal)],
            payload: ["id": "u1", "big": .number(big)],
            decision: .run(.identifyUser(id: "u1", properties: S.object(["id": "x", "name": "N", "a": nil])))
        )
        #expect(String(decoding: planned.parametersJSON, as: UTF8.self) == #"{"id":"data.id","n":1.50}"#)
        #expect(
            String(decoding: planned.payloadJSON, as: UTF8.self)
                == #"{"id":"u1","big":123456789012345678901234567890}"#
        )
        // The reserved `id` is not among the properties an identify stores.
        #expect(planned.preparedProperties.map { String(decoding: $0, as: UTF8.self) } == #"{"name":"N","a":null}"#)

        planned.parameters = ["other": true]
        planned.payload = .null
        planned.decision = .skipped(reason: "no")
        #expect(String(decoding: planned.parametersJSON, as: UTF8.self) == #"{"other":true}"#)
        #expect(String(decoding: planned.payloadJSON, as: UTF8.self) == "null")
        #expect(planned.preparedProperties == nil)

        planned.decision = .run(.setObject(collection: "c", id: "o", properties: S.object(["id": 1])))
        #expect(planned.preparedProperties.map { String(decoding: $0, as: UTF8.self) } == #"{"id":1}"#)
        planned.decision = .run(.deleteUser(id: "u1"))
        #expect(planned.preparedProperties == nil)
    }

    @Test func engineReusesEachMappingsSerializedParams() throws {
        let config = try ConfigLoader.load(
            bytes: try FixtureFiles.bytes("inlet.json"),
            environment: ["INLET_API_KEY": "k", "INLET_WEBHOOK_TOKEN": "t", "WORKOS_WEBHOOK_SECRET": "s"]
        )
        let source = try #require(config.sources.first)
        let engine = config.mappingEngine(for: source)
        let body = try FixtureFiles.json("workos/dsync.user.created.json")
        let planned = engine.plan(eventType: "dsync.user.created", envelope: MappingEnvelope(body: body))
        let first = try #require(planned.first)
        #expect(first.parametersJSON == first.parameters.serializedBytes())
        #expect(first.payloadJSON == first.payload.serializedBytes())
        let mapping = try #require(source.mappings.first { $0.index == first.mappingIndex })
        #expect(first.parameters == mapping.configuredParams)
    }

    @Test func eventHeadersAreSerializedSortedAndFollowChanges() {
        var event = S.event(id: "e1", actions: [])
        event.headers = ["user-agent": "UA \"1\"", "content-type": "application/json", "a": ""]
        #expect(
            String(decoding: event.headersJSON, as: UTF8.self)
                == #"{"a":"","content-type":"application/json","user-agent":"UA \"1\""}"#
        )
    }

    /// Ingesting (with prepared bytes) stores what the API path (without them) stores, for new,
    /// existing and deleted users, tenants and objects.
    @Test func preparedPropertiesStoreTheSameAsTheAPIPath() async throws {
        let viaIngest = try S.memoryStore()
        let viaAPI = try S.memoryStore()
        let actions: [(StoreAction, Int64)] = [
            (.identifyUser(id: "u1", properties: S.object(["id": "x", "created_at": 1, "name": "A", "n": nil])), 1),
            (.identifyUser(id: "u1", properties: S.object(["email": "a@b", "__typename": "T"])), 2),
            (.deleteUser(id: "u1"), 3),
            (.identifyUser(id: "u1", properties: S.object(["name": "revived", "updated_at": 5])), 4),
            (.setTenant(id: "t1", properties: S.object(["id": "no", "plan": "free"])), 1),
            (.setTenant(id: "t1", properties: S.object(["seats": 3])), 2),
            (.setObject(collection: "projects", id: "p1", properties: S.object(["id": "kept", "n": 1])), 1),
            (.deleteObject(collection: "projects", id: "p1"), 2),
            (.setObject(collection: "projects", id: "p1", properties: S.object(["m": 2])), 3),
            (.setObject(collection: "projects", id: "p1", properties: S.object(["o": ["x": 1]])), 4),
        ]
        for (index, (action, timestamp)) in actions.enumerated() {
            var event = S.event(id: "evt_\(index)", actions: [S.planned(action)], sourceTimestampMs: timestamp)
            event.receivedAtMs = 1_700_000_000_000
            let outcome = try await viaIngest.ingest(event)
            guard case .processed(_, let results) = outcome else {
                Issue.record("event \(index) was not processed")
                continue
            }
            #expect(results.map(\.status) == [.ok])
            try await S.apply(viaAPI, action, at: timestamp)
        }

        let read = { (store: Store) throws -> [JSON?] in
            try store.read { reader in
                [
                    try reader.user(environment: S.environment, id: "u1"),
                    try reader.tenant(environment: S.environment, id: "t1"),
                    try reader.object(environment: S.environment, collection: "projects", id: "p1"),
                ]
            }
        }
        let ingested = try read(viaIngest)
        #expect(ingested == (try read(viaAPI)))
        #expect(ingested[0]?["name"] == "revived")
        #expect(ingested[0]?["email"] == nil)
        #expect(ingested[0]?["id"] == "u1")
        #expect(ingested[1]?["plan"] == "free")
        #expect(ingested[1]?["seats"] == 3)
        #expect(ingested[2]?["properties"]?["m"] == 2)
        #expect(ingested[2]?["properties"]?["n"] == nil)
        #expect(ingested[2]?["properties"]?["o"]?["x"] == 1)
    }
}
