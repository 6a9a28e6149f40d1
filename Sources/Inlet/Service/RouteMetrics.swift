import Synchronization

/// The request series of one route label, resolved once so that answering a request updates
/// handles instead of building label text: `inlet_http_requests_total{route, status}` and
/// `inlet_http_request_duration_seconds{route}`.
final class RouteMetrics: Sendable {
    /// Help text of `inlet_http_requests_total`.
    static let requestsHelp = "HTTP requests answered, by route and status."

    /// Help text of `inlet_http_request_duration_seconds`.
    static let durationHelp = "Time from a complete request to its answer, by route."

    /// The route label, e.g. `webhook:workos` or `/v1/users/{id}`.
    let route: String

    /// `inlet_http_request_duration_seconds{route}`.
    let duration: Metrics.Histogram

    private let metrics: Metrics

    /// `inlet_http_requests_total{route, status}` by status, filled as statuses occur.
    private let requests = Mutex<[Int: Metrics.Counter]>([:])

    /// The series of `route` in `metrics`.
    init(route: String, metrics: Metrics) {
        self.route = route
        self.metrics = metrics
        self.duration = metrics.histogram(
            "inlet_http_request_duration_seconds",
            [("route", route)],
            help: RouteMetrics.durationHelp
        )
    }

    /// Counts one answer with `status` that took `seconds`.
    func record(status: Int, seconds: Double) {
        self.requests(status: status).increment()
        self.duration.observe(seconds: seconds)
    }

    /// The `inlet_http_requests_total` series of `status` on this route.
    func requests(status: Int) -> Metrics.Counter {
        if let counter = self.requests.withLock({ $0[status] }) {
            return counter
        }
        let counter = self.metrics.counter(
            "inlet_http_requests_total",
            [("route", self.route), ("status", String(status))],
            help: RouteMetrics.requestsHelp
        )
        self.requests.withLock { $0[status] = counter }
        return counter
    }
}
