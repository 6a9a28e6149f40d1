/// One webhook source: where it posts, how it is verified, and its mappings (SPEC 2, 4, 5).
public struct SourceConfig: Sendable, Equatable {
    /// Which signature rules and defaults apply.
    public enum Provider: String, Sendable, Equatable, CaseIterable {
        /// WorkOS: `WorkOS-Signature` HMAC-SHA256, event type at `body.event`.
        case workos
    }

    /// The source's key, e.g. `workos`; used in the API, logs and metrics (never the path).
    public var key: String

    /// The provider. Default `.workos`.
    public var provider: Provider

    /// The environment whose store receives the events.
    public var environment: String

    /// The URL path WorkOS posts to (after `${NAME}` substitution); it holds a secret token.
    public var path: String

    /// Endpoint secrets (after substitution); any of them may sign. Required when verification is enforced.
    public var signingSecrets: [String]

    /// Whether unsigned or badly signed deliveries are refused. Default `true`.
    public var enforceVerification: Bool

    /// Allowed distance between the signature's `t` and the clock, in seconds. Default 180.
    public var toleranceSeconds: Int

    /// Where the event type is read. Default `body.event`.
    public var eventTypePath: ParameterValue

    /// Where the source timestamp is read; nil means none (receive time is used).
    /// Default `{"first": ["data.updated_at", "created_at"]}`.
    public var timestampPath: ParameterValue?

    /// Duplicate detection.
    public var idempotency: IdempotencyConfig

    /// The mappings, in file order (inactive ones included).
    public var mappings: [Mapping]

    /// A source from its parts.
    public init(
        key: String,
        provider: Provider = .workos,
        environment: String,
        path: String,
        signingSecrets: [String],
        enforceVerification: Bool = true,
        toleranceSeconds: Int = 180,
        eventTypePath: ParameterValue = SourceConfig.defaultEventTypePath,
        timestampPath: ParameterValue? = SourceConfig.defaultTimestampPath,
        idempotency: IdempotencyConfig = IdempotencyConfig(),
        mappings: [Mapping]
    ) {
        self.key = key
        self.provider = provider
        self.environment = environment
        self.path = path
        self.signingSecrets = signingSecrets
        self.enforceVerification = enforceVerification
        self.toleranceSeconds = toleranceSeconds
        self.eventTypePath = eventTypePath
        self.timestampPath = timestampPath
        self.idempotency = idempotency
        self.mappings = mappings
    }

    /// `body.event`, where WorkOS puts the event type.
    public static let defaultEventTypePath: ParameterValue = SourceConfig.compiledPath("body.event")

    /// The entity's `data.updated_at`, else the envelope's `created_at`.
    public static let defaultTimestampPath: ParameterValue = .first([
        SourceConfig.compiledPath("data.updated_at"),
        SourceConfig.compiledPath("created_at"),
    ])

    /// The verifier for this source's secrets and tolerance.
    public func signatureVerifier(
        now: @escaping @Sendable () -> Int64 = WorkOSSignatureVerifier.systemClock
    ) -> WorkOSSignatureVerifier {
        WorkOSSignatureVerifier(secrets: self.signingSecrets, toleranceSeconds: self.toleranceSeconds, now: now)
    }

    /// A path known to compile (used for the defaults above).
    static func compiledPath(_ text: String) -> ParameterValue {
        do {
            return .path(try JSONPath(parsing: text))
        } catch {
            preconditionFailure("built-in path \(text) does not compile: \(error)")
        }
    }
}

/// Printing or dumping a source never shows its secrets or its path (which holds a secret token).
extension SourceConfig: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The source without secret values, e.g. `SourceConfig(key: workos, environment: development, ...)`.
    public var description: String {
        "SourceConfig(key: \(self.key), provider: \(self.provider.rawValue), environment: \(self.environment), "
            + "path: <redacted>, signingSecrets: \(self.signingSecrets.count) redacted, "
            + "enforceVerification: \(self.enforceVerification), toleranceSeconds: \(self.toleranceSeconds), "
            + "mappings: \(self.mappings.count))"
    }

    /// Same as `description`.
    public var debugDescription: String {
        self.description
    }

    /// A mirror without the path and secrets, so `dump` and test output cannot leak them.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "key": self.key,
                "provider": self.provider,
                "environment": self.environment,
                "path": "<redacted>",
                "signingSecrets": "\(self.signingSecrets.count) redacted",
                "enforceVerification": self.enforceVerification,
                "toleranceSeconds": self.toleranceSeconds,
                "mappings": self.mappings.count,
            ]
        )
    }
}
