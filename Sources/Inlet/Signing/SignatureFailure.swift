/// Why a webhook's `WorkOS-Signature` was refused, in the order the checks run (SPEC 4 step 2).
///
/// Messages say which rule failed and are safe to log and to send back: they never contain the
/// expected signature, the received one, or a secret.
public enum SignatureFailure: Error, Sendable, Equatable {
    /// No `WorkOS-Signature` header, or only blank ones.
    case missingHeader
    /// The header does not follow `t=<ms>, v1=<hex>`; the detail names the rule broken.
    case malformedHeader(String)
    /// `t` is further than the tolerance from the server's clock, in the past or the future.
    case timestampOutsideTolerance
    /// No `v1` value equals the HMAC of the body under any configured secret.
    case noMatchingSignature

    /// A sentence for the `401` body and the rejected log, naming the rule that failed.
    public var message: String {
        switch self {
        case .missingHeader:
            "the WorkOS-Signature header is missing"
        case .malformedHeader(let detail):
            "the WorkOS-Signature header is malformed: \(detail)"
        case .timestampOutsideTolerance:
            "the WorkOS-Signature timestamp is outside the allowed tolerance of the server clock"
        case .noMatchingSignature:
            "no v1 signature in the WorkOS-Signature header matches the body for any configured secret"
        }
    }

    /// A short snake_case code for metrics labels and the rejected log, e.g. `missing_header`.
    public var reasonCode: String {
        switch self {
        case .missingHeader: "missing_header"
        case .malformedHeader: "malformed_header"
        case .timestampOutsideTolerance: "timestamp_outside_tolerance"
        case .noMatchingSignature: "no_matching_signature"
        }
    }
}
