import Foundation
import Testing

@testable import Inlet

/// `/v1/objects`: set, get, list, delete, and subscriptions in both modes.
@Suite struct APIObjectsTests {
    @Test func setGetListDelete() async throws {
        let api = try APITestHarness()
        let set = await api.send("PUT", "/v1/objects/teams/t1", json: ["name": "Core", "meta": ["a": 1]])
        #expect(set.status == 200)
        #expect(set.json?["__typename"] == "Object")
        #expect(set.json?["collection"] == "teams")
        #expect(set.json?["id"] == "t1")
        #expect(set.json?["properties"] == ["name": "Core", "meta": ["a": 1]])

        let merged = await api.send("PUT", "/v1/objects/teams/t1", json: ["meta": ["b": 2]])
        #expect(merged.json?["properties"] == ["name": "Core", "meta": ["a": 1, "b": 2]])
        #expect(await api.send("GET", "/v1/objects/teams/t1").json == merged.json)

        #expect(await api.send("PUT", "/v1/objects/teams/t2", json: [:]).status == 200)
        #expect(await api.send("PUT", "/v1/objects/orgs/o1", json: [:]).status == 200)
        let list = await api.send("GET", "/v1/objects/teams")
        #expect(list.entries.compactMap { $0["id"]?.stringValue } == ["t1", "t2"])

        #expect(await api.send("DELETE", "/v1/objects/teams/t1").status == 204)
        #expect(await api.send("GET", "/v1/objects/teams/t1").code == "resource_missing")
        #expect(await api.send("DELETE", "/v1/objects/teams/t1").status == 204)
        #expect(await api.send("DELETE", "/v1/objects/nothing/here").status == 204)
    }

    @Test func mistypedObjectFieldIs422() async throws {
        let api = try APITestHarness()
        let response = await api.send("PUT", "/v1/objects/teams/t1", json: ["name": 12])
        #expect(response.status == 422)
        #expect(response.errorField == "name")
    }

    @Test func subscribeListAndUnsubscribe() async throws {
        let api = try APITestHarness()
        let subscribe = await api.send(
            "POST",
            "/v1/objects/orgs/o1/subscriptions",
            json: [
                "recipients": ["u1", ["id": "u2", "name": "Two"], ["collection": "teams", "id": "t1"]],
                "properties": ["role": "admin"],
            ]
        )
        #expect(subscribe.status == 200)
        let created = try #require(subscribe.json?.arrayValue)
        #expect(created.count == 3)
        #expect(created.allSatisfy { $0["__typename"] == "Subscription" && $0["properties"] == ["role": "admin"] })
        #expect(created[2]["recipient"]?["__typename"] == "Object")
        #expect(await api.send("GET", "/v1/users/u2").json?["name"] == "Two")
        #expect(await api.send("GET", "/v1/objects/orgs/o1").status == 200)

        let subscribers = await api.send("GET", "/v1/objects/orgs/o1/subscriptions")
        #expect(subscribers.entries.compactMap { $0["recipient"]?["id"]?.stringValue } == ["u1", "u2", "t1"])
        let byObject = await api.send("GET", "/v1/objects/orgs/o1/subscriptions?mode=object&page_size=2")
        #expect(byObject.entries.count == 2)
        #expect(byObject.after != nil)

        let asRecipient = await api.send("GET", "/v1/objects/teams/t1/subscriptions?mode=recipient")
        #expect(asRecipient.entries.count == 1)
        #expect(asRecipient.entries.first?["object"]?["id"] == "o1")

        let removed = await api.send(
            "DELETE",
            "/v1/objects/orgs/o1/subscriptions",
            json: ["recipients": ["u1", ["collection": "teams", "id": "t1"], "never"]]
        )
        #expect(removed.status == 200)
        #expect(removed.json?.arrayValue?.compactMap { $0["recipient"]?["id"]?.stringValue } == ["u1", "t1"])
        let again = await api.send("DELETE", "/v1/objects/orgs/o1/subscriptions", json: ["recipients": ["u1"]])
        #expect(again.status == 200)
        #expect(again.json == [])
        #expect(await api.send("GET", "/v1/objects/orgs/o1/subscriptions").entries.count == 1)
    }

    @Test func subscriptionValidation() async throws {
        let api = try APITestHarness()
        let tooMany = await api.send(
            "POST",
            "/v1/objects/orgs/o1/subscriptions",
            json: ["recipients": .array((0...100).map { .string("u\($0)") })]
        )
        #expect(tooMany.status == 422)
        #expect(tooMany.errorField == "recipients")
        #expect(tooMany.json?["errors"]?.arrayValue?.first?["type"] == "too_many")

        let missing = await api.send("POST", "/v1/objects/orgs/o1/subscriptions", json: ["properties": [:]])
        #expect(missing.errorField == "recipients")

        let badID = await api.send(
            "POST",
            "/v1/objects/orgs/o1/subscriptions",
            json: ["recipients": ["u1", ["id": 7]]]
        )
        #expect(badID.status == 422)
        #expect(badID.errorField == "recipients[1].id")

        let badProperties = await api.send(
            "POST",
            "/v1/objects/orgs/o1/subscriptions",
            json: ["recipients": ["u1"], "properties": "x"]
        )
        #expect(badProperties.errorField == "properties")

        let itself = await api.send(
            "POST",
            "/v1/objects/orgs/o1/subscriptions",
            json: ["recipients": [["collection": "orgs", "id": "o1"]]]
        )
        #expect(itself.status == 422)
        #expect(itself.code == "invalid_params")

        let mode = await api.send("GET", "/v1/objects/orgs/o1/subscriptions?mode=sideways")
        #expect(mode.status == 422)
        #expect(mode.errorField == "mode")

        #expect(await api.send("GET", "/v1/objects/orgs/ghost/subscriptions").status == 404)
        #expect(await api.send("GET", "/v1/users/u1").status == 404)
    }
}
