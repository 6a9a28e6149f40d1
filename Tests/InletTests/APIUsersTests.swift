import Foundation
import Testing

@testable import Inlet

/// `/v1/users`: identify, get, list and paging, delete, subscriptions, encoded ids.
@Suite struct APIUsersTests {
    @Test func identifyMergesAndAnswersTheUser() async throws {
        let api = try APITestHarness()
        let created = await api.send(
            "PUT",
            "/v1/users/u1",
            json: ["name": "Ada", "email": "ada@x.io", "plan": ["tier": "pro", "seats": 3]]
        )
        #expect(created.status == 200)
        #expect(created.json?["__typename"] == "User")
        #expect(created.json?["id"] == "u1")
        #expect(created.json?["name"] == "Ada")
        #expect(created.json?["plan"] == ["tier": "pro", "seats": 3])
        #expect(created.json?["created_at"]?.stringValue != nil)
        #expect(created.json?["updated_at"]?.stringValue != nil)

        let updated = await api.send("PUT", "/v1/users/u1", json: ["email": nil, "plan": ["seats": 5]])
        #expect(updated.status == 200)
        #expect(updated.json?["name"] == "Ada")
        #expect(updated.json?["email"] == .null)
        #expect(updated.json?["plan"] == ["tier": "pro", "seats": 5])

        let fetched = await api.send("GET", "/v1/users/u1")
        #expect(fetched.status == 200)
        #expect(fetched.json == updated.json)
    }

    @Test func emptyBodyIdentifiesAnEmptyUser() async throws {
        let api = try APITestHarness()
        let response = await api.send("PUT", "/v1/users/bare")
        #expect(response.status == 200)
        #expect(response.json?["id"] == "bare")
    }

    @Test func mistypedFieldsAre422NamingTheField() async throws {
        let api = try APITestHarness()
        let cases: [(JSON, String)] = [
            (["email": 5], "email"),
            (["name": ["first": "A"]], "name"),
            (["timezone": true], "timezone"),
            (["channel_data": "x"], "channel_data"),
            (["id": "other"], "id"),
        ]
        for (body, field) in cases {
            let response = await api.send("PUT", "/v1/users/u1", json: body)
            #expect(response.status == 422, "\(field)")
            #expect(response.code == "invalid_params", "\(field)")
            #expect(response.errorField == field)
            #expect(response.json?["errors"]?.arrayValue?.first?["type"]?.stringValue != nil)
        }
        #expect(await api.send("GET", "/v1/users/u1").status == 404)
    }

    @Test func getMissingUserIs404ResourceMissing() async throws {
        let api = try APITestHarness()
        let response = await api.send("GET", "/v1/users/ghost")
        #expect(response.status == 404)
        #expect(response.code == "resource_missing")
    }

    @Test func deleteIsIdempotent204() async throws {
        let api = try APITestHarness()
        #expect(await api.send("PUT", "/v1/users/u1", json: ["name": "A"]).status == 200)

        let deleted = await api.send("DELETE", "/v1/users/u1")
        #expect(deleted.status == 204)
        #expect(deleted.body.isEmpty)
        #expect(await api.send("GET", "/v1/users/u1").status == 404)
        #expect(await api.send("DELETE", "/v1/users/u1").status == 204)
        #expect(await api.send("DELETE", "/v1/users/never-seen").status == 204)
        #expect(await api.send("GET", "/v1/users").entries.isEmpty)
    }

    @Test func percentEncodedIdsAreDecoded() async throws {
        let api = try APITestHarness()
        let put = await api.send("PUT", "/v1/users/user%20one%2Fx%C3%A9+1", json: ["name": "Encoded"])
        #expect(put.status == 200)
        #expect(put.json?["id"] == "user one/xé+1")

        let get = await api.send("GET", "/v1/users/user%20one%2fx%c3%a9%2B1")
        #expect(get.status == 200)
        #expect(get.json?["name"] == "Encoded")
        #expect(await api.send("GET", "/v1/users").entries.first?["id"] == "user one/xé+1")
        #expect(await api.send("DELETE", "/v1/users/user%20one%2Fx%C3%A9%2B1").status == 204)
        #expect(await api.send("GET", "/v1/users/user%20one%2Fx%C3%A9+1").status == 404)
    }

    @Test func pagingWhileInsertingNeitherSkipsNorRepeats() async throws {
        let api = try APITestHarness()
        let original = (0..<120).map { String(format: "user-%03d", $0) }
        try await api.seed(original.map { .identifyUser(id: $0, properties: JSONObject()) })

        var seen: [String] = []
        var after: String?
        var pages = 0
        repeat {
            let query = after.map { "page_size=50&after=\($0)" } ?? "page_size=50"
            let page = await api.send("GET", "/v1/users?\(query)")
            #expect(page.status == 200)
            #expect(page.entries.count <= 50)
            seen += page.entries.compactMap { $0["id"]?.stringValue }
            after = page.after
            pages += 1
            // New users arrive between pages.
            try await api.seed((0..<7).map { .identifyUser(id: "new-\(pages)-\($0)", properties: JSONObject()) })
        } while after != nil && pages < 20

        #expect(seen.filter { $0.hasPrefix("user-") } == original)
        #expect(Set(seen).count == seen.count)
    }

    @Test func beforeCursorWalksBackward() async throws {
        let api = try APITestHarness()
        let ids = (0..<25).map { String(format: "u%02d", $0) }
        try await api.seed(ids.map { .identifyUser(id: $0, properties: JSONObject()) })

        let first = await api.send("GET", "/v1/users?page_size=10")
        #expect(first.before == nil)
        let second = await api.send("GET", "/v1/users?page_size=10&after=\(try #require(first.after))")
        let third = await api.send("GET", "/v1/users?page_size=10&after=\(try #require(second.after))")
        #expect(third.entries.compactMap { $0["id"]?.stringValue } == Array(ids[20...]))
        #expect(third.after == nil)

        let back = await api.send("GET", "/v1/users?page_size=10&before=\(try #require(third.before))")
        #expect(back.entries.compactMap { $0["id"]?.stringValue } == Array(ids[10..<20]))
        let start = await api.send("GET", "/v1/users?page_size=10&before=\(try #require(back.before))")
        #expect(start.entries.compactMap { $0["id"]?.stringValue } == Array(ids[0..<10]))
        #expect(start.before == nil)
        #expect(start.after != nil)
    }

    @Test func subscriptionsOfAUser() async throws {
        let api = try APITestHarness()
        let subscribe = await api.send(
            "POST",
            "/v1/objects/teams/t1/subscriptions",
            json: ["recipients": ["u1"], "properties": ["role": "admin"]]
        )
        #expect(subscribe.status == 200)

        let response = await api.send("GET", "/v1/users/u1/subscriptions")
        #expect(response.status == 200)
        let entry = try #require(response.entries.first)
        #expect(response.entries.count == 1)
        #expect(entry["__typename"] == "Subscription")
        #expect(entry["object"]?["collection"] == "teams")
        #expect(entry["object"]?["id"] == "t1")
        #expect(entry["recipient"]?["id"] == "u1")
        #expect(entry["properties"] == ["role": "admin"])

        #expect(await api.send("GET", "/v1/users/ghost/subscriptions").status == 404)
    }
}
