import Foundation
import Testing

@testable import Inlet

/// Knock semantics of `StoreTransaction.apply`: merges, out-of-order events, tombstones.
@Suite struct StoreSemanticsTests {
    typealias S = StoreTestSupport

    @Test func updatedBeforeCreatedKeepsNewestDataInBothOrders() async throws {
        let created: StoreAction = .identifyUser(id: "u1", properties: S.object(["name": "Old", "email": "old@x.io"]))
        let updated: StoreAction = .identifyUser(id: "u1", properties: S.object(["name": "New"]))

        let inOrder = try S.memoryStore()
        #expect(try await S.apply(inOrder, created, at: 10) == .ok(result: nil))
        #expect(try await S.apply(inOrder, updated, at: 20) == .ok(result: nil))

        let reversed = try S.memoryStore()
        #expect(try await S.apply(reversed, updated, at: 20) == .ok(result: nil))
        #expect(try await S.apply(reversed, created, at: 10) == .skipped(reason: "stale"))

        #expect(try S.user(inOrder, "u1")?["name"] == "New")
        #expect(try S.user(reversed, "u1")?["name"] == "New")
        #expect(try S.user(inOrder, "u1")?["__typename"] == "User")
    }

    @Test func equalTimestampsApply() async throws {
        let store = try S.memoryStore()
        try await S.apply(store, .identifyUser(id: "u1", properties: S.object(["name": "A"])), at: 10)
        #expect(
            try await S.apply(store, .identifyUser(id: "u1", properties: S.object(["name": "B"])), at: 10)
                == .ok(result: nil)
        )
        #expect(try S.user(store, "u1")?["name"] == "B")
    }

    @Test func explicitNullIsStoredAndAbsentKeyIsKept() async throws {
        let store = try S.memoryStore()
        try await S.apply(
            store,
            .identifyUser(id: "u1", properties: S.object(["email": "a@x.io", "phone_number": "+1"])),
            at: 1
        )
        try await S.apply(store, .identifyUser(id: "u1", properties: S.object(["email": nil])), at: 2)

        let user = try #require(try S.user(store, "u1"))
        #expect(user.objectValue?.contains("email") == true)
        #expect(user["email"] == .null)
        #expect(user["phone_number"] == "+1")
    }

    @Test func customPropertiesDeepMerge() async throws {
        let store = try S.memoryStore()
        try await S.apply(
            store,
            .identifyUser(id: "u1", properties: S.object(["profile": ["x": 1, "y": ["z": 1]]])),
            at: 1
        )
        try await S.apply(store, .identifyUser(id: "u1", properties: S.object(["profile": ["y": ["w": 2]]])), at: 2)

        let user = try #require(try S.user(store, "u1"))
        #expect(user["profile"] == ["x": 1, "y": ["z": 1, "w": 2]])

        try await S.apply(store, .setObject(collection: "orgs", id: "o1", properties: S.object(["a": ["b": 1]])), at: 1)
        try await S.apply(store, .setObject(collection: "orgs", id: "o1", properties: S.object(["a": ["c": 2]])), at: 2)
        let object = try #require(
            try store.read { try $0.object(environment: S.environment, collection: "orgs", id: "o1") }
        )
        #expect(object["properties"] == ["a": ["b": 1, "c": 2]])
        #expect(object["__typename"] == "Object")
        #expect(object["collection"] == "orgs")
    }

    @Test func bigNumbersKeepTheirDigits() async throws {
        let store = try S.memoryStore()
        let body = try JSONParser().parse(
            #"{"n": 123456789012345678901234567890, "d": -0.1000000000000000000001, "e": 1E400}"#
        )
        try await S.apply(store, .identifyUser(id: "u1", properties: try #require(body.objectValue)), at: 1)

        let user = try #require(try S.user(store, "u1"))
        #expect(user["n"]?.numberValue?.text == "123456789012345678901234567890")
        #expect(user["d"]?.numberValue?.text == "-0.1000000000000000000001")
        #expect(user["e"]?.numberValue?.text == "1E400")
    }

    @Test func reservedKeysCannotBeOverwrittenByProperties() async throws {
        let store = try S.memoryStore()
        try await S.apply(
            store,
            .identifyUser(id: "u1", properties: S.object(["id": "other", "__typename": "X", "name": "N"])),
            at: 1
        )
        let user = try #require(try S.user(store, "u1"))
        #expect(user["id"] == "u1")
        #expect(user["__typename"] == "User")
        #expect(user["name"] == "N")
    }

    @Test func idsMustHaveOneTo256Characters() async throws {
        let store = try S.memoryStore()
        await #expect(throws: StoreError.self) {
            try await S.apply(store, .identifyUser(id: "", properties: JSONObject()), at: 1)
        }
        await #expect(throws: StoreError.self) {
            try await S.apply(
                store,
                .identifyUser(id: String(repeating: "a", count: 257), properties: JSONObject()),
                at: 1
            )
        }
        #expect(
            try await S.apply(
                store,
                .identifyUser(id: String(repeating: "é", count: 256), properties: JSONObject()),
                at: 1
            ) == .ok(result: nil)
        )
    }

    @Test func userRemovedBeforeOlderUserAddedLeavesNoSubscription() async throws {
        let store = try S.memoryStore()
        let user = Recipient.user(id: "u1", properties: nil)
        #expect(
            try await S.apply(store, .unsubscribe(collection: "groups", id: "g1", recipients: [user]), at: 20)
                == .ok(result: ["subscriptions": []])
        )
        #expect(
            try await S.apply(
                store,
                .subscribe(collection: "groups", id: "g1", recipients: [user], properties: nil),
                at: 10
            )
                == .skipped(reason: "stale")
        )

        let page = try store.read {
            try $0.userSubscriptions(environment: S.environment, userID: "u1", page: PageRequest())
        }
        #expect(page.entries.isEmpty)
        // The skipped subscribe changed nothing: no placeholder object or user was left behind.
        #expect(try store.read { try $0.object(environment: S.environment, collection: "groups", id: "g1") } == nil)
        #expect(try S.user(store, "u1") == nil)

        // A newer add brings the subscription back.
        let outcome = try await S.apply(
            store,
            .subscribe(collection: "groups", id: "g1", recipients: [user], properties: nil),
            at: 30
        )
        guard case .ok(let result) = outcome else {
            Issue.record("expected ok, got \(outcome)")
            return
        }
        #expect(result?["subscriptions"]?.arrayValue?.count == 1)
    }

    @Test func deletedUserThenOlderMembershipIsStale() async throws {
        let store = try S.memoryStore()
        let user = Recipient.user(id: "u1", properties: nil)
        try await S.apply(store, .identifyUser(id: "u1", properties: S.object(["name": "A"])), at: 10)
        try await S.apply(
            store,
            .subscribe(collection: "groups", id: "g1", recipients: [user], properties: nil),
            at: 11
        )
        #expect(try await S.apply(store, .deleteUser(id: "u1"), at: 30) == .ok(result: nil))

        #expect(
            try await S.apply(
                store,
                .subscribe(collection: "groups", id: "g2", recipients: [user], properties: nil),
                at: 20
            )
                == .skipped(reason: "stale")
        )
        #expect(try S.user(store, "u1") == nil)
        let subscribers = try store.read {
            try $0.objectSubscriptions(
                environment: S.environment,
                collection: "groups",
                id: "g1",
                mode: .object,
                page: PageRequest()
            )
        }
        #expect(subscribers.entries.isEmpty)

        // A newer subscribe revives the user as an empty placeholder that a later create can fill.
        #expect(
            try await S.apply(
                store,
                .subscribe(collection: "groups", id: "g2", recipients: [user], properties: nil),
                at: 40
            )
                != .skipped(reason: "stale")
        )
        let revived = try #require(try S.user(store, "u1"))
        #expect(revived["name"] == nil)
        #expect(
            try await S.apply(store, .identifyUser(id: "u1", properties: S.object(["name": "B"])), at: 35)
                == .ok(result: nil)
        )
        #expect(try S.user(store, "u1")?["name"] == "B")
        // The subscription removed with the user did not come back.
        let g1 = try store.read {
            try $0.objectSubscriptions(
                environment: S.environment,
                collection: "groups",
                id: "g1",
                mode: .object,
                page: PageRequest()
            )
        }
        #expect(g1.entries.isEmpty)
    }

    @Test func deletesAreIdempotentLeaveTombstonesAndNeverCreate() async throws {
        let store = try S.memoryStore()
        try await S.apply(store, .identifyUser(id: "u1", properties: S.object(["name": "A"])), at: 10)
        #expect(try await S.apply(store, .deleteUser(id: "u1"), at: 30) == .ok(result: nil))
        #expect(try await S.apply(store, .deleteUser(id: "u1"), at: 30) == .ok(result: nil))
        #expect(try S.user(store, "u1") == nil)

        // Never seen: a tombstone that makes the older create stale, not a user.
        #expect(try await S.apply(store, .deleteUser(id: "ghost"), at: 50) == .ok(result: nil))
        #expect(try S.user(store, "ghost") == nil)
        #expect(
            try await S.apply(store, .identifyUser(id: "ghost", properties: S.object(["name": "G"])), at: 40)
                == .skipped(reason: "stale")
        )
        #expect(try S.user(store, "ghost") == nil)

        // A newer create brings it back with only the new data.
        #expect(
            try await S.apply(store, .identifyUser(id: "u1", properties: S.object(["email": "e"])), at: 31)
                == .ok(result: nil)
        )
        let back = try #require(try S.user(store, "u1"))
        #expect(back["email"] == "e")
        #expect(back["name"] == nil)

        let users = try store.read { try $0.users(environment: S.environment, page: PageRequest()) }
        #expect(users.entries.map { $0["id"] } == ["u1"])

        #expect(try await S.apply(store, .deleteObject(collection: "orgs", id: "o1"), at: 5) == .ok(result: nil))
        #expect(
            try await S.apply(store, .setObject(collection: "orgs", id: "o1", properties: JSONObject()), at: 4)
                == .skipped(reason: "stale")
        )
        #expect(try await S.apply(store, .deleteTenant(id: "t1"), at: 5) == .ok(result: nil))
        #expect(try store.read { try $0.tenant(environment: S.environment, id: "t1") } == nil)
    }

    @Test func subscribeCreatesMissingObjectAndUserAndRespectsInlineTimestamps() async throws {
        let store = try S.memoryStore()
        try await S.apply(store, .identifyUser(id: "u2", properties: S.object(["name": "Newer"])), at: 30)
        let outcome = try await S.apply(
            store,
            .subscribe(
                collection: "groups",
                id: "g1",
                recipients: [
                    .user(id: "u1", properties: nil),
                    .user(id: "u2", properties: S.object(["name": "Older"])),
                ],
                properties: S.object(["role": "admin"])
            ),
            at: 20
        )
        guard case .ok(let result) = outcome, let subscriptions = result?["subscriptions"]?.arrayValue else {
            Issue.record("expected subscriptions, got \(outcome)")
            return
        }
        #expect(subscriptions.count == 2)
        #expect(subscriptions.first?["__typename"] == "Subscription")
        #expect(subscriptions.first?["recipient"]?["id"] == "u1")
        #expect(subscriptions.first?["object"]?["id"] == "g1")
        #expect(subscriptions.first?["properties"] == ["role": "admin"])

        let object = try #require(
            try store.read { try $0.object(environment: S.environment, collection: "groups", id: "g1") }
        )
        #expect(object["properties"] == [:])
        #expect(try S.user(store, "u1")?["id"] == "u1")
        // The inline identify was older than u2's own state, so it did not overwrite the name.
        #expect(try S.user(store, "u2")?["name"] == "Newer")

        // A later real create of the placeholder user and object is not stale.
        #expect(
            try await S.apply(store, .identifyUser(id: "u1", properties: S.object(["name": "One"])), at: 5)
                == .ok(result: nil)
        )
        #expect(
            try await S.apply(
                store,
                .setObject(collection: "groups", id: "g1", properties: S.object(["name": "G"])),
                at: 5
            )
                == .ok(result: nil)
        )

        let mine = try store.read {
            try $0.userSubscriptions(environment: S.environment, userID: "u1", page: PageRequest())
        }
        #expect(mine.entries.count == 1)
        #expect(mine.entries.first?["object"]?["properties"] == ["name": "G"])
        #expect(mine.entries.first?["recipient"]?["name"] == "One")
    }

    @Test func objectSubscriptionModes() async throws {
        let store = try S.memoryStore()
        try await S.apply(
            store,
            .subscribe(
                collection: "orgs",
                id: "o1",
                recipients: [.object(collection: "teams", id: "t1", properties: nil)],
                properties: nil
            ),
            at: 1
        )
        let subscribers = try store.read {
            try $0.objectSubscriptions(
                environment: S.environment,
                collection: "orgs",
                id: "o1",
                mode: .object,
                page: PageRequest()
            )
        }
        #expect(subscribers.entries.map { $0["recipient"]?["id"] } == ["t1"])
        #expect(subscribers.entries.first?["recipient"]?["__typename"] == "Object")
        let subscribedTo = try store.read {
            try $0.objectSubscriptions(
                environment: S.environment,
                collection: "teams",
                id: "t1",
                mode: .recipient,
                page: PageRequest()
            )
        }
        #expect(subscribedTo.entries.map { $0["object"]?["id"] } == ["o1"])
    }

    @Test func unsubscribeReturnsRemovedSubscriptionsAndCreatesNothing() async throws {
        let store = try S.memoryStore()
        let u1 = Recipient.user(id: "u1", properties: nil)
        try await S.apply(store, .subscribe(collection: "groups", id: "g1", recipients: [u1], properties: nil), at: 1)
        let outcome = try await S.apply(store, .unsubscribe(collection: "groups", id: "g1", recipients: [u1]), at: 2)
        guard case .ok(let result) = outcome else {
            Issue.record("expected ok")
            return
        }
        #expect(result?["subscriptions"]?.arrayValue?.first?["recipient"]?["id"] == "u1")

        #expect(
            try await S.apply(
                store,
                .unsubscribe(collection: "nothing", id: "n1", recipients: [.user(id: "nobody", properties: nil)]),
                at: 3
            )
                == .ok(result: ["subscriptions": []])
        )
        #expect(try S.user(store, "nobody") == nil)
        #expect(try store.read { try $0.object(environment: S.environment, collection: "nothing", id: "n1") } == nil)
    }

    @Test func tenantsAndAudiences() async throws {
        let store = try S.memoryStore()
        try await S.apply(
            store,
            .setTenant(
                id: "acme",
                properties: S.object(["name": "Acme", "settings": ["branding": ["primary_color": "#f00"]]])
            ),
            at: 1
        )
        let tenant = try #require(try store.read { try $0.tenant(environment: S.environment, id: "acme") })
        #expect(tenant["__typename"] == "Tenant")
        #expect(tenant["name"] == "Acme")
        #expect(tenant["settings"] == ["branding": ["primary_color": "#f00"]])

        try await S.apply(
            store,
            .addAudienceMembers(
                key: "admins",
                recipients: [.user(id: "u1", properties: S.object(["name": "U"])), .user(id: "u2", properties: nil)],
                tenant: "acme"
            ),
            at: 1
        )
        var members = try store.read {
            try $0.audienceMembers(environment: S.environment, key: "admins", page: PageRequest())
        }
        #expect(members.entries.map { $0["user_id"] } == ["u1", "u2"])
        #expect(members.entries.first?["tenant"] == "acme")
        #expect(members.entries.first?["user"]?["name"] == "U")
        #expect(members.entries.first?["__typename"] == "AudienceMember")

        try await S.apply(
            store,
            .removeAudienceMembers(key: "admins", recipients: [.user(id: "u1", properties: nil)], tenant: "acme"),
            at: 3
        )
        #expect(
            try await S.apply(
                store,
                .addAudienceMembers(key: "admins", recipients: [.user(id: "u1", properties: nil)], tenant: "acme"),
                at: 2
            )
                == .skipped(reason: "stale")
        )
        members = try store.read {
            try $0.audienceMembers(environment: S.environment, key: "admins", page: PageRequest())
        }
        #expect(members.entries.map { $0["user_id"] } == ["u2"])

        await #expect(throws: StoreError.self) {
            try await S.apply(
                store,
                .addAudienceMembers(
                    key: "admins",
                    recipients: [.object(collection: "c", id: "i", properties: nil)],
                    tenant: nil
                ),
                at: 4
            )
        }
    }

    @Test func environmentsAreIsolated() async throws {
        let store = try S.memoryStore()
        try await S.apply(
            store,
            .identifyUser(id: "u1", properties: S.object(["name": "Dev"])),
            at: 1,
            environment: "development"
        )
        #expect(try S.user(store, "u1", environment: "production") == nil)
        #expect(try store.read { try $0.users(environment: "production", page: PageRequest()) }.entries.isEmpty)

        try await S.apply(store, .deleteUser(id: "u1"), at: 2, environment: "production")
        #expect(try S.user(store, "u1", environment: "development")?["name"] == "Dev")
    }

    @Test func triggerFansOutDedupesExcludesActorAndRecordsEmptyFanOut() async throws {
        let store = try S.memoryStore()
        let org = Recipient.object(collection: "orgs", id: "o1", properties: nil)
        try await S.apply(
            store,
            .subscribe(
                collection: "orgs",
                id: "o1",
                recipients: ["u1", "u2", "admin", "gone"].map { .user(id: $0, properties: nil) },
                properties: nil
            ),
            at: 1
        )
        try await S.apply(store, .deleteUser(id: "gone"), at: 2)

        let outcome = try await S.apply(
            store,
            .triggerWorkflow(
                key: "org-alert",
                recipients: [org, .user(id: "u1", properties: nil)],
                actor: .user(id: "admin", properties: nil),
                data: ["big": .number(try #require(JSONNumber("98765432109876543210")))],
                tenant: "o1",
                cancellationKey: "ck"
            ),
            at: 3
        )
        guard case .ok(let result) = outcome, let runID = result?["workflow_run_id"]?.stringValue else {
            Issue.record("expected a run id, got \(outcome)")
            return
        }
        let run = try #require(try store.read { try $0.workflowRun(environment: S.environment, id: runID) })
        #expect(run["recipients"] == [["collection": "orgs", "id": "o1"], "u1", "u2"])
        #expect(run["actor"] == "admin")
        #expect(run["workflow"] == "org-alert")
        #expect(run["status"] == "triggered")
        #expect(run["tenant"] == "o1")
        #expect(run["cancellation_key"] == "ck")
        #expect(run["data"]?["big"]?.numberValue?.text == "98765432109876543210")

        let empty = try await S.apply(
            store,
            .triggerWorkflow(
                key: "org-alert",
                recipients: [.object(collection: "orgs", id: "lonely", properties: nil)],
                actor: nil,
                data: nil,
                tenant: nil,
                cancellationKey: nil
            ),
            at: 4
        )
        guard case .ok(let emptyResult) = empty, let emptyID = emptyResult?["workflow_run_id"]?.stringValue else {
            Issue.record("expected a run id")
            return
        }
        let emptyRun = try #require(try store.read { try $0.workflowRun(environment: S.environment, id: emptyID) })
        #expect(emptyRun["recipients"] == [["collection": "orgs", "id": "lonely"]])
        #expect(emptyRun["actor"] == .null)

        let forU2 = try store.read {
            try $0.workflowRuns(
                environment: S.environment,
                workflow: nil,
                recipient: .user(id: "u2", properties: nil),
                page: PageRequest()
            )
        }
        #expect(forU2.entries.map { $0["id"] } == [.string(runID)])
        let all = try store.read {
            try $0.workflowRuns(environment: S.environment, workflow: "org-alert", recipient: nil, page: PageRequest())
        }
        #expect(all.entries.map { $0["id"] } == [.string(emptyID), .string(runID)])
        let otherWorkflow = try store.read {
            try $0.workflowRuns(environment: S.environment, workflow: "other", recipient: nil, page: PageRequest())
        }
        #expect(otherWorkflow.entries.isEmpty)
    }

    @Test func cancelMarksMatchingRuns() async throws {
        let store = try S.memoryStore()
        func trigger(_ user: String, _ key: String?) async throws -> String {
            let outcome = try await S.apply(
                store,
                .triggerWorkflow(
                    key: "wf",
                    recipients: [.user(id: user, properties: nil)],
                    actor: nil,
                    data: nil,
                    tenant: nil,
                    cancellationKey: key
                ),
                at: 1
            )
            guard case .ok(let result) = outcome, let id = result?["workflow_run_id"]?.stringValue else {
                throw StoreError(.other, "no run id")
            }
            return id
        }
        let a = try await trigger("u1", "k")
        let b = try await trigger("u2", "k")
        let c = try await trigger("u1", "other")
        func status(_ id: String) throws -> JSON? {
            try store.read { try $0.workflowRun(environment: S.environment, id: id) }?["status"]
        }

        #expect(
            try await S.apply(
                store,
                .cancelWorkflow(key: "wf", cancellationKey: "k", recipients: [.user(id: "u1", properties: nil)]),
                at: 2
            )
                == .ok(result: ["cancelled_runs": 1])
        )
        #expect(try status(a) == "cancelled")
        #expect(try status(b) == "triggered")

        #expect(
            try await S.apply(store, .cancelWorkflow(key: "wf", cancellationKey: "k", recipients: nil), at: 3)
                == .ok(result: ["cancelled_runs": 1])
        )
        #expect(try status(b) == "cancelled")
        #expect(try status(c) == "triggered")
    }
}
