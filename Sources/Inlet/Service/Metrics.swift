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

    /// One metric's help, type and series; the series are shared cells, so a handle taken once
    /// (`counter(_:_:help:)`, `histogram(_:_:help:)`) updates the same value the registry renders.
    private struct Family {
        var help: String
        var kind: String
        var series: [String: Counter] = [:]
        var histograms: [String: Histogram] = [:]
    }

    private let families = Mutex<[String: Family]>([:])
    private let gauges = Mutex<[String: @Sendable () -> Double]>([:])

    /// An empty registry.
    public init() {}

    /// The counter `name` with `labels` (the name must end in `_total`), for a caller that updates
    /// it often: keep the handle and call `increment(by:)`, which builds no label text and takes no
    /// registry lock. A series appears in the output once it is first incremented.
    public func counter(_ name: String, _ labels: [(String, String)] = [], help: String) -> Counter {
        let key = Metrics.labelText(labels)
        return self.families.withLock { families in
            Metrics.cell(in: &families, name: name, key: key, help: help, kind: "counter")
        }
    }

    /// The histogram `name` with `labels`, as a handle to keep (see `counter(_:_:help:)`). It
    /// appears in the output once it has an observation.
    public func histogram(_ name: String, _ labels: [(String, String)] = [], help: String) -> Histogram {
        let key = Metrics.labelText(labels)
        return self.families.withLock { families in
            Metrics.histogramCell(in: &families, name: name, key: key, help: help)
        }
    }

    /// Adds `amount` to the counter `name` with `labels` (the name must end in `_total`).
    public func increment(_ name: String, _ labels: [(String, String)] = [], by amount: Double = 1, help: String) {
        self.counter(name, labels, help: help).increment(by: amount)
    }

    /// Sets the gauge `name` with `labels` to `value`.
    public func set(_ name: String, _ labels: [(String, String)] = [], to value: Double, help: String) {
        let key = Metrics.labelText(labels)
        let cell = self.families.withLock { families in
            Metrics.cell(in: &families, name: name, key: key, help: help, kind: "gauge")
        }
        cell.set(value)
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
        self.histogram(name, labels, help: help).observe(seconds: seconds)
    }

    /// The current value of a counter or gauge series, for tests and health checks.
    public func value(_ name: String, _ labels: [(String, String)] = []) -> Double? {
        let key = Metrics.labelText(labels)
        return self.families.withLock { $0[name]?.series[key] }?.value
    }

    /// The whole registry in the Prometheus text format.
    ///
    /// A family is written when it has a gauge reader or a series that was updated; series that
    /// were only resolved as handles and never updated are left out.
    public func render() -> String {
        let readers = self.gauges.withLock { $0 }
        let sampled = readers.mapValues { $0() }
        let snapshot = self.families.withLock { $0 }
        var output = ""
        for name in snapshot.keys.sorted() {
            guard let family = snapshot[name] else { continue }
            let series = family.series.compactMap { key, cell in cell.value.map { (key, $0) } }
            let histograms = family.histograms.compactMap { key, cell in cell.snapshot().map { (key, $0) } }
            let value = sampled[name]
            guard value != nil || !series.isEmpty || !histograms.isEmpty else { continue }

            output += "# HELP \(name) \(family.help)\n# TYPE \(name) \(family.kind)\n"
            if let value {
                output += "\(name) \(Metrics.format(value))\n"
            }
            for (key, value) in series.sorted(by: { $0.0 < $1.0 }) {
                output += "\(name)\(key) \(Metrics.format(value))\n"
            }
            for (key, histogram) in histograms.sorted(by: { $0.0 < $1.0 }) {
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

    /// The series `key` of the family `name`, created (with the family) when absent.
    private static func cell(
        in families: inout [String: Family],
        name: String,
        key: String,
        help: String,
        kind: String
    ) -> Counter {
        if let cell = families[name]?.series[key] {
            return cell
        }
        let cell = Counter()
        families[name, default: Family(help: help, kind: kind)].series[key] = cell
        return cell
    }

    /// The histogram `key` of the family `name`, created (with the family) when absent.
    private static func histogramCell(
        in families: inout [String: Family],
        name: String,
        key: String,
        help: String
    ) -> Histogram {
        if let cell = families[name]?.histograms[key] {
            return cell
        }
        let cell = Histogram()
        families[name, default: Family(help: help, kind: "histogram")].histograms[key] = cell
        return cell
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
