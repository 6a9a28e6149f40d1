import Foundation

/// A strict reader of the Prometheus text exposition format (0.0.4), for checking `/metrics`.
///
/// Parsing fails on any line that is not a comment, a `HELP`/`TYPE` line or a well-formed sample;
/// `problems()` then checks the rules a scraper relies on.
struct PrometheusText {
    /// One sample line.
    struct Sample {
        /// The sample's name (with `_bucket`, `_sum` or `_count` for histograms).
        var name: String
        /// Its labels.
        var labels: [String: String]
        /// Its value.
        var value: Double
    }

    /// A malformed line.
    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    /// `HELP` text by family name.
    private(set) var help: [String: String] = [:]

    /// `TYPE` by family name.
    private(set) var types: [String: String] = [:]

    /// Every sample, in order.
    private(set) var samples: [Sample] = []

    /// Families in the order their `TYPE` lines came.
    private(set) var familyOrder: [String] = []

    /// Samples that came before their family's `TYPE` line.
    private(set) var samplesBeforeType: [String] = []

    /// Parses `text`.
    init(_ text: String) throws {
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# HELP ") {
                let rest = line.dropFirst("# HELP ".count)
                let name = String(rest.prefix { $0 != " " })
                guard PrometheusText.isMetricName(name), self.help[name] == nil else {
                    throw ParseError(description: "bad or repeated HELP: \(line)")
                }
                self.help[name] = String(rest.dropFirst(name.count + 1))
            } else if line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst("# TYPE ".count).split(separator: " ")
                guard parts.count == 2, PrometheusText.isMetricName(String(parts[0])),
                    ["counter", "gauge", "histogram", "summary", "untyped"].contains(String(parts[1])),
                    self.types[String(parts[0])] == nil
                else {
                    throw ParseError(description: "bad or repeated TYPE: \(line)")
                }
                self.types[String(parts[0])] = String(parts[1])
                self.familyOrder.append(String(parts[0]))
            } else if line.hasPrefix("#") {
                continue
            } else {
                let sample = try PrometheusText.parseSample(line)
                if self.types[self.family(of: sample.name)] == nil {
                    self.samplesBeforeType.append(sample.name)
                }
                self.samples.append(sample)
            }
        }
    }

    /// The family a sample name belongs to: `x` for `x_bucket`, `x_sum`, `x_count` of histogram `x`.
    func family(of name: String) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if self.types[base] == "histogram" {
                return base
            }
        }
        return name
    }

    /// The value of the sample `name` whose labels are exactly `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        self.samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// The samples named `name`.
    func samples(named name: String) -> [Sample] {
        self.samples.filter { $0.name == name }
    }

    /// The rules broken: a family without `HELP` or `TYPE`, a sample before its `TYPE`, a counter
    /// not ending in `_total`, a name without the `inlet_` prefix, a histogram whose buckets are not
    /// cumulative or whose `+Inf` bucket differs from `_count`, a negative counter.
    func problems() -> [String] {
        var problems: [String] = []
        for name in self.familyOrder {
            if self.help[name] == nil {
                problems.append("\(name) has no HELP")
            }
            if !name.hasPrefix("inlet_") {
                problems.append("\(name) lacks the inlet_ prefix")
            }
            if self.types[name] == "counter", !name.hasSuffix("_total") {
                problems.append("counter \(name) does not end in _total")
            }
        }
        for name in self.help.keys where self.types[name] == nil {
            problems.append("\(name) has HELP but no TYPE")
        }
        for name in self.samplesBeforeType {
            problems.append("sample \(name) comes before its TYPE")
        }
        for sample in self.samples where self.types[self.family(of: sample.name)] == "counter" && sample.value < 0 {
            problems.append("counter \(sample.name) is negative")
        }
        for name in self.familyOrder where self.types[name] == "histogram" {
            problems += self.histogramProblems(name)
        }
        return problems
    }

    private func histogramProblems(_ name: String) -> [String] {
        var problems: [String] = []
        var series: [[String: String]: [(bound: Double, count: Double)]] = [:]
        for sample in self.samples(named: "\(name)_bucket") {
            guard let le = sample.labels["le"], let bound = le == "+Inf" ? Double.infinity : Double(le) else {
                problems.append("\(name)_bucket without a valid le")
                continue
            }
            var labels = sample.labels
            labels["le"] = nil
            series[labels, default: []].append((bound, sample.value))
        }
        for (labels, buckets) in series {
            let ordered = buckets.sorted { $0.bound < $1.bound }
            if ordered.map(\.count) != ordered.map(\.count).sorted() {
                problems.append("\(name)\(labels): buckets are not cumulative")
            }
            if ordered.last?.bound != .infinity {
                problems.append("\(name)\(labels): no +Inf bucket")
            }
            if ordered.last?.count != self.value("\(name)_count", labels) {
                problems.append("\(name)\(labels): +Inf bucket differs from _count")
            }
            if self.value("\(name)_sum", labels) == nil {
                problems.append("\(name)\(labels): no _sum")
            }
        }
        return problems
    }

    private static func isMetricName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first == ":" || first.properties.isAlphabetic
        else { return false }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0 == "_" || $0 == ":" || CharacterSet.alphanumerics.contains($0))
        }
    }

    private static func parseSample(_ line: Substring) throws -> Sample {
        var rest = line[...]
        let name = String(rest.prefix { $0 != "{" && $0 != " " })
        guard PrometheusText.isMetricName(name) else {
            throw ParseError(description: "bad metric name in \(line)")
        }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let label = String(rest.prefix { $0 != "=" })
                guard !label.isEmpty, PrometheusText.isMetricName(label), !label.contains(":") else {
                    throw ParseError(description: "bad label name in \(line)")
                }
                rest = rest.dropFirst(label.count)
                guard rest.hasPrefix("=\"") else {
                    throw ParseError(description: "bad label in \(line)")
                }
                rest = rest.dropFirst(2)
                var value = ""
                while true {
                    guard let character = rest.first else {
                        throw ParseError(description: "unterminated label value in \(line)")
                    }
                    rest = rest.dropFirst()
                    if character == "\"" {
                        break
                    }
                    if character == "\\" {
                        guard let escaped = rest.first, ["\\", "\"", "n"].contains(escaped) else {
                            throw ParseError(description: "bad escape in \(line)")
                        }
                        rest = rest.dropFirst()
                        value.append(escaped == "n" ? "\n" : escaped)
                    } else {
                        value.append(character)
                    }
                }
                guard labels[label] == nil else {
                    throw ParseError(description: "repeated label \(label) in \(line)")
                }
                labels[label] = value
                if rest.first == "," {
                    rest = rest.dropFirst()
                } else if rest.first != "}" {
                    throw ParseError(description: "bad label list in \(line)")
                }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else {
            throw ParseError(description: "no value in \(line)")
        }
        let fields = rest.dropFirst().split(separator: " ")
        guard fields.count == 1 || fields.count == 2, let value = PrometheusText.parseValue(String(fields[0])) else {
            throw ParseError(description: "bad value in \(line)")
        }
        return Sample(name: name, labels: labels, value: value)
    }

    private static func parseValue(_ text: String) -> Double? {
        switch text {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: return Double(text)
        }
    }
}
