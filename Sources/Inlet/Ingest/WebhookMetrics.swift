import Synchronization

/// The metric series one source's webhooks update, resolved once per source key so a delivery
/// increments handles instead of building label text on the request path.
///
/// Series are resolved up front but appear in `/metrics` only once updated, so the output is the
/// same as when each update named its series.
final class WebhookMetrics: Sendable {
    /// The requests to the source's path, route `webhook:<key>`.
    let route: RouteMetrics

    /// `inlet_webhooks_total{source, outcome="processed"}`.
    let processed: Metrics.Counter

    /// `inlet_webhooks_total{source, outcome="duplicate"}`.
    let duplicate: Metrics.Counter

    /// `inlet_webhooks_total{source, outcome="failed"}`.
    let failed: Metrics.Counter

    /// `inlet_webhooks_total{source, outcome="rejected"}`.
    let rejected: Metrics.Counter

    /// `inlet_actions_total{type, status}`, at `ActionType.rank * statuses + status position`.
    private let actions: [Metrics.Counter]

    /// The series of the source `sourceKey` in `metrics`.
    init(sourceKey: String, metrics: Metrics) {
        self.route = RouteMetrics(route: "webhook:\(sourceKey)", metrics: metrics)
        func outcome(_ name: String) -> Metrics.Counter {
            metrics.counter(
                "inlet_webhooks_total",
                [("source", sourceKey), ("outcome", name)],
                help: Metrics.webhooksHelp
            )
        }
        self.processed = outcome("processed")
        self.duplicate = outcome("duplicate")
        self.failed = outcome("failed")
        self.rejected = outcome("rejected")
        var actions: [Metrics.Counter] = []
        for type in ActionType.allCases {
            for status in WebhookMetrics.statuses {
                actions.append(
                    metrics.counter(
                        "inlet_actions_total",
                        [("type", type.rawValue), ("status", status.rawValue)],
                        help: Metrics.actionsHelp
                    )
                )
            }
        }
        self.actions = actions
    }

    /// Counts one stored delivery and its actions.
    func record(_ outcome: IngestOutcome) {
        switch outcome {
        case .processed(_, let actions):
            self.processed.increment()
            for action in actions {
                self.action(action.type, action.status).increment()
            }
        case .duplicate:
            self.duplicate.increment()
        }
    }

    /// The `inlet_actions_total` series of `type` and `status`.
    func action(_ type: ActionType, _ status: ActionStatus) -> Metrics.Counter {
        let statuses = WebhookMetrics.statuses
        let position = statuses.firstIndex(of: status) ?? 0
        return self.actions[type.rank * statuses.count + position]
    }

    /// `ActionStatus.allCases` kept once (the synthesized one builds an array per call).
    private static let statuses = ActionStatus.allCases
}
