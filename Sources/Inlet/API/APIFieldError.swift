/// One entry of a validation error's `errors` array: which request field is wrong and why.
public struct APIFieldError: Sendable, Equatable {
    /// The field, as a path into the request: `email`, `recipients[2].id`, `page_size`.
    public var field: String

    /// What is wrong, for people.
    public var message: String

    /// A machine-readable kind: `required`, `invalid_type`, `invalid_value`, `too_long`,
    /// `too_many`, `too_few`.
    public var type: String

    /// A field error with these parts.
    public init(field: String, message: String, type: String) {
        self.field = field
        self.message = message
        self.type = type
    }

    /// `{"field", "message", "type"}`.
    public var json: JSON {
        [
            "field": .string(self.field),
            "message": .string(self.message),
            "type": .string(self.type),
        ]
    }
}
