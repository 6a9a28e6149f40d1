import Foundation
import Testing

@testable import Inlet

/// `/v1/tenants` and `/v1/audiences/{key}/members`.
@Suite struct APITenantsAudiencesTests {
    @Test func tenantsSetGetListDelete() async throws {
        let api = try APITestHarness()
        let set = await api.send(
            "PUT",
            "/v1/tenants/acme",
            json: ["name": "Acme", "settings": ["branding": ["primary_color": "#000"]]]
        )
        #expect(set.status == 200)
        #expect(set.json?["__typename"] == "Tenant")
        #expect(set.json?["id"] == "acme")
        #expect(set.json?["name"] == "Acme")
        #expect(set.json?["settings"]?["branding"]?["primary_color"] == "#000")

        let merged = await api.send("PUT", "/v1/tenants/acme", json: ["settings": ["branding": ["icon_url": "i"]]])
        #expect(merged.json?["settings"]?["branding"] == ["primary_color": "#000", "icon_url": "i"])
        #expect(await api.send("GET", "/v1/tenants/acme").json == merged.json)
        #expect(await api.send("GET", "/v1/tenants").entries.compactMap { $0["id"]?.stringValue } == ["acme"])

        let mistyped = await api.send("PUT", "/v1/tenants/acme", json: ["settings": [1]])
        #expect(mistyped.status == 422)
        #expect(mistyped.errorField == "settings")

        #expect(await api.send("DELETE", "/v1/tenants/acme").status == 204)
        #expect(await api.send("GET", "/v1/tenants/acme").status == 404)
        #expect(await api.send("DELETE", "/v1/tenants/acme").status == 204)
    }

    @Test func audienceMembersAddListRemove() async throws {
        let api = try APITestHarness()
        let add = await api.send(
            "POST",
            "/v1/audiences/beta/members",
            json: ["members": [["user": ["id": "u1", "name": "One"]], ["user_id": "u2", "tenant": "acme"]]]
        )
        #expect(add.status == 204)
        #expect(await api.send("GET", "/v1/users/u1").json?["name"] == "One")

        let list = await api.send("GET", "/v1/audiences/beta/members")
        #expect(list.status == 200)
        #expect(list.entries.count == 2)
        #expect(list.entries.first?["__typename"] == "AudienceMember")
        #expect(list.entries.first?["user_id"] == "u1")
        #expect(list.entries.first?["tenant"] == .null)
        #expect(list.entries.first?["user"]?["name"] == "One")
        #expect(list.entries.last?["user_id"] == "u2")
        #expect(list.entries.last?["tenant"] == "acme")

        let remove = await api.send("DELETE", "/v1/audiences/beta/members", json: ["members": [["user_id": "u1"]]])
        #expect(remove.status == 204)
        #expect(
            await api.send("GET", "/v1/audiences/beta/members").entries.compactMap { $0["user_id"]?.stringValue } == [
                "u2"
            ]
        )
        let absent = await api.send("DELETE", "/v1/audiences/beta/members", json: ["members": [["user_id": "zz"]]])
        #expect(absent.status == 204)
        #expect(await api.send("GET", "/v1/audiences/other/members").entries.isEmpty)
    }

    @Test func audienceValidation() async throws {
        let api = try APITestHarness()
        let cases: [(JSON, String)] = [
            ([:], "members"),
            (["members": []], "members"),
            (["members": ["u1"]], "members[0]"),
            (["members": [["tenant": "acme"]]], "members[0].user"),
            (["members": [["user": ["id": "u1"]], ["user": ["collection": "teams", "id": "t1"]]]], "members[1].user"),
            (["members": [["user_id": "u1", "tenant": 3]]], "members[0].tenant"),
            (["members": [["user": ["id": "u1"], "user_id": "u2"]]], "members[0].user_id"),
        ]
        for (body, field) in cases {
            let response = await api.send("POST", "/v1/audiences/beta/members", json: body)
            #expect(response.status == 422, "\(field)")
            #expect(response.errorField == field)
        }
        #expect(await api.send("GET", "/v1/audiences/beta/members").entries.isEmpty)
    }
}
