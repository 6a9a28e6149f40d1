import Foundation
import Testing

@testable import Inlet

/// `/v1/workflows/{key}/trigger|cancel` and `/v1/workflow_runs`.
@Suite struct APIWorkflowsTests {
    @Test func unknownWorkflowIs404WorkflowMissing() async throws {
        let api = try APITestHarness()
        let trigger = await api.send("POST", "/v1/workflows/nope/trigger", json: ["recipients": ["u1"]])
        #expect(trigger.status == 404)
        #expect(trigger.code == "workflow_missing")
        let cancel = await api.send("POST", "/v1/workflows/nope/cancel", json: ["cancellation_key": "k"])
        #expect(cancel.status == 404)
        #expect(cancel.code == "workflow_missing")
        #expect(await api.send("GET", "/v1/workflow_runs").entries.isEmpty)
    }

    @Test func triggerRecordsARunWithItsFields() async throws {
        let api = try APITestHarness()
        let trigger = await api.send(
            "POST",
            "/v1/workflows/welcome/trigger",
            json: [
                "recipients": ["u1", ["id": "u2", "email": "two@x.io"]],
                "actor": "u3",
                "data": ["plan": "pro", "big": .number(JSONNumber(integer: Int64.max))],
                "tenant": "acme",
                "cancellation_key": "ck-1",
            ]
        )
        #expect(trigger.status == 200)
        let runID = try #require(trigger.json?["workflow_run_id"]?.stringValue)
        #expect(trigger.json?.objectValue?.keys == ["workflow_run_id"])

        let run = await api.send("GET", "/v1/workflow_runs/\(runID)")
        #expect(run.status == 200)
        #expect(run.json?["id"] == .string(runID))
        #expect(run.json?["workflow"] == "welcome")
        #expect(run.json?["recipients"] == ["u1", "u2"])
        #expect(run.json?["actor"] == "u3")
        #expect(run.json?["data"]?["plan"] == "pro")
        #expect(run.json?["data"]?["big"]?.numberValue?.int64Value == Int64.max)
        #expect(run.json?["tenant"] == "acme")
        #expect(run.json?["cancellation_key"] == "ck-1")
        #expect(run.json?["status"] == "triggered")
        #expect(await api.send("GET", "/v1/users/u2").json?["email"] == "two@x.io")
        #expect(await api.send("GET", "/v1/workflow_runs/no-such-run").code == "resource_missing")
    }

    @Test func objectRecipientFansOutToSubscribers() async throws {
        let api = try APITestHarness()
        let subscribe = await api.send(
            "POST",
            "/v1/objects/orgs/o1/subscriptions",
            json: ["recipients": ["admin-1", "admin-2", "actor-1"]]
        )
        #expect(subscribe.status == 200)

        let trigger = await api.send(
            "POST",
            "/v1/workflows/org-alert/trigger",
            json: ["recipients": [["collection": "orgs", "id": "o1"], "admin-2"], "actor": "actor-1"]
        )
        #expect(trigger.status == 200)
        let runID = try #require(trigger.json?["workflow_run_id"]?.stringValue)
        let run = await api.send("GET", "/v1/workflow_runs/\(runID)")
        #expect(run.json?["recipients"] == [["collection": "orgs", "id": "o1"], "admin-1", "admin-2"])

        let forAdmin = await api.send("GET", "/v1/workflow_runs?workflow=org-alert&recipient=admin-1")
        #expect(forAdmin.entries.compactMap { $0["id"]?.stringValue } == [runID])
        #expect(await api.send("GET", "/v1/workflow_runs?recipient=actor-1").entries.isEmpty)
        #expect(await api.send("GET", "/v1/workflow_runs?workflow=welcome").entries.isEmpty)
        let objectFilter = "%7B%22collection%22%3A%22orgs%22%2C%22id%22%3A%22o1%22%7D"
        #expect(await api.send("GET", "/v1/workflow_runs?recipient=\(objectFilter)").entries.count == 1)
        let badFilter = await api.send("GET", "/v1/workflow_runs?recipient=%7Bnot-json")
        #expect(badFilter.status == 422)
        #expect(badFilter.errorField == "recipient")
    }

    @Test func runsAreListedNewestFirst() async throws {
        let api = try APITestHarness()
        var ids: [String] = []
        for index in 0..<3 {
            let trigger = await api.send(
                "POST",
                "/v1/workflows/welcome/trigger",
                json: ["recipients": [.string("u\(index)")]]
            )
            ids.append(try #require(trigger.json?["workflow_run_id"]?.stringValue))
        }
        let list = await api.send("GET", "/v1/workflow_runs?page_size=2")
        #expect(list.entries.compactMap { $0["id"]?.stringValue } == [ids[2], ids[1]])
        let next = await api.send("GET", "/v1/workflow_runs?page_size=2&after=\(try #require(list.after))")
        #expect(next.entries.compactMap { $0["id"]?.stringValue } == [ids[0]])
    }

    @Test func inlineTenantIsSetBeforeTheRun() async throws {
        let api = try APITestHarness()
        let trigger = await api.send(
            "POST",
            "/v1/workflows/welcome/trigger",
            json: ["recipients": ["u1"], "tenant": ["id": "acme", "name": "Acme"]]
        )
        let runID = try #require(trigger.json?["workflow_run_id"]?.stringValue)
        #expect(await api.send("GET", "/v1/workflow_runs/\(runID)").json?["tenant"] == "acme")
        #expect(await api.send("GET", "/v1/tenants/acme").json?["name"] == "Acme")
    }

    @Test func cancelMarksMatchingRuns() async throws {
        let api = try APITestHarness()
        let first = await api.send(
            "POST",
            "/v1/workflows/welcome/trigger",
            json: ["recipients": ["u1"], "cancellation_key": "ck"]
        )
        let second = await api.send(
            "POST",
            "/v1/workflows/welcome/trigger",
            json: ["recipients": ["u2"], "cancellation_key": "ck"]
        )
        let firstID = try #require(first.json?["workflow_run_id"]?.stringValue)
        let secondID = try #require(second.json?["workflow_run_id"]?.stringValue)

        let cancelOne = await api.send(
            "POST",
            "/v1/workflows/welcome/cancel",
            json: ["cancellation_key": "ck", "recipients": ["u1"]]
        )
        #expect(cancelOne.status == 204)
        #expect(await api.send("GET", "/v1/workflow_runs/\(firstID)").json?["status"] == "cancelled")
        #expect(await api.send("GET", "/v1/workflow_runs/\(secondID)").json?["status"] == "triggered")

        let cancelAll = await api.send("POST", "/v1/workflows/welcome/cancel", json: ["cancellation_key": "ck"])
        #expect(cancelAll.status == 204)
        #expect(await api.send("GET", "/v1/workflow_runs/\(secondID)").json?["status"] == "cancelled")
        #expect(
            await api.send("POST", "/v1/workflows/welcome/cancel", json: ["cancellation_key": "none"]).status == 204
        )
    }

    @Test func mistypedTriggerAndCancelFieldsAre422() async throws {
        let api = try APITestHarness()
        let cases: [(String, JSON, String)] = [
            ("trigger", [:], "recipients"),
            ("trigger", ["recipients": "u1"], "recipients"),
            ("trigger", ["recipients": ["u1"], "data": "x"], "data"),
            ("trigger", ["recipients": ["u1"], "actor": 5], "actor"),
            ("trigger", ["recipients": ["u1"], "tenant": 5], "tenant"),
            ("trigger", ["recipients": ["u1"], "tenant": ["name": "no id"]], "tenant.id"),
            ("trigger", ["recipients": ["u1"], "cancellation_key": ""], "cancellation_key"),
            ("trigger", ["recipients": [["collection": "orgs"]]], "recipients[0].id"),
            ("trigger", ["recipients": .array((0...1000).map { .string("u\($0)") })], "recipients"),
            ("cancel", [:], "cancellation_key"),
            ("cancel", ["cancellation_key": 1], "cancellation_key"),
            ("cancel", ["cancellation_key": "k", "recipients": [true]], "recipients[0]"),
        ]
        for (action, body, field) in cases {
            let response = await api.send("POST", "/v1/workflows/welcome/\(action)", json: body)
            #expect(response.status == 422, "\(action) \(field)")
            #expect(response.errorField == field, "\(action) \(field)")
        }
        #expect(await api.send("GET", "/v1/workflow_runs").entries.isEmpty)
    }
}
