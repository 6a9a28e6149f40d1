import Foundation
import Testing

@testable import Inlet

/// Stores written by an older schema are migrated on open and read the same way afterwards.
@Suite struct StoreMigrationTests {
    typealias S = StoreTestSupport

    static let logger = Logger(level: .critical, sink: .memory())

    static let parameters: JSON = ["id": "data.id", "email": ["first": ["data.email", "data.emails[0].value"]]]
    static let payload: JSON = ["id": "user_1", "email": nil]

    /// Writes a version-1 store at `path` holding one event log (id 1) with two action logs whose
    /// parameters are stored inline, as version 1 wrote them.
    static func writeVersion1Store(at path: String) throws {
        let raw = try SQLiteDatabase(path: path, create: true)
        defer { raw.close() }
        try raw.execute(StoreSchema.version1)
        try raw.run(
            """
            INSERT INTO event_logs (id, environment, source_key, event_type, status, idempotency_key, verification,
                note, duplicate_of, replay_of, received_at, source_ts, headers, body)
            VALUES (1, ?, 'workos', 'dsync.user.created', 'processed', 'evt_1', 'enforced:verified', NULL, NULL,
                NULL, 1700000000000, 1700000000000, '{"content-type":"application/json"}', ?)
            """,
            [.text(S.environment), .blob(Array(#"{"id":"evt_1"}"#.utf8))]
        )
        for position in 0..<2 {
            try raw.run(
                """
                INSERT INTO action_logs (event_log_id, position, action_type, mapping_index, parameters, payload,
                    status, reason, result, inserted_at)
                VALUES (1, ?, 'users_identify', ?, ?, ?, 'ok', NULL, NULL, 1700000000000)
                """,
                [
                    .integer(Int64(position)), .integer(Int64(position)),
                    .utf8(StoreMigrationTests.parameters.serializedBytes()),
                    .utf8(StoreMigrationTests.payload.serializedBytes()),
                ]
            )
        }
        try raw.execute("PRAGMA user_version=1")
    }

    /// The event log page of source `workos` with actions, as the API renders it.
    static func logsPage(_ store: Store) throws -> Page {
        try store.read {
            try $0.eventLogs(
                environment: S.environment,
                sourceKey: "workos",
                event: nil,
                status: nil,
                includeActions: true,
                page: PageRequest(pageSize: 10)
            )
        }
    }

    @Test func version1StoreIsMigratedAndItsActionLogsReadTheSame() async throws {
        try await S.withTemporaryDirectory { directory in
            let path = directory + "/v1.sqlite"
            try StoreMigrationTests.writeVersion1Store(at: path)

            let logs = LogSink.memory()
            let store = try Store.open(path: path, logger: Logger(level: .info, sink: logs))
            defer { store.close() }
            #expect(logs.capturedLines.contains { $0.contains("store schema migrated") && $0.contains("from=1") })
            let version = try store.read { reader in
                try reader.database.queryFirst("PRAGMA user_version") { $0.int64(0) }
            }
            #expect(version == StoreSchema.currentVersion)

            let old = try #require(
                try store.read { try $0.eventLog(environment: S.environment, sourceKey: "workos", id: 1) }
            )
            #expect(old.actions?.map(\.parameters) == [StoreMigrationTests.parameters, StoreMigrationTests.parameters])
            #expect(old.actions?.map(\.payload) == [StoreMigrationTests.payload, StoreMigrationTests.payload])
            #expect(old.actions?.map(\.mappingIndex) == [0, 1])

            // A new event with the same mapping parameters, written the new way, reads the same.
            let planned = PlannedAction(
                type: .usersIdentify,
                mappingIndex: 0,
                parameters: StoreMigrationTests.parameters,
                payload: StoreMigrationTests.payload,
                decision: .run(.identifyUser(id: "user_1", properties: JSONObject()))
            )
            let new = try await S.processedLog(store, S.event(id: "evt_2", actions: [planned]))
            #expect(new.actions?.map(\.parameters) == [StoreMigrationTests.parameters])

            let page = try StoreMigrationTests.logsPage(store)
            #expect(page.entries.count == 2)
            let rendered = page.entries.map { entry in
                entry["actions"]?.arrayValue?.map { $0["action_parameters"] } ?? []
            }
            #expect(
                rendered == [
                    [StoreMigrationTests.parameters],
                    [StoreMigrationTests.parameters, StoreMigrationTests.parameters],
                ]
            )
        }
    }
}
