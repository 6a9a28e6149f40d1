import Foundation
import Testing

@testable import Inlet

/// Issue 7: `/metrics` parsed back (a strict reader of the text format) after known traffic, and
/// every counter checked against what the test sent.
@Suite struct MetricsTests {
    @Test func metricsMatchTheTrafficSent() throws {
        let server = try TestServer()
        defer { server.stop() }
        let template = try WebhookLoad.template()

        // Rejected first: their records are written after the answer, and the writer commits in order,
        // so the later webhooks' answers mean these are committed too.
        let forged = WebhookLoad.event(template, tag: "metrics_forged")
        for secret in ["whsec_wrong_one", "whsec_wrong_two"] {
            let signature = WorkOSSignature.header(
                secret: secret,
                timestampMs: InletServer.systemClock(),
                body: forged.bytes
            )
            #expect(try server.postWebhook(forged.bytes, signature: signature).status == 401)
        }
        #expect(try server.postWebhook(Array("not json".utf8)).status == 400)

        let events = (1...3).map { WebhookLoad.event(template, tag: "metrics_\($0)") }
        for event in events {
            #expect(try server.postWebhook(event.bytes).json?["status"] == "processed")
        }
        for _ in 0..<2 {
            #expect(try server.postWebhook(events[0].bytes).json?["status"] == "duplicate")
        }
        #expect(try server.api("GET", "/v1/users/nobody").status == 404)
        let anonymous = try TestHTTPClient.request(port: server.port, "GET", "/v1/users")
        #expect(anonymous.status == 401)
        #expect(try TestHTTPClient.request(port: server.port, "GET", "/healthz").status == 200)

        let first = try TestHTTPClient.request(port: server.port, "GET", "/metrics")
        #expect(first.status == 200)
        #expect(first.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        let scrape = try TestHTTPClient.request(port: server.port, "GET", "/metrics")
        let metrics = try PrometheusText(scrape.text)
        #expect(metrics.problems() == [])

        let webhooks = "inlet_webhooks_total"
        #expect(metrics.value(webhooks, ["source": "workos", "outcome": "processed"]) == 3)
        #expect(metrics.value(webhooks, ["source": "workos", "outcome": "duplicate"]) == 2)
        #expect(metrics.value(webhooks, ["source": "workos", "outcome": "rejected"]) == 3)
        #expect(metrics.value(webhooks, ["source": "workos", "outcome": "failed"]) == nil)
        let rejected = "inlet_webhooks_rejected_total"
        #expect(metrics.value(rejected, ["source": "workos", "reason": "invalid_signature"]) == 2)
        #expect(metrics.value(rejected, ["source": "workos", "reason": "invalid_json"]) == 1)
        #expect(metrics.value("inlet_actions_total", ["type": "users_identify", "status": "ok"]) == 3)

        let requests = "inlet_http_requests_total"
        #expect(metrics.value(requests, ["route": "webhook:workos", "status": "200"]) == 5)
        #expect(metrics.value(requests, ["route": "webhook:workos", "status": "401"]) == 2)
        #expect(metrics.value(requests, ["route": "webhook:workos", "status": "400"]) == 1)
        #expect(metrics.value(requests, ["route": "/v1/users/{id}", "status": "404"]) == 1)
        #expect(metrics.value(requests, ["route": "/v1/users", "status": "401"]) == 1)
        #expect(metrics.value(requests, ["route": "healthz", "status": "200"]) == 1)
        #expect(metrics.value(requests, ["route": "metrics", "status": "200"]) == 1, "the first scrape, not this one")
        let answered = metrics.samples(named: requests).map(\.value).reduce(0, +)
        #expect(answered == 12)

        let latency = "inlet_http_request_duration_seconds"
        #expect(metrics.types[latency] == "histogram")
        #expect(metrics.value("\(latency)_count", ["route": "webhook:workos"]) == 8)
        let observed = metrics.samples(named: "\(latency)_count").map(\.value).reduce(0, +)
        #expect(observed == answered, "every answered request is timed once")
        let webhookBuckets = metrics.samples(named: "\(latency)_bucket").filter {
            $0.labels["route"] == "webhook:workos"
        }
        #expect(webhookBuckets.count == Metrics.latencyBuckets.count + 1)

        #expect(metrics.types["inlet_open_connections"] == "gauge")
        #expect((metrics.value("inlet_open_connections") ?? 0) >= 1, "the scrape's own connection is open")
        #expect(metrics.value("inlet_event_log_rows") == 5)
        #expect(metrics.types["inlet_buffered_body_bytes"] == "gauge")
        #expect(metrics.value("inlet_buffered_body_bytes") == 0, "no body is held while /metrics is answered")
        let commits = metrics.value("inlet_store_commit_duration_seconds_count")
        #expect((commits ?? 0) >= 1)
        #expect(commits == metrics.value("inlet_store_commits_total"))
        #expect(metrics.value("inlet_store_jobs_total") == 8, "3 rejected records and 5 events")
        for family in metrics.familyOrder {
            #expect(!(metrics.help[family] ?? "").isEmpty, "\(family) has help text")
        }
    }

    @Test func theBufferedBodyGaugeShowsABodyBeingReceived() throws {
        let server = try TestServer()
        defer { server.stop() }
        let stalled = try TestHTTPClient(port: server.port)
        defer { stalled.close() }
        let head = "POST \(server.webhookPath) HTTP/1.1\r\nHost: x\r\nContent-Length: 20000\r\n\r\n"
        try stalled.send(Array(head.utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 15_000))

        var held = 0.0
        for _ in 0..<500 where held < 15_000 {
            let scrape = try TestHTTPClient.request(port: server.port, "GET", "/metrics")
            held = try PrometheusText(scrape.text).value("inlet_buffered_body_bytes") ?? 0
            if held < 15_000 {
                usleep(10_000)
            }
        }
        #expect(held >= 15_000, "the 15,000 bytes received of a stalled body are counted")
        #expect(held < 40_000)
    }

    @Test func theReaderRejectsBrokenText() {
        #expect(throws: PrometheusText.ParseError.self) { try PrometheusText("inlet_x{a=\"1} 2\n") }
        #expect(throws: PrometheusText.ParseError.self) { try PrometheusText("inlet_x two\n") }
        let undeclared = try? PrometheusText("inlet_x_total 1\n# HELP inlet_y y\n")
        #expect(undeclared?.problems().contains("sample inlet_x_total comes before its TYPE") == true)
        #expect(undeclared?.problems().contains("inlet_y has HELP but no TYPE") == true)
        let badHistogram = try? PrometheusText(
            """
            # HELP inlet_h_seconds h
            # TYPE inlet_h_seconds histogram
            inlet_h_seconds_bucket{le="0.1"} 3
            inlet_h_seconds_bucket{le="+Inf"} 2
            inlet_h_seconds_sum 1
            inlet_h_seconds_count 2

            """
        )
        #expect(badHistogram?.problems() == ["inlet_h_seconds[:]: buckets are not cumulative"])
    }
}
