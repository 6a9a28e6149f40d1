import Foundation
import Synchronization

/// A small structured logger: one line per event, `key=value` pairs, a level and a label.
///
/// Lines look like `time=2026-12-04T17:00:00.123Z level=info msg="request done" request_id=r12
/// route=webhook:workos status=200`. Values with spaces, quotes or `=` are quoted. Never pass
/// secrets, signatures, API keys or bodies as metadata (bodies only at `.debug`).
public struct Logger: Sendable {
    /// Severity, in swift-log's names and order.
    public enum Level: Int, Sendable, Comparable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical

        /// The level's name as written in config and logs.
        public var name: String {
            switch self {
            case .trace: "trace"
            case .debug: "debug"
            case .info: "info"
            case .notice: "notice"
            case .warning: "warning"
            case .error: "error"
            case .critical: "critical"
            }
        }

        /// The level named `name`, if any.
        public init?(name: String) {
            guard let level = Level.allCases.first(where: { $0.name == name }) else { return nil }
            self = level
        }

        /// Orders levels by severity.
        public static func < (lhs: Level, rhs: Level) -> Bool {
            lhs.rawValue < rhs.rawValue
        }
    }

    /// The lowest level written.
    public var level: Level

    /// Pairs added to every line of this logger (e.g. `request_id`).
    public var metadata: [(String, String)]

    private let sink: LogSink

    /// A logger writing to `sink` at `level` and above.
    public init(level: Level = .info, sink: LogSink = .standardError, metadata: [(String, String)] = []) {
        self.level = level
        self.sink = sink
        self.metadata = metadata
    }

    /// This logger with `key=value` added to every line.
    public func with(_ key: String, _ value: String) -> Logger {
        var copy = self
        copy.metadata.append((key, value))
        return copy
    }

    /// Whether lines at `level` are written (check it before building costly pairs).
    public func isEnabled(_ level: Level) -> Bool {
        level >= self.level
    }

    /// Writes one line when `level` is enabled.
    public func log(_ level: Level, _ message: @autoclosure () -> String, _ pairs: [(String, String)] = []) {
        guard level >= self.level else { return }
        var line = "time=\(Logger.timestamp()) level=\(level.name) msg=\(Logger.quote(message()))"
        for (key, value) in self.metadata + pairs {
            line += " \(key)=\(Logger.quote(value))"
        }
        self.sink.write(line)
    }

    /// Writes at `.debug`.
    public func debug(_ message: @autoclosure () -> String, _ pairs: [(String, String)] = []) {
        self.log(.debug, message(), pairs)
    }

    /// Writes at `.info`.
    public func info(_ message: @autoclosure () -> String, _ pairs: [(String, String)] = []) {
        self.log(.info, message(), pairs)
    }

    /// Writes at `.warning`.
    public func warning(_ message: @autoclosure () -> String, _ pairs: [(String, String)] = []) {
        self.log(.warning, message(), pairs)
    }

    /// Writes at `.error`.
    public func error(_ message: @autoclosure () -> String, _ pairs: [(String, String)] = []) {
        self.log(.error, message(), pairs)
    }

    /// `value` as it may stand in a line: bare when it is plain, else in double quotes with `\\`,
    /// `"` and every control character escaped, so that no value (a duplicate key from a payload,
    /// a peer's input) can end the line, forge another one or send escape codes to a terminal.
    static func quote(_ value: String) -> String {
        let needsQuotes =
            value.isEmpty
            || value.utf8.contains { $0 <= 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "=") || $0 >= 0x7F }
        guard needsQuotes else { return value }

        var escaped = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value):
                escaped += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped + "\""
    }

    /// The current time as ISO 8601 UTC with milliseconds.
    static func timestamp() -> String {
        StoreTime.iso8601(StoreTime.nowMs())
    }
}

/// Where log lines go: standard error, or memory for tests.
public final class LogSink: Sendable {
    private let capturing: Bool
    private let lines = Mutex<[String]>([])

    private init(capturing: Bool) {
        self.capturing = capturing
    }

    /// Writes each line to standard error.
    public static let standardError = LogSink(capturing: false)

    /// Keeps lines in memory; read them with `capturedLines`.
    public static func memory() -> LogSink {
        LogSink(capturing: true)
    }

    /// The lines written so far (memory sinks only).
    public var capturedLines: [String] {
        self.lines.withLock { $0 }
    }

    /// Writes one line (a newline is added for standard error).
    func write(_ line: String) {
        if self.capturing {
            self.lines.withLock { $0.append(line) }
        } else {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }
}
