import Testing

@testable import Inlet

@Suite struct MetricsRenderingTests {
    @Test func escapesLabelValuesOnlyWhereNeeded() {
        #expect(Metrics.labelText([]) == "")
        #expect(
            Metrics.labelText([("route", "/v1/users/{id}"), ("status", "200")])
                == #"{route="/v1/users/{id}",status="200"}"#
        )
        #expect(Metrics.labelText([("reason", "a\"b\\c\nd")]) == #"{reason="a\"b\\c\nd"}"#)
    }

    @Test func rendersCountersGaugesAndHistograms() {
        let metrics = Metrics()
        metrics.increment("inlet_test_total", [("kind", "a")], help: "Test counter.")
        metrics.increment("inlet_test_total", [("kind", "a")], by: 2, help: "Test counter.")
        metrics.gauge("inlet_test_gauge", help: "Test gauge.") { 7 }
        metrics.observe("inlet_test_seconds", seconds: 0.003, help: "Test histogram.")
        metrics.observe("inlet_test_seconds", seconds: 10, help: "Test histogram.")

        let text = metrics.render()
        #expect(text.contains("# TYPE inlet_test_total counter\ninlet_test_total{kind=\"a\"} 3\n"))
        #expect(text.contains("# TYPE inlet_test_gauge gauge\ninlet_test_gauge 7\n"))
        #expect(text.contains("inlet_test_seconds_bucket{le=\"0.0025\"} 0\n"))
        #expect(text.contains("inlet_test_seconds_bucket{le=\"0.005\"} 1\n"))
        #expect(text.contains("inlet_test_seconds_bucket{le=\"5\"} 1\n"))
        #expect(text.contains("inlet_test_seconds_bucket{le=\"+Inf\"} 2\n"))
        #expect(text.contains("inlet_test_seconds_count 2\n"))
        #expect(text.contains("inlet_test_seconds_sum 10.003\n"))
    }

    @Test func handlesRenderTheSameTextAsNamedUpdates() {
        let named = Metrics()
        named.increment("inlet_test_total", [("kind", "a")], help: "Test counter.")
        named.increment("inlet_test_total", [("kind", "a")], by: 2, help: "Test counter.")
        named.increment("inlet_test_total", [("kind", "b\"q")], help: "Test counter.")
        named.observe("inlet_test_seconds", [("route", "r")], seconds: 0.003, help: "Test histogram.")
        named.observe("inlet_test_seconds", [("route", "r")], seconds: 10, help: "Test histogram.")
        named.set("inlet_test_level", [("pool", "x")], to: 4.5, help: "Test gauge.")

        let handles = Metrics()
        let counterA = handles.counter("inlet_test_total", [("kind", "a")], help: "Test counter.")
        let counterB = handles.counter("inlet_test_total", [("kind", "b\"q")], help: "Test counter.")
        let histogram = handles.histogram("inlet_test_seconds", [("route", "r")], help: "Test histogram.")
        counterA.increment()
        counterA.increment(by: 2)
        counterB.increment()
        histogram.observe(seconds: 0.003)
        histogram.observe(seconds: 10)
        handles.set("inlet_test_level", [("pool", "x")], to: 4.5, help: "Test gauge.")

        #expect(handles.render() == named.render())
        #expect(handles.value("inlet_test_total", [("kind", "a")]) == 3)
        #expect(handles.value("inlet_test_level", [("pool", "x")]) == 4.5)
    }

    @Test func handlesAndNamedUpdatesShareOneSeries() {
        let metrics = Metrics()
        let counter = metrics.counter("inlet_test_total", [("kind", "a")], help: "Test counter.")
        counter.increment()
        metrics.increment("inlet_test_total", [("kind", "a")], help: "Test counter.")
        #expect(metrics.counter("inlet_test_total", [("kind", "a")], help: "Test counter.") === counter)
        #expect(counter.value == 2)
        #expect(metrics.render().contains("inlet_test_total{kind=\"a\"} 2\n"))
    }

    @Test func resolvedHandlesAreNotRenderedUntilUpdated() {
        let metrics = Metrics()
        let counter = metrics.counter("inlet_test_total", [("kind", "a")], help: "Test counter.")
        let histogram = metrics.histogram("inlet_test_seconds", help: "Test histogram.")
        #expect(metrics.render() == "")
        #expect(metrics.value("inlet_test_total", [("kind", "a")]) == nil)
        #expect(counter.value == nil)

        _ = metrics.counter("inlet_test_total", [("kind", "b")], help: "Test counter.")
        counter.increment(by: 0)
        #expect(
            metrics.render() == "# HELP inlet_test_total Test counter.\n# TYPE inlet_test_total counter\n"
                + "inlet_test_total{kind=\"a\"} 0\n"
        )

        histogram.observe(seconds: 0.0001)
        let text = metrics.render()
        #expect(text.contains("# TYPE inlet_test_seconds histogram\ninlet_test_seconds_bucket{le=\"0.0005\"} 1\n"))
        #expect(text.contains("inlet_test_seconds_count 1\n"))
    }

    @Test func webhookSeriesCountLikeNamedUpdates() {
        let metrics = Metrics()
        let series = WebhookMetrics(sourceKey: "workos", metrics: metrics)
        #expect(metrics.render() == "")

        series.record(
            .processed(
                eventLogID: 1,
                actions: [
                    ActionResult(type: .usersIdentify, mappingIndex: 0, status: .ok, reason: nil, result: nil),
                    ActionResult(type: .workflowsCancel, mappingIndex: 1, status: .error, reason: "x", result: nil),
                ]
            )
        )
        series.record(.duplicate(eventLogID: 2, originalEventLogID: 1))
        series.route.record(status: 200, seconds: 0.002)
        series.route.record(status: 401, seconds: 0.0001)

        let expected = Metrics()
        let source = [("source", "workos")]
        expected.increment("inlet_webhooks_total", source + [("outcome", "processed")], help: Metrics.webhooksHelp)
        expected.increment("inlet_webhooks_total", source + [("outcome", "duplicate")], help: Metrics.webhooksHelp)
        expected.increment(
            "inlet_actions_total",
            [("type", "users_identify"), ("status", "ok")],
            help: Metrics.actionsHelp
        )
        expected.increment(
            "inlet_actions_total",
            [("type", "workflows_cancel"), ("status", "error")],
            help: Metrics.actionsHelp
        )
        for (status, seconds) in [("200", 0.002), ("401", 0.0001)] {
            let route = [("route", "webhook:workos")]
            expected.increment(
                "inlet_http_requests_total",
                route + [("status", status)],
                help: RouteMetrics.requestsHelp
            )
            expected.observe(
                "inlet_http_request_duration_seconds",
                route,
                seconds: seconds,
                help: RouteMetrics.durationHelp
            )
        }
        #expect(metrics.render() == expected.render())
    }
}
