import Foundation
import Synchronization

/// Counters, gauges and histograms, rendered in the Prometheus text exposition format (0.0.4).
///
/// Every name is prefixed `inlet_`. Updates take one short lock; rendering sorts series so the
/// output is stable for tests and diffs.
public final class Metrics: Sendable {
    /// Bucket upper bounds in seconds for latency histograms (request and commit latency).
    public static let latencyBuckets: [Double] = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
    ]

    private struct Family {
        var help: String
        var kind: String
        var series: [String: Double] = [:]
        var histograms: [String: Histogram] = [:]
    }

    private struct Histogram {
        var counts: [UInt64]
        var sum: Double = 0
        var count: UInt64 = 0

        mutating func record(_ seconds: Double, bucket: Int?) {
            if let bucket {
                self.counts[bucket] += 1
            }
            self.sum += seconds
            self.count += 1
        }
    }

    private let families = Mutex<[String: Family]>([:])
    private let gauges = Mutex<[String: @Sendable () -> Double]>([:])

    /// An empty registry.
    public init() {}

    /// Adds `amount` to the counter `name` with `labels` (the name must end in `_total`).
    public func increment(_ name: String, _ labels: [(String, String)] = [], by amount: Double = 1, help: String) {
        let key = Metrics.labelText(labels)
        self.families.withLock { families in
            families[name, default: Family(help: help, kind: "counter")].series[key, default: 0] += amount
        }
    }

    /// Sets the gauge `name` with `labels` to `value`.
    public func set(_ name: String, _ labels: [(String, String)] = [], to value: Double, help: String) {
        let key = Metrics.labelText(labels)
        self.families.withLock { families in
            families[name, default: Family(help: help, kind: "gauge")].series[key] = value
        }
    }

    /// Registers a gauge whose value is read when the metrics are rendered.
    public func gauge(_ name: String, help: String, read: @escaping @Sendable () -> Double) {
        self.families.withLock { families in
            families[name] = Family(help: help, kind: "gauge")
        }
        self.gauges.withLock { $0[name] = read }
    }

    /// Records one observation of `seconds` in the histogram `name` with `labels`.
    public func observe(_ name: String, _ labels: [(String, String)] = [], seconds: Double, help: String) {
        let key = Metrics.labelText(labels)
        let bucket = Metrics.latencyBuckets.firstIndex { seconds <= $0 }
        self.families.withLock { families in
            // Mutated in place: copying the family out and back would copy its dictionaries.
            families[name, default: Family(help: help, kind: "histogram")].histograms[
                key,
                default: Histogram(counts: Array(repeating: 0, count: Metrics.latencyBuckets.count))
            ].record(seconds, bucket: bucket)
        }
    }

    /// The current value of a counter or gauge series, for tests and health checks.
    public func value(_ name: String, _ labels: [(String, String)] = []) -> Double? {
        let key = Metrics.labelText(labels)
        return self.families.withLock { $0[name]?.series[key] }
    }

    /// The whole registry in the Prometheus text format.
    public func render() -> String {
        let readers = self.gauges.withLock { $0 }
        let sampled = readers.mapValues { $0() }
        let snapshot = self.families.withLock { $0 }
        var output = ""
        for name in snapshot.keys.sorted() {
            guard let family = snapshot[name] else { continue }
            output += "# HELP \(name) \(family.help)\n# TYPE \(name) \(family.kind)\n"
            if let value = sampled[name] {
                output += "\(name) \(Metrics.format(value))\n"
            }
            for key in family.series.keys.sorted() {
                output += "\(name)\(key) \(Metrics.format(family.series[key] ?? 0))\n"
            }
            for key in family.histograms.keys.sorted() {
                guard let histogram = family.histograms[key] else { continue }
                output += Metrics.renderHistogram(
                    name: name,
                    labels: key,
                    histogram.counts,
                    histogram.sum,
                    histogram.count
                )
            }
        }
        return output
    }

    private static func renderHistogram(
        name: String,
        labels: String,
        _ counts: [UInt64],
        _ sum: Double,
        _ count: UInt64
    ) -> String {
        var output = ""
        var cumulative: UInt64 = 0
        for (index, bound) in Metrics.latencyBuckets.enumerated() {
            cumulative += counts[index]
            output += "\(name)_bucket\(Metrics.adding(("le", Metrics.format(bound)), to: labels)) \(cumulative)\n"
        }
        output += "\(name)_bucket\(Metrics.adding(("le", "+Inf"), to: labels)) \(count)\n"
        output += "\(name)_sum\(labels) \(Metrics.format(sum))\n"
        output += "\(name)_count\(labels) \(count)\n"
        return output
    }

    private static func adding(_ pair: (String, String), to labels: String) -> String {
        let extra = "\(pair.0)=\"\(pair.1)\""
        guard !labels.isEmpty else { return "{\(extra)}" }
        return String(labels.dropLast()) + ",\(extra)}"
    }

    /// `{a="x",b="y"}` for these labels, or an empty string for none. On the request path, so it
    /// builds the text in one pass and escapes only values that need it.
    static func labelText(_ labels: [(String, String)]) -> String {
        guard !labels.isEmpty else { return "" }
        var text = "{"
        for (index, (name, value)) in labels.enumerated() {
            if index > 0 { text += "," }
            text += name
            text += "=\""
            text += Metrics.escape(value)
            text += "\""
        }
        text += "}"
        return text
    }

    /// The value with `\`, `"` and newlines escaped as the exposition format asks.
    private static func escape(_ value: String) -> String {
        let needsEscaping = value.utf8.contains { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == 0x0A }
        guard needsEscaping else { return value }
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    private static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 {
            return String(Int64(value))
        }
        return String(value)
    }
}
