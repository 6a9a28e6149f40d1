/// Decoding of `sources`: keys, paths, secrets, verification and the event-reading paths.
extension ConfigDecoder {
    /// The keys a source object may have.
    static let sourceKeys = [
        "key", "provider", "environment", "path", "signing_secrets", "enforce_verification", "tolerance_seconds",
        "event_type_path", "timestamp_path", "idempotency", "mappings",
    ]

    /// Paths Inlet serves itself; a source may not take them.
    static let reservedPaths = ["/healthz", "/metrics", "/v1"]

    /// The `sources` array: at least one, with unique keys and paths.
    mutating func decodeSources(_ json: JSON?) -> [SourceConfig]? {
        guard let json else {
            self.error("sources", "required: at least one source")
            return nil
        }
        guard case .array(let elements) = json else {
            self.error("sources", "must be an array of sources, found \(json.typeName)")
            return nil
        }
        guard !elements.isEmpty else {
            self.error("sources", "must define at least one source")
            return nil
        }

        var sources: [SourceConfig] = []
        var keyOwners: [String: String] = [:]
        var pathOwners: [String: String] = [:]
        var failed = false
        for (position, element) in elements.enumerated() {
            let at = ConfigDecoder.element("sources", position)
            guard let source = self.decodeSource(element, at: at) else {
                failed = true
                continue
            }
            if let owner = keyOwners[source.key] {
                self.error(ConfigDecoder.member(at, "key"), "source \"\(source.key)\" is already defined at \(owner)")
                failed = true
            } else {
                keyOwners[source.key] = at
            }
            if let owner = pathOwners[source.path] {
                self.error(ConfigDecoder.member(at, "path"), "the same path is already used by \(owner)")
                failed = true
            } else {
                pathOwners[source.path] = at
            }
            sources.append(source)
        }
        return failed ? nil : sources
    }

    private mutating func decodeSource(_ json: JSON, at location: String) -> SourceConfig? {
        guard let object = self.object(json, at: location, allowedKeys: ConfigDecoder.sourceKeys) else { return nil }
        let errorCount = self.errors.count

        let key = self.string(object, "key", at: location, default: nil)
        if let key, !ConfigDecoder.isValidName(key) {
            self.error(
                ConfigDecoder.member(location, "key"),
                "a source key must be 1 to 256 letters, digits, \"-\", \"_\" or \".\""
            )
        }
        let provider = self.decodeProvider(object, at: location)
        let environment = self.decodeSourceEnvironment(object, at: location)
        let path = self.decodeSourcePath(object, at: location)
        let secrets = self.substitutedStrings(object, "signing_secrets", at: location, what: "signing secret")
        let enforce = self.bool(object, "enforce_verification", at: location, default: true)
        if enforce == true, secrets?.isEmpty == true {
            self.error(
                ConfigDecoder.member(location, "signing_secrets"),
                "must list at least one secret while enforce_verification is true"
            )
        }
        let tolerance = self.integer(object, "tolerance_seconds", at: location, default: 180, in: 0...86_400)

        let eventTypePath = self.decodeSourceValue(
            object["event_type_path"],
            at: ConfigDecoder.member(location, "event_type_path"),
            default: SourceConfig.defaultEventTypePath,
            nullable: false
        )
        let timestampPath = self.decodeSourceValue(
            object["timestamp_path"],
            at: ConfigDecoder.member(location, "timestamp_path"),
            default: SourceConfig.defaultTimestampPath,
            nullable: true
        )
        let idempotency = self.decodeIdempotency(
            object["idempotency"],
            at: ConfigDecoder.member(location, "idempotency")
        )
        let mappings = self.decodeMappings(object["mappings"], at: ConfigDecoder.member(location, "mappings"))

        guard self.errors.count == errorCount, let key, let provider, let environment, let path, let secrets,
            let enforce, let tolerance, let eventTypePath = eventTypePath?.value, let timestampPath, let idempotency,
            let mappings
        else {
            return nil
        }
        return SourceConfig(
            key: key,
            provider: provider,
            environment: environment,
            path: path,
            signingSecrets: secrets,
            enforceVerification: enforce,
            toleranceSeconds: tolerance,
            eventTypePath: eventTypePath,
            timestampPath: timestampPath.value,
            idempotency: idempotency,
            mappings: mappings
        )
    }

    private mutating func decodeProvider(_ object: JSONObject, at location: String) -> SourceConfig.Provider? {
        guard let name = self.string(object, "provider", at: location, default: SourceConfig.Provider.workos.rawValue)
        else {
            return nil
        }
        guard let provider = SourceConfig.Provider(rawValue: name) else {
            let known = SourceConfig.Provider.allCases.map(\.rawValue).joined(separator: ", ")
            self.error(
                ConfigDecoder.member(location, "provider"),
                "unknown provider \(JSON.string(name).serialized()) (known: \(known))"
            )
            return nil
        }
        return provider
    }

    /// The source's environment; it may be left out when exactly one environment is configured.
    private mutating func decodeSourceEnvironment(_ object: JSONObject, at location: String) -> String? {
        let fallback = self.environmentNames.count == 1 ? self.environmentNames.first : nil
        if object["environment"] == nil, fallback == nil {
            self.error(
                ConfigDecoder.member(location, "environment"),
                "required key is missing (it may be left out only when one environment is configured)"
            )
            return nil
        }
        guard let name = self.string(object, "environment", at: location, default: fallback) else { return nil }
        if !self.environmentNames.isEmpty, !self.environmentNames.contains(name) {
            self.error(
                ConfigDecoder.member(location, "environment"),
                "environment \(JSON.string(name).serialized()) is not defined in environments"
            )
            return nil
        }
        return name
    }

    /// The path after `${NAME}` substitution; never echoed in errors (it holds a secret token).
    private mutating func decodeSourcePath(_ object: JSONObject, at location: String) -> String? {
        let pathAt = ConfigDecoder.member(location, "path")
        guard let raw = self.string(object, "path", at: location, default: nil),
            let path = self.substituted(raw, at: pathAt)
        else {
            return nil
        }
        let note = ConfigDecoder.variableNote(raw)
        guard path.hasPrefix("/") else {
            self.error(pathAt, "must start with \"/\"\(note)")
            return nil
        }
        guard path.count > 1, path.unicodeScalars.allSatisfy(ConfigDecoder.isPathCharacter) else {
            self.error(
                pathAt,
                "must be \"/\" followed by URL path characters (letters, digits, -._~!$&'()*+,;=:@%/), "
                    + "with no query or fragment\(note)"
            )
            return nil
        }
        for reserved in ConfigDecoder.reservedPaths where path == reserved || path.hasPrefix(reserved + "/") {
            self.error(pathAt, "\(reserved) is served by Inlet itself; choose another path")
            return nil
        }
        return path
    }

    /// A source-level parameter value; `null` is allowed when `nullable` (it means "none").
    /// The result's `value` is nil for an explicit `null`.
    private mutating func decodeSourceValue(
        _ json: JSON?,
        at location: String,
        default defaultValue: ParameterValue,
        nullable: Bool
    ) -> Box<ParameterValue?>? {
        guard let json else { return Box(defaultValue) }
        if case .null = json {
            guard nullable else {
                self.error(location, "must be a path or parameter value, not null")
                return nil
            }
            return Box(nil)
        }
        guard let value = self.decodeParameterValue(json, at: location) else { return nil }
        return Box(value)
    }

    private mutating func decodeIdempotency(_ json: JSON?, at location: String) -> IdempotencyConfig? {
        guard let json else { return IdempotencyConfig() }
        guard let object = self.object(json, at: location, allowedKeys: ["key_path", "window_hours"]) else {
            return nil
        }
        let keyPath = self.decodeSourceValue(
            object["key_path"],
            at: ConfigDecoder.member(location, "key_path"),
            default: IdempotencyConfig.defaultKeyPath,
            nullable: true
        )
        let window = self.integer(object, "window_hours", at: location, default: 24, in: 1...8_760)
        guard let keyPath, let window else { return nil }
        return IdempotencyConfig(keyPath: keyPath.value, windowHours: window)
    }

    /// RFC 3986 `pchar` and `/`.
    static func isPathCharacter(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.isASCII else { return false }
        if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) { return true }
        return "-._~!$&'()*+,;=:@%/".unicodeScalars.contains(scalar)
    }
}

/// Wraps an optional so that "decoded to nil" and "failed" can be told apart.
struct Box<Value> {
    /// The wrapped value.
    var value: Value

    /// Wraps `value`.
    init(_ value: Value) {
        self.value = value
    }
}
