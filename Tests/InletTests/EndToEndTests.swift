import Foundation
import Testing

@testable import Inlet

/// Issue 2's walk: every WorkOS fixture posted signed, in `created_at` order, to a real server,
/// and the store checked through the REST API.
@Suite struct EndToEndTests {
    static let organization = "org_01K94FYXA3FKG7BMSGXJT7KX0E"
    static let ada = "directory_user_01KH483WSGAWNQCXAWPDNNKJ0M"
    static let group = "directory_group_01KH483V9SAPTTP0AQ7Q0HP27P"

    /// A copy of a fixture with `edit` applied to its parsed body.
    static func derive(_ name: String, _ edit: (inout JSONObject) -> Void) throws -> [UInt8] {
        var object = try #require(try JSONParser().parse(TestServer.fixture(name)).objectValue)
        edit(&object)
        return JSON.object(object).serializedBytes()
    }

    static func setting(_ object: JSONObject, _ key: String, _ value: JSON?) -> JSONObject {
        var copy = object
        copy[key] = value
        return copy
    }

    @Test func fixturesInCreationOrderProduceTheRightStore() throws {
        let server = try TestServer()
        defer { server.stop() }

        let admin: JSON = ["id": "admin_grace", "email": "grace.sample@example.com", "name": "Grace Sample"]
        let subscribed = try server.api(
            "POST",
            "/v1/objects/organizations/\(Self.organization)/subscriptions",
            json: ["recipients": [admin]]
        )
        #expect(subscribed.status == 200)

        var runIDs: [String: String] = [:]
        for (name, bytes) in try TestServer.fixturesByCreation() {
            let response = try server.postWebhook(bytes)
            try #require(response.status == 200, "\(name): \(response.text)")
            let answer = try #require(response.json)
            #expect(answer["status"] == "processed", "\(name)")
            let actions = answer["actions"]?.arrayValue ?? []
            for action in actions {
                #expect(action["status"] == "ok", "\(name): \(action.serialized())")
                if action["type"] == "workflows_trigger", let id = action["workflow_run_id"]?.stringValue {
                    runIDs[name] = id
                }
            }
            if name.hasPrefix("authentication.") || name.hasPrefix("session.") {
                #expect(actions.isEmpty, "\(name) has no mapping")
            }

            switch name {
            case "dsync.group.created.json":
                let object = try server.api("GET", "/v1/objects/directory_groups/\(Self.group)")
                #expect(object.status == 200)
                #expect(object.json?["properties"]?["name"] == "Engineering")
            case "dsync.user.created.json":
                let user = try server.api("GET", "/v1/users/\(Self.ada)")
                #expect(user.status == 200)
                #expect(user.json?["email"] == "ada.example@example.com")
                #expect(user.json?["name"] == "Ada Example")
                #expect(user.json?["organization_id"] == .string(Self.organization))
            case "dsync.group.user_added.json":
                let subscriptions = try server.api("GET", "/v1/users/\(Self.ada)/subscriptions")
                let objects = subscriptions.json?["entries"]?.arrayValue?.compactMap {
                    $0["object"]?["id"]?.stringValue
                }
                #expect(objects == [Self.group])
            case "dsync.group.user_removed.json":
                let removal = try Self.derive("dsync.group.user_added.json") { body in
                    body["id"] = "event_01TESTREMOVEADA0000000000"
                    body["event"] = "dsync.group.user_removed"
                    body["created_at"] = "2026-07-22T14:12:00.000Z"
                }
                #expect(try server.postWebhook(removal).status == 200)
                let subscriptions = try server.api("GET", "/v1/users/\(Self.ada)/subscriptions")
                #expect(subscriptions.json?["entries"]?.arrayValue?.isEmpty == true)
                let zoe = try server.api("GET", "/v1/users/directory_user_01KQY6CW3AYQ144DG3RJ5QV4TA")
                #expect(zoe.status == 404, "an unsubscribe never creates the user")
            case "dsync.user.updated.json":
                let user = try server.api("GET", "/v1/users/\(Self.ada)")
                #expect(user.json?["email"] == "ada.example@example.com")
                #expect(user.json?["custom_attributes"]?["department"] == "Platform")
            case "dsync.group.deleted.json":
                #expect(try server.api("GET", "/v1/objects/directory_groups/\(Self.group)").status == 404)
            default:
                break
            }
        }

        for fixture in ["connection.activated.json", "dsync.user.deleted.json", "connection.deactivated.json"] {
            let id = try #require(runIDs[fixture], "\(fixture) triggered a run")
            let run = try server.api("GET", "/v1/workflow_runs/\(id)")
            #expect(run.status == 200)
            #expect(run.json?["tenant"] == .string(Self.organization), "\(fixture)")
            let recipients = run.json?["recipients"]?.arrayValue ?? []
            #expect(recipients.contains("admin_grace"), "\(fixture) reaches the subscribed admin")
        }

        let noMapping = try server.api("GET", "/v1/sources/workos/logs?event=authentication.sso_failed&include=actions")
        let entry = try #require(noMapping.json?["entries"]?.arrayValue?.first)
        #expect(entry["actions"]?.arrayValue?.isEmpty == true)
    }

    @Test func olderPayloadEraTakesTheEmailFromEmails() throws {
        let server = try TestServer()
        defer { server.stop() }

        let legacy = try Self.derive("dsync.user.created.json") { body in
            body["id"] = "event_01TESTLEGACYERA00000000000"
            guard var data = body["data"]?.objectValue else { return }
            data["id"] = "directory_user_legacy"
            data["email"] = nil
            data["name"] = nil
            body["data"] = .object(data)
        }
        #expect(try server.postWebhook(legacy).status == 200)
        let user = try server.api("GET", "/v1/users/directory_user_legacy")
        #expect(user.json?["email"] == "ada.example@example.com")
        #expect(user.json?["name"] == "Ada Example")
    }

    @Test func theSameEventTwiceAppliesOnce() throws {
        let server = try TestServer()
        defer { server.stop() }

        let bytes = try TestServer.fixture("dsync.user.created.json")
        let first = try server.postWebhook(bytes)
        #expect(first.json?["status"] == "processed")
        let put = try server.api("PUT", "/v1/users/\(Self.ada)", json: ["name": "Renamed Locally"])
        #expect(put.status == 200)

        let second = try server.postWebhook(bytes)
        #expect(second.status == 200)
        #expect(second.json?["status"] == "duplicate")
        #expect(try server.api("GET", "/v1/users/\(Self.ada)").json?["name"] == "Renamed Locally")

        let logs = try server.api("GET", "/v1/sources/workos/logs?event=dsync.user.created")
        let statuses = logs.json?["entries"]?.arrayValue?.compactMap { $0["status"]?.stringValue }
        #expect(statuses == ["duplicate", "processed"])
    }

    @Test func aBodyChangedByOneByteIsRefusedAndChangesNothing() throws {
        let server = try TestServer()
        defer { server.stop() }

        let bytes = try TestServer.fixture("dsync.user.created.json")
        let signature = WorkOSSignature.header(
            secret: TestServer.secret,
            timestampMs: InletServer.systemClock(),
            body: bytes
        )
        var tampered = bytes
        let index = try #require(tampered.firstIndex(of: UInt8(ascii: "A")))
        tampered[index] = UInt8(ascii: "B")

        let response = try server.postWebhook(tampered, signature: signature)
        #expect(response.status == 401)
        #expect(response.json?["code"] == "invalid_signature")
        #expect(try server.api("GET", "/v1/users/\(Self.ada)").status == 404)
        let logs = try server.api("GET", "/v1/sources/workos/logs")
        #expect(logs.json?["entries"]?.arrayValue?.isEmpty == true)
        // The rejected log is written after the 401 is sent; give its commit a moment.
        var rejected: [JSON] = []
        for _ in 0..<50 where rejected.isEmpty {
            rejected = try server.api("GET", "/v1/sources/workos/rejected").json?["entries"]?.arrayValue ?? []
            if rejected.isEmpty { Thread.sleep(forTimeInterval: 0.02) }
        }
        #expect(rejected.count == 1)
        #expect(rejected.first?["reason"]?.stringValue?.hasPrefix("invalid_signature") == true)
    }

    @Test func aFarFutureTimestampDoesNotLockTheEntity() throws {
        let server = try TestServer()
        defer { server.stop() }

        let future = try Self.derive("dsync.user.created.json") { body in
            guard var data = body["data"]?.objectValue else { return }
            data["updated_at"] = "9999-12-31T23:59:59.000Z"
            body["data"] = .object(data)
        }
        #expect(try server.postWebhook(future).status == 200)

        let update = try Self.derive("dsync.user.updated.json") { body in
            guard var data = body["data"]?.objectValue else { return }
            let inTenMinutes = InletServer.systemClock() + 600_000
            data["updated_at"] = .string(StoreTime.iso8601(inTenMinutes))
            body["data"] = .object(data)
        }
        let answer = try server.postWebhook(update)
        #expect(answer.json?["actions"]?.arrayValue?.first?["status"] == "ok", "\(answer.text)")
        #expect(try server.api("GET", "/v1/users/\(Self.ada)").json?["custom_attributes"]?["department"] == "Platform")
    }
}
