import Foundation
import Testing

@testable import Inlet

/// Action logs refer to their mapping's parameters, stored once in `action_parameters`; reads give
/// back exactly the parameters that were planned.
@Suite struct StoreActionParametersTests {
    typealias S = StoreTestSupport

    /// A planned identify of `user` with `parameters` as the mapping's params.
    static func planned(_ user: String, parameters: JSON, index: Int = 0) -> PlannedAction {
        PlannedAction(
            type: .usersIdentify,
            mappingIndex: index,
            parameters: parameters,
            payload: ["id": .string(user)],
            decision: .run(.identifyUser(id: user, properties: JSONObject()))
        )
    }

    static let first: JSON = [
        "id": "data.id",
        "email": ["first": ["data.email", "data.emails[0].value"]],
        "properties": ["object": ["state": "data.state", "name": nil]],
    ]
    static let second: JSON = ["id": "data.user_id", "note": "ü \u{1F600} \"q\""]

    @Test func parametersAreStoredOnceAndReadBackIdentical() async throws {
        let store = try S.memoryStore()
        defer { store.close() }
        var ids: [Int64] = []
        for index in 0..<5 {
            let outcome = try await store.ingest(
                S.event(
                    id: "evt_\(index)",
                    actions: [
                        Self.planned("u\(index)", parameters: Self.first),
                        Self.planned("v\(index)", parameters: Self.second, index: 1),
                    ]
                )
            )
            guard case .processed(let id, _) = outcome else {
                Issue.record("event \(index) was not processed: \(outcome)")
                return
            }
            ids.append(id)
        }

        let rows = try store.read { reader in
            try reader.database.queryFirst(
                """
                SELECT (SELECT count(*) FROM action_parameters), (SELECT count(*) FROM action_logs),
                    (SELECT count(*) FROM action_logs WHERE parameters = '' AND parameters_id IS NOT NULL)
                """
            ) { [$0.int64(0), $0.int64(1), $0.int64(2)] }
        }
        #expect(rows == [2, 10, 10])

        for id in ids {
            let record = try #require(
                try store.read { try $0.eventLog(environment: S.environment, sourceKey: "workos", id: id) }
            )
            let actions = try #require(record.actions)
            #expect(actions.map(\.parameters) == [Self.first, Self.second])
            #expect(
                actions.map { $0.parameters.serializedBytes() } == [
                    Self.first.serializedBytes(), Self.second.serializedBytes(),
                ]
            )
        }
        let page = try store.read {
            try $0.eventLogs(
                environment: S.environment,
                sourceKey: "workos",
                event: nil,
                status: nil,
                includeActions: true,
                page: PageRequest(pageSize: 10)
            )
        }
        #expect(page.entries.count == 5)
        for entry in page.entries {
            let actions = try #require(entry["actions"]?.arrayValue)
            #expect(actions.map { $0["action_parameters"] } == [Self.first, Self.second])
        }
    }

    @Test func aRolledBackJobDoesNotLeaveAStaleParametersID() async throws {
        let store = try S.memoryStore()
        defer { store.close() }
        // The job inserts the parameters row, then throws: its savepoint is rolled back, row included.
        await #expect(throws: StoreError.self) {
            try await store.write { transaction in
                _ = try transaction.ingest(
                    S.event(id: "evt_rolled_back", actions: [Self.planned("u0", parameters: Self.first)])
                )
                throw StoreError(.other, "boom")
            }
        }
        // A job in another batch that keeps another mapping's row at the id the first one had.
        _ = try await store.ingest(S.event(id: "evt_other", actions: [Self.planned("u1", parameters: Self.second)]))
        let record = try await S.processedLog(
            store,
            S.event(id: "evt_kept", actions: [Self.planned("u2", parameters: Self.first)])
        )
        #expect(record.actions?.map(\.parameters) == [Self.first])
        let count = try store.read { reader in
            try reader.database.queryFirst("SELECT count(*) FROM action_parameters") { $0.int64(0) }
        }
        #expect(count == 2)
    }

    @Test func idsSurviveReopeningAFileStore() async throws {
        try await S.withTemporaryDirectory { directory in
            let path = directory + "/inlet.sqlite"
            let logger = Logger(level: .critical, sink: .memory())
            var store = try Store.open(path: path, logger: logger)
            _ = try await store.ingest(S.event(id: "evt_1", actions: [Self.planned("u1", parameters: Self.first)]))
            store.close()

            store = try Store.open(path: path, logger: logger)
            defer { store.close() }
            let record = try await S.processedLog(
                store,
                S.event(id: "evt_2", actions: [Self.planned("u2", parameters: Self.first)])
            )
            #expect(record.actions?.map(\.parameters) == [Self.first])
            let count = try store.read { reader in
                try reader.database.queryFirst("SELECT count(*) FROM action_parameters") { $0.int64(0) }
            }
            #expect(count == 1)
        }
    }
}
