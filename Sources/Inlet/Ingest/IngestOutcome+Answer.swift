extension IngestOutcome {
    /// `answerJSON` as compact JSON bytes, written directly: the same bytes as
    /// `answerJSON.serializedBytes()` without building the tree (once per webhook, on the
    /// request path).
    var answerBytes: [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(128)
        switch self {
        case .processed(let id, let actions):
            IngestOutcome.append(#"{"status":"processed","event_log_id":"#, to: &output)
            IngestOutcome.append(String(id), to: &output)
            IngestOutcome.append(#","actions":["#, to: &output)
            for (position, action) in actions.enumerated() {
                if position > 0 {
                    output.append(UInt8(ascii: ","))
                }
                IngestOutcome.append(#"{"type":"#, to: &output)
                JSONWriter.writeString(action.type.rawValue, into: &output)
                IngestOutcome.append(#","status":"#, to: &output)
                JSONWriter.writeString(action.status.rawValue, into: &output)
                IngestOutcome.append(#","reason":"#, to: &output)
                if let reason = action.reason {
                    JSONWriter.writeString(reason, into: &output)
                } else {
                    IngestOutcome.append("null", to: &output)
                }
                if let runID = action.result?["workflow_run_id"] {
                    IngestOutcome.append(#","workflow_run_id":"#, to: &output)
                    JSONWriter.write(runID, into: &output, indent: nil, level: 0)
                }
                output.append(UInt8(ascii: "}"))
            }
            IngestOutcome.append("]}", to: &output)
        case .duplicate(let id, let original):
            IngestOutcome.append(#"{"status":"duplicate","event_log_id":"#, to: &output)
            IngestOutcome.append(String(id), to: &output)
            IngestOutcome.append(#","original_event_log_id":"#, to: &output)
            IngestOutcome.append(String(original), to: &output)
            output.append(UInt8(ascii: "}"))
        }
        return output
    }

    private static func append(_ text: String, to output: inout [UInt8]) {
        output.append(contentsOf: text.utf8)
    }
}
