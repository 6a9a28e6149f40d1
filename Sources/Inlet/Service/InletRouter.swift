import Foundation
import Synchronization

/// The server's front door: sends each request to the webhook handler, the REST API, the health
/// check or the metrics page, and writes one log line and the request metrics per request.
///
/// Each request reads the config snapshot current when it arrives (see `RuntimeConfig`).
final class InletRouter: HTTPResponder {
    private let runtime: RuntimeHolder
    private let store: Store
    private let metrics: Metrics
    private let webhooks: WebhookHandler
    private let api: APIRouter
    private let logger: Logger
    private let clock: @Sendable () -> Int64

    /// Metric handles of each webhook source, by source key (resolved on first use).
    private let webhookSeries = Mutex<[String: WebhookMetrics]>([:])

    /// Metric handles of the other routes, by route label (resolved on first use).
    private let routeSeries = Mutex<[String: RouteMetrics]>([:])

    /// A router over `store`, reading the config in force from `runtime`.
    init(
        runtime: RuntimeHolder,
        store: Store,
        metrics: Metrics,
        api: APIRouter,
        logger: Logger,
        now: @escaping @Sendable () -> Int64
    ) {
        self.runtime = runtime
        self.store = store
        self.metrics = metrics
        self.webhooks = WebhookHandler(store: store, metrics: metrics, now: now)
        self.api = api
        self.logger = logger
        self.clock = now
    }

    /// Routes `request` and answers it once.
    func handle(_ request: HTTPRequest, respond: @escaping @Sendable (HTTPResponse) -> Void) {
        let started = DispatchTime.now().uptimeNanoseconds
        let runtime = self.runtime.current
        let logger = self.logger.with("request_id", request.requestID)
        let source = runtime.sourcesByPath[request.path]
        let webhookSeries = source.map { self.webhookSeries(for: $0.config.key) }
        let series = webhookSeries?.route ?? self.routeSeries(for: InletRouter.routeLabel(for: request.path))
        let route = series.route

        let finish: @Sendable (HTTPResponse) -> Void = { response in
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            series.record(status: response.status, seconds: seconds)
            guard logger.isEnabled(.info) else {
                respond(response)
                return
            }
            logger.info(
                "request",
                [
                    ("method", request.method),
                    ("route", route),
                    ("status", String(response.status)),
                    ("bytes_in", String(request.body.count)),
                    ("bytes_out", String(response.body.count)),
                    ("duration_ms", String(format: "%.2f", seconds * 1000)),
                    ("remote", request.remoteAddress),
                ]
            )
            respond(response)
        }

        if let source, let webhookSeries {
            guard request.method == "POST" else {
                finish(InletRouter.methodNotAllowed(["POST"]))
                return
            }
            self.webhooks.handle(
                request,
                source: source,
                series: webhookSeries,
                rejectedRows: runtime.config.rejectedLog.maxRows,
                logger: logger,
                respond: finish
            )
            return
        }

        switch request.path {
        case "/healthz":
            guard request.method == "GET" || request.method == "HEAD" else {
                finish(InletRouter.methodNotAllowed(["GET", "HEAD"]))
                return
            }
            finish(self.health())
        case "/metrics":
            guard request.method == "GET" || request.method == "HEAD" else {
                finish(InletRouter.methodNotAllowed(["GET", "HEAD"]))
                return
            }
            var response = HTTPResponse(status: 200, body: Array(self.metrics.render().utf8))
            response.headers.add(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
            finish(response)
        case _ where APIRouter.isAPIPath(request.path):
            self.api.handle(request, respond: finish)
        default:
            finish(.error(404, code: "not_found", message: "no route for \(request.method) \(request.path)"))
        }
    }

    /// The metric handles of the webhook source `key`, resolved once.
    private func webhookSeries(for key: String) -> WebhookMetrics {
        if let series = self.webhookSeries.withLock({ $0[key] }) {
            return series
        }
        let series = WebhookMetrics(sourceKey: key, metrics: self.metrics)
        self.webhookSeries.withLock { $0[key] = series }
        return series
    }

    /// The metric handles of the route labelled `route`, resolved once.
    private func routeSeries(for route: String) -> RouteMetrics {
        if let series = self.routeSeries.withLock({ $0[route] }) {
            return series
        }
        let series = RouteMetrics(route: route, metrics: self.metrics)
        self.routeSeries.withLock { $0[route] = series }
        return series
    }

    /// `200 {"status":"ok"}` when the store answers a query, else `503` with the reason.
    private func health() -> HTTPResponse {
        do {
            try self.store.healthCheck()
            return .json(200, ["status": "ok"])
        } catch {
            self.logger.error("health check failed", [("error", error.description)])
            return .json(503, ["status": "unavailable", "reason": .string(error.description)])
        }
    }

    /// A `405` naming the allowed methods in `Allow`.
    static func methodNotAllowed(_ allowed: [String]) -> HTTPResponse {
        var response = HTTPResponse.error(
            405,
            code: "method_not_allowed",
            message: "method not allowed; use \(allowed.joined(separator: " or "))"
        )
        response.headers.add(name: "Allow", value: allowed.joined(separator: ", "))
        return response
    }

    /// A low-cardinality label for metrics and logs: `/v1/users/{id}`, `healthz`, or `unknown`.
    static func routeLabel(for path: String) -> String {
        switch path {
        case "/healthz": return "healthz"
        case "/metrics": return "metrics"
        default: break
        }
        return APIRouter.routeTemplate(forPath: path) ?? "unknown"
    }
}
