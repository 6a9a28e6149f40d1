import Foundation
import Testing

@testable import Inlet

/// Routing, authentication, input validation and error mapping shared by every API route.
@Suite struct APIRouterTests {
    @Test func missingKeyIs401ApiKeyMissing() async throws {
        let api = try APITestHarness()
        let response = await api.send("GET", "/v1/users", key: nil)
        #expect(response.status == 401)
        #expect(response.code == "api_key_missing")
        #expect(response.json?["status"] == 401)
        #expect(response.json?["type"] == "authentication_error")
        #expect(response.headers["WWW-Authenticate"] == "Bearer")

        let basic = await api.send("GET", "/v1/users", key: nil, headers: [("Authorization", "Basic ZGV2LWtleQ==")])
        #expect(basic.status == 401)
        #expect(basic.code == "api_key_missing")

        let empty = await api.send("GET", "/v1/users", key: nil, headers: [("Authorization", "Bearer   ")])
        #expect(empty.code == "api_key_missing")
    }

    @Test func unknownKeyIs401InvalidApiKey() async throws {
        let api = try APITestHarness()
        let response = await api.send("GET", "/v1/users", key: "nope")
        #expect(response.status == 401)
        #expect(response.code == "invalid_api_key")
        #expect(response.json?["message"]?.stringValue?.contains("nope") == false)

        let twice = await api.send("GET", "/v1/users", headers: [("Authorization", "Bearer dev-key")])
        #expect(twice.status == 401)
        #expect(twice.code == "invalid_api_key")
    }

    @Test func bearerSchemeIsCaseInsensitiveAndTrimmed() async throws {
        let api = try APITestHarness()
        let response = await api.send("GET", "/v1/users", key: nil, headers: [("authorization", "  bearer   dev-key ")])
        #expect(response.status == 200)
    }

    @Test func unknownRoutesAre404NotFoundInJSON() async throws {
        let api = try APITestHarness()
        for target in [
            "/v1/nope", "/v1", "/v2/users", "/users", "/v1/users/a/b/c", "/v1/users/", "/v1//users",
            "/v1/sources/workos/logs/1/replay/x", "/v1/workflows/welcome/start",
        ] {
            let response = await api.send("GET", target)
            #expect(response.status == 404, "\(target)")
            #expect(response.code == "not_found", "\(target)")
            #expect(response.headers["Content-Type"] == "application/json")
        }
    }

    @Test func headIsAnsweredLikeGet() async throws {
        let api = try APITestHarness()
        let missing = await api.send("HEAD", "/v1/users/nobody")
        #expect(missing.status == 404)
        let list = await api.send("HEAD", "/v1/users")
        #expect(list.status == 200)
    }

    @Test func wrongMethodIs405WithAllow() async throws {
        let api = try APITestHarness()
        let response = await api.send("POST", "/v1/users/u1")
        #expect(response.status == 405)
        #expect(response.code == "method_not_allowed")
        #expect(response.headers["Allow"] == "GET, HEAD, PUT, DELETE")

        let trigger = await api.send("GET", "/v1/workflows/welcome/trigger")
        #expect(trigger.status == 405)
        #expect(trigger.headers["Allow"] == "POST")

        let subscriptions = await api.send("PUT", "/v1/objects/teams/t1/subscriptions")
        #expect(subscriptions.headers["Allow"] == "GET, HEAD, POST, DELETE")
    }

    @Test func malformedPercentEscapesAre400() async throws {
        let api = try APITestHarness()
        for target in ["/v1/users/a%2", "/v1/users/a%zz", "/v1/users/%C3%28", "/v1/users/a%00b", "/v1/users/%"] {
            let response = await api.send("GET", target)
            #expect(response.status == 400, "\(target)")
            #expect(response.code == "invalid_path", "\(target)")
        }
        let query = await api.send("GET", "/v1/users?after=%G1")
        #expect(query.status == 400)
        #expect(query.code == "invalid_query")
    }

    @Test func idLengthIsChecked() async throws {
        let api = try APITestHarness()
        let longest = String(repeating: "é", count: 256)
        let encoded = try #require(longest.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
        let put = await api.send("PUT", "/v1/users/\(encoded)", json: ["name": "Long"])
        #expect(put.status == 200)
        #expect(put.json?["id"] == .string(longest))

        let tooLong = await api.send("PUT", "/v1/users/\(encoded)x", json: ["name": "Long"])
        #expect(tooLong.status == 422)
        #expect(tooLong.code == "invalid_params")
        #expect(tooLong.errorField == "id")

        let collection = await api.send("GET", "/v1/objects/\(String(repeating: "c", count: 257))/o1")
        #expect(collection.status == 422)
        #expect(collection.errorField == "collection")
    }

    @Test func badJSONIs400InvalidJSON() async throws {
        let api = try APITestHarness()
        for body in ["{", "[1]", "\"text\"", "{\"a\": 1, \"a\": 2}", "{\"a\": 1} x", "\u{FEFF}{}"] {
            let response = await api.send("PUT", "/v1/users/u1", body: body)
            #expect(response.status == 400, "\(body)")
            #expect(response.code == "invalid_json", "\(body)")
        }
        let user = await api.send("GET", "/v1/users/u1")
        #expect(user.status == 404)
    }

    @Test func badPageSizeIs422AndBadCursorIs400() async throws {
        let api = try APITestHarness()
        for size in ["0", "51", "abc", "-1", "+5", "", "1.5", "99999999999"] {
            let response = await api.send("GET", "/v1/users?page_size=\(size)")
            #expect(response.status == 422, "\(size)")
            #expect(response.errorField == "page_size", "\(size)")
        }
        let fine = await api.send("GET", "/v1/users?page_size=50")
        #expect(fine.status == 200)
        #expect(fine.json?["page_info"]?["page_size"] == 50)

        for cursor in ["after=zzz", "before=%21%21", "after=Yzk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"] {
            let response = await api.send("GET", "/v1/users?\(cursor)")
            #expect(response.status == 400, "\(cursor)")
            #expect(response.code == "invalid_cursor", "\(cursor)")
        }
        let repeated = await api.send("GET", "/v1/users?page_size=5&page_size=6")
        #expect(repeated.status == 400)
        #expect(repeated.code == "invalid_query")
    }

    @Test func listShapeHasPageInfo() async throws {
        let api = try APITestHarness()
        let response = await api.send("GET", "/v1/tenants")
        let expected: JSON = [
            "entries": [],
            "page_info": ["__typename": "PageInfo", "after": nil, "before": nil, "page_size": 50],
        ]
        #expect(response.json == expected)
    }

    @Test func storeFailureIs503WithRequestIDAndLogged() async throws {
        let api = try APITestHarness()
        api.store.close()

        let read = await api.send("GET", "/v1/users/u1", requestID: "req-77")
        #expect(read.status == 503)
        #expect(read.code == "service_unavailable")
        #expect(read.json?["message"]?.stringValue?.contains("req-77") == true)

        let write = await api.send("PUT", "/v1/users/u1", json: ["name": "A"], requestID: "req-78")
        #expect(write.status == 503)

        let lines = api.logSink.capturedLines
        #expect(lines.contains { $0.contains("request_id=req-77") && $0.contains("level=error") })
        #expect(lines.contains { $0.contains("request_id=req-78") })
    }

    @Test func crossEnvironmentEntitiesAre404() async throws {
        let api = try APITestHarness()
        #expect(await api.send("PUT", "/v1/users/u1", json: ["name": "Dev"]).status == 200)
        #expect(await api.send("PUT", "/v1/objects/teams/t1", json: ["name": "Team"]).status == 200)
        #expect(await api.send("PUT", "/v1/tenants/acme", json: ["name": "Acme"]).status == 200)
        let trigger = await api.send("POST", "/v1/workflows/welcome/trigger", json: ["recipients": ["u1"]])
        let runID = try #require(trigger.json?["workflow_run_id"]?.stringValue)

        for target in [
            "/v1/users/u1", "/v1/objects/teams/t1", "/v1/tenants/acme", "/v1/workflow_runs/\(runID)",
            "/v1/users/u1/subscriptions", "/v1/objects/teams/t1/subscriptions", "/v1/sources/workos/logs",
            "/v1/sources/workos/rejected",
        ] {
            let response = await api.send("GET", target, key: "prod-key")
            #expect(response.status == 404, "\(target)")
            #expect(response.code == "resource_missing", "\(target)")
            #expect(response.json?["message"]?.stringValue?.contains("Dev") == false)
        }
        #expect(await api.send("GET", "/v1/users", key: "prod-key").entries.isEmpty)
        #expect(await api.send("GET", "/v1/objects/teams", key: "prod-key").entries.isEmpty)
        #expect(await api.send("GET", "/v1/workflow_runs", key: "prod-key").entries.isEmpty)

        // A write in production does not touch development's entity.
        #expect(await api.send("DELETE", "/v1/users/u1", key: "prod-key").status == 204)
        #expect(await api.send("GET", "/v1/users/u1").json?["name"] == "Dev")
    }

    @Test func routeTemplatesNameTheRouteNotTheIds() {
        #expect(APIRouter.routeTemplate(forPath: "/v1/users/u%201") == "/v1/users/{id}")
        #expect(
            APIRouter.routeTemplate(forPath: "/v1/objects/teams/t1/subscriptions")
                == "/v1/objects/{collection}/{id}/subscriptions"
        )
        #expect(
            APIRouter.routeTemplate(forPath: "/v1/sources/workos/logs/12/replay")
                == "/v1/sources/{key}/logs/{id}/replay"
        )
        #expect(APIRouter.routeTemplate(forPath: "/v1/nope") == nil)
        #expect(APIRouter.routeTemplate(forPath: "/v1/users/%zz") == nil)
        #expect(APIRouter.isAPIPath("/v1/users"))
        #expect(APIRouter.isAPIPath("/v1"))
        #expect(!APIRouter.isAPIPath("/v10/users"))
        #expect(!APIRouter.isAPIPath("/webhooks/workos/x"))
    }

    @Test func craftedHugeCursorsGiveEmptyPages() async throws {
        let api = try APITestHarness()
        try await api.seed([.identifyUser(id: "u1", properties: JSONObject())])
        let huge = PageRequest.encode(Int64.max)
        for target in ["/v1/sources?after=\(huge)", "/v1/users?after=\(huge)", "/v1/sources/workos/logs?after=\(huge)"]
        {
            let response = await api.send("GET", target)
            #expect(response.status == 200, "\(target)")
            #expect(response.entries.isEmpty, "\(target)")
            #expect(response.after == nil, "\(target)")
        }
        let sources = await api.send("GET", "/v1/sources?before=\(huge)")
        #expect(sources.entries.count == 3)
        let users = await api.send("GET", "/v1/users?before=\(huge)")
        #expect(users.entries.compactMap { $0["id"]?.stringValue } == ["u1"])
    }
}
