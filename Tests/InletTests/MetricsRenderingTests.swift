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
}
