/// Walks a parsed config document, collecting every error with its location (used by `ConfigLoader`).
///
/// Each `decode…` step reports problems into `errors` and returns its best result, so that one
/// run finds all mistakes; `ConfigLoader` only hands out a config when `errors` stays empty.
struct ConfigDecoder {
    /// The variables `${NAME}` may refer to.
    let environment: [String: String]

    /// Whether a missing `${NAME}` becomes `unset-NAME` instead of an error (offline tools only).
    var placeholdersForMissingVariables = false

    /// Every problem found so far, in document order.
    var errors: [ConfigError] = []

    /// The configured workflow keys, known once `workflows` is decoded (mappings check against it).
    var workflowKeys: [String] = []

    /// The configured environment names, known once `environments` is decoded.
    var environmentNames: [String] = []

    /// A decoder reading `${NAME}` from `environment`.
    init(environment: [String: String]) {
        self.environment = environment
    }

    /// The keys the config document may have.
    static let topLevelKeys = [
        "listen", "data", "log_level", "retention_days", "shutdown_drain_ms", "limits", "rejected_log",
        "environments", "workflows", "sources",
    ]

    /// The keys `limits` may have.
    static let limitKeys = [
        "max_body_bytes", "max_header_bytes", "max_header_count", "max_request_target_bytes",
        "header_timeout_ms", "idle_timeout_ms", "max_connections", "max_buffered_body_bytes",
    ]

    // MARK: - Top level

    /// The whole config, or nil when anything is wrong (see `errors`).
    mutating func decodeConfig(_ document: JSON) -> InletConfig? {
        guard let root = self.object(document, at: "", allowedKeys: ConfigDecoder.topLevelKeys) else { return nil }
        let defaults = InletConfig(environments: [], sources: [])

        let listen = self.string(root, "listen", at: "", default: defaults.listen)
        if let listen, InletConfig.parseListenAddress(listen) == nil {
            self.error(
                "listen",
                "must be HOST:PORT with a port from 0 to 65535, e.g. \"127.0.0.1:8080\" or \"[::1]:8080\""
            )
        }
        let data = self.string(root, "data", at: "", default: defaults.data)
        if data?.isEmpty == true {
            self.error("data", "must be a file path or \":memory:\"")
        }
        let logLevel = self.decodeLogLevel(root)
        let retentionDays = self.integer(root, "retention_days", at: "", default: defaults.retentionDays, in: 1...3_650)
        let drain = self.integer(root, "shutdown_drain_ms", at: "", default: defaults.shutdownDrainMs, in: 0...600_000)
        let limits = self.decodeLimits(root["limits"])
        let rejectedLog = self.decodeRejectedLog(root["rejected_log"])
        let environments = self.decodeEnvironments(root["environments"])
        let workflows = self.decodeWorkflows(root["workflows"])
        let sources = self.decodeSources(root["sources"])

        guard let listen, let data, let logLevel, let retentionDays, let drain, let limits, let rejectedLog,
            let environments, let workflows, let sources
        else {
            return nil
        }
        return InletConfig(
            listen: listen,
            data: data,
            logLevel: logLevel,
            retentionDays: retentionDays,
            shutdownDrainMs: drain,
            limits: limits,
            rejectedLog: rejectedLog,
            environments: environments,
            workflows: workflows,
            sources: sources
        )
    }

    private mutating func decodeLogLevel(_ root: JSONObject) -> Logger.Level? {
        guard let name = self.string(root, "log_level", at: "", default: Logger.Level.info.name) else { return nil }
        guard let level = Logger.Level(name: name) else {
            let names = Logger.Level.allCases.map(\.name).joined(separator: ", ")
            self.error("log_level", "unknown level \(JSON.string(name).serialized()) (one of \(names))")
            return nil
        }
        return level
    }

    /// The `limits` object (absent: every default), or nil when a value is out of range.
    mutating func decodeLimits(_ json: JSON?) -> HTTPServerConfiguration? {
        let defaults = HTTPServerConfiguration()
        guard let json else { return defaults }
        guard let object = self.object(json, at: "limits", allowedKeys: ConfigDecoder.limitKeys) else { return nil }
        let at = "limits"
        let body = self.integer(object, "max_body_bytes", at: at, default: defaults.maxBodyBytes, in: 1...1_073_741_824)
        let headerBytes = self.integer(
            object,
            "max_header_bytes",
            at: at,
            default: defaults.maxHeaderBytes,
            in: 256...16_777_216
        )
        let headerCount = self.integer(
            object,
            "max_header_count",
            at: at,
            default: defaults.maxHeaderCount,
            in: 1...10_000
        )
        let target = self.integer(
            object,
            "max_request_target_bytes",
            at: at,
            default: defaults.maxRequestTargetBytes,
            in: 16...16_777_216
        )
        let headerTimeout = self.integer(
            object,
            "header_timeout_ms",
            at: at,
            default: defaults.headerTimeoutMs,
            in: 1...3_600_000
        )
        let idleTimeout = self.integer(
            object,
            "idle_timeout_ms",
            at: at,
            default: defaults.idleTimeoutMs,
            in: 1...86_400_000
        )
        let connections = self.integer(
            object,
            "max_connections",
            at: at,
            default: defaults.maxConnections,
            in: 1...1_000_000
        )
        let buffered = self.integer(
            object,
            "max_buffered_body_bytes",
            at: at,
            default: max(defaults.maxBufferedBodyBytes, body ?? 0),
            in: 1...68_719_476_736
        )
        guard let body, let headerBytes, let headerCount, let target, let headerTimeout, let idleTimeout,
            let connections, let buffered
        else {
            return nil
        }
        guard buffered >= body else {
            self.error(
                "limits.max_buffered_body_bytes",
                "must be at least limits.max_body_bytes (\(body)), or no body of the largest size fits"
            )
            return nil
        }
        return HTTPServerConfiguration(
            maxBodyBytes: body,
            maxHeaderBytes: headerBytes,
            maxHeaderCount: headerCount,
            maxRequestTargetBytes: target,
            headerTimeoutMs: headerTimeout,
            idleTimeoutMs: idleTimeout,
            maxConnections: connections,
            maxBufferedBodyBytes: buffered
        )
    }

    private mutating func decodeRejectedLog(_ json: JSON?) -> RejectedLogConfig? {
        let defaults = RejectedLogConfig()
        guard let json else { return defaults }
        guard let object = self.object(json, at: "rejected_log", allowedKeys: ["max_rows"]) else { return nil }
        guard
            let rows = self.integer(
                object,
                "max_rows",
                at: "rejected_log",
                default: defaults.maxRows,
                in: 1...100_000_000
            )
        else {
            return nil
        }
        return RejectedLogConfig(maxRows: rows)
    }

    private mutating func decodeEnvironments(_ json: JSON?) -> [EnvironmentConfig]? {
        guard let json else {
            self.error("environments", "required: at least one environment with at least one API key")
            return nil
        }
        guard case .object(let object) = json else {
            self.error("environments", "must be an object of environments by name, found \(json.typeName)")
            return nil
        }
        guard !object.isEmpty else {
            self.error("environments", "must define at least one environment")
            return nil
        }

        // Every named environment counts for sources' references, even one with errors of its own,
        // so that one mistake is not reported again at each source.
        self.environmentNames = object.keys

        var environments: [EnvironmentConfig] = []
        var keyOwners: [String: String] = [:]
        var failed = false
        for (name, value) in object {
            let at = ConfigDecoder.member("environments", name)
            if !ConfigDecoder.isValidName(name) {
                self.error(at, "an environment name must be 1 to 256 letters, digits, \"-\", \"_\" or \".\"")
                failed = true
            }
            guard let body = self.object(value, at: at, allowedKeys: ["api_keys"]) else {
                failed = true
                continue
            }
            guard let keys = self.substitutedStrings(body, "api_keys", at: at, what: "API key") else {
                failed = true
                continue
            }
            if keys.isEmpty {
                self.error(ConfigDecoder.member(at, "api_keys"), "must list at least one API key")
                failed = true
            }
            for (position, key) in keys.enumerated() {
                let keyAt = ConfigDecoder.element(ConfigDecoder.member(at, "api_keys"), position)
                if let owner = keyOwners[key] {
                    self.error(keyAt, "the same API key is already used at \(owner); keys must be unique")
                    failed = true
                } else {
                    keyOwners[key] = keyAt
                }
            }
            environments.append(EnvironmentConfig(name: name, apiKeys: keys))
        }
        return failed ? nil : environments
    }

    private mutating func decodeWorkflows(_ json: JSON?) -> [WorkflowConfig]? {
        guard let json else { return [] }
        guard case .array(let elements) = json else {
            self.error("workflows", "must be an array of {\"key\", \"name\"} objects, found \(json.typeName)")
            return nil
        }

        var workflows: [WorkflowConfig] = []
        var seen: [String: String] = [:]
        var failed = false
        for (position, element) in elements.enumerated() {
            let at = ConfigDecoder.element("workflows", position)
            guard let object = self.object(element, at: at, allowedKeys: ["key", "name"]),
                let key = self.string(object, "key", at: at, default: nil)
            else {
                failed = true
                continue
            }
            if !ConfigDecoder.isValidName(key) {
                self.error(
                    ConfigDecoder.member(at, "key"),
                    "a workflow key must be 1 to 256 letters, digits, \"-\", \"_\" or \".\""
                )
                failed = true
            }
            if let first = seen[key] {
                self.error(ConfigDecoder.member(at, "key"), "workflow \"\(key)\" is already defined at \(first)")
                failed = true
            } else {
                seen[key] = at
            }
            if !self.workflowKeys.contains(key) { self.workflowKeys.append(key) }
            guard let name = self.string(object, "name", at: at, default: key) else {
                failed = true
                continue
            }
            workflows.append(WorkflowConfig(key: key, name: name))
        }
        return failed ? nil : workflows
    }

    // MARK: - Typed readers

    /// Records an error.
    mutating func error(_ location: String, _ message: String) {
        self.errors.append(ConfigError(location: location, message: message))
    }

    /// `json` as an object whose keys are all in `allowedKeys`; reports the type and every unknown key.
    mutating func object(_ json: JSON, at location: String, allowedKeys: [String]) -> JSONObject? {
        guard case .object(let object) = json else {
            let what = location.isEmpty ? "the config file must be a JSON object" : "must be an object"
            self.error(location, "\(what), found \(json.typeName)")
            return nil
        }
        for key in object.keys where !allowedKeys.contains(key) {
            var message = "unknown key"
            if let suggestion = ConfigDecoder.suggestion(for: key, among: allowedKeys) {
                message += " (did you mean \"\(suggestion)\"?)"
            } else {
                message += " (allowed: \(allowedKeys.joined(separator: ", ")))"
            }
            self.error(ConfigDecoder.member(location, key), message)
        }
        return object
    }

    /// A string member; absent gives `defaultValue`, or an error when there is none.
    mutating func string(
        _ object: JSONObject,
        _ key: String,
        at parent: String,
        default defaultValue: String?
    )
        -> String?
    {
        let location = ConfigDecoder.member(parent, key)
        guard let value = object[key] else {
            if defaultValue == nil { self.error(location, "required key is missing") }
            return defaultValue
        }
        guard case .string(let text) = value else {
            self.error(location, "must be a string, found \(value.typeName)")
            return nil
        }
        return text
    }

    /// A boolean member; absent gives `defaultValue`.
    mutating func bool(_ object: JSONObject, _ key: String, at parent: String, default defaultValue: Bool) -> Bool? {
        guard let value = object[key] else { return defaultValue }
        guard case .bool(let flag) = value else {
            self.error(ConfigDecoder.member(parent, key), "must be true or false, found \(value.typeName)")
            return nil
        }
        return flag
    }

    /// An integer member within `range`; absent gives `defaultValue`.
    mutating func integer(
        _ object: JSONObject,
        _ key: String,
        at parent: String,
        default defaultValue: Int,
        in range: ClosedRange<Int>
    ) -> Int? {
        guard let value = object[key] else { return defaultValue }
        let location = ConfigDecoder.member(parent, key)
        guard case .number(let number) = value else {
            self.error(location, "must be an integer, found \(value.typeName)")
            return nil
        }
        guard let integer = Int(number.text), range.contains(integer) else {
            self.error(
                location,
                "must be an integer from \(range.lowerBound) to \(range.upperBound), found \(number.text)"
            )
            return nil
        }
        return integer
    }

    /// An array of strings with `${NAME}` substituted; absent gives `[]`. Values are never echoed.
    mutating func substitutedStrings(
        _ object: JSONObject,
        _ key: String,
        at parent: String,
        what: String
    )
        -> [String]?
    {
        let location = ConfigDecoder.member(parent, key)
        guard let value = object[key] else { return [] }
        guard case .array(let elements) = value else {
            self.error(location, "must be an array of strings, found \(value.typeName)")
            return nil
        }
        var results: [String] = []
        var failed = false
        for (position, element) in elements.enumerated() {
            let elementAt = ConfigDecoder.element(location, position)
            guard case .string(let raw) = element else {
                self.error(elementAt, "must be a string, found \(element.typeName)")
                failed = true
                continue
            }
            guard let text = self.substituted(raw, at: elementAt) else {
                failed = true
                continue
            }
            if text.isEmpty {
                self.error(elementAt, "the \(what) is empty\(ConfigDecoder.variableNote(raw))")
                failed = true
                continue
            }
            results.append(text)
        }
        return failed ? nil : results
    }

    /// `raw` with `${NAME}` substituted, or nil after reporting each missing variable.
    mutating func substituted(_ raw: String, at location: String) -> String? {
        switch EnvironmentSubstitution.substitute(raw, environment: self.environment) {
        case .success(let text):
            return text
        case .failure(.missing(let names)):
            if self.placeholdersForMissingVariables {
                var filled = self.environment
                for name in names {
                    filled[name] = "unset-\(name)"
                }
                if case .success(let text) = EnvironmentSubstitution.substitute(raw, environment: filled) {
                    return text
                }
            }
            for name in names {
                self.error(location, "environment variable \(name) is not set")
            }
            return nil
        case .failure(.malformed(let detail)):
            self.error(location, detail)
            return nil
        }
    }

    // MARK: - Helpers

    /// ` (from ${A}, ${B})` when `raw` uses variables, so an empty value can be traced.
    static func variableNote(_ raw: String) -> String {
        let names = EnvironmentSubstitution.references(in: raw)
        guard !names.isEmpty else { return "" }
        return " (from " + names.map { "${\($0)}" }.joined(separator: ", ") + ")"
    }

    /// `parent.key`, or `parent["key"]` when the key is not a plain name.
    static func member(_ parent: String, _ key: String) -> String {
        let plain =
            !key.isEmpty
            && key.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-")
            }
        if plain {
            return parent.isEmpty ? key : "\(parent).\(key)"
        }
        return "\(parent)[\(JSON.string(key).serialized())]"
    }

    /// `parent[index]`.
    static func element(_ parent: String, _ index: Int) -> String {
        "\(parent)[\(index)]"
    }

    /// Whether `name` is 1 to 256 of `A-Z a-z 0-9 - _ .` (keys of sources, workflows, environments).
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 256
            && name.unicodeScalars.allSatisfy {
                $0.isASCII
                    && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0))
            }
    }

    /// The allowed key closest to a misspelt one (edit distance at most 2, or a prefix match).
    static func suggestion(for key: String, among allowed: [String]) -> String? {
        let scored = allowed.map { ($0, ConfigDecoder.editDistance(key, $0)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        if best.1 <= 2 || (key.count >= 3 && best.0.hasPrefix(key)) {
            return best.0
        }
        return allowed.first { key.count >= 4 && ($0.hasPrefix(key) || key.hasPrefix($0)) }
    }

    /// The Levenshtein distance between two strings, over UTF-8 bytes.
    static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        guard !left.isEmpty else { return right.count }
        guard !right.isEmpty else { return left.count }
        var previous = Array(0...right.count)
        var current = [Int](repeating: 0, count: right.count + 1)
        for row in 1...left.count {
            current[0] = row
            for column in 1...right.count {
                let cost = left[row - 1] == right[column - 1] ? 0 : 1
                current[column] = min(previous[column] + 1, current[column - 1] + 1, previous[column - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[right.count]
    }
}
