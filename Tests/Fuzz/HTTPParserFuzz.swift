// libFuzzer entry for HTTPRequestParser; built by Tests/Fuzz/build.sh, not by SwiftPM.
//
// Input layout: byte 0 picks the limits (small ones reach every limit path quickly), byte 1..3
// seed the split sizes, the rest is the byte stream of one connection. The stream is parsed
// twice, once in a single feed and once in pseudo-random splits; the two event sequences must be
// identical (the parser's answer may not depend on how TCP cut the bytes), and every invariant
// below must hold. Any violation traps, which libFuzzer reports as a crash.

/// The limits used for one run.
private func fuzzConfiguration(_ selector: UInt8) -> HTTPServerConfiguration {
    if selector & 1 == 0 {
        return HTTPServerConfiguration(
            maxBodyBytes: 300,
            maxHeaderBytes: 256,
            maxHeaderCount: 6,
            maxRequestTargetBytes: 40
        )
    }
    return HTTPServerConfiguration()
}

/// A comparable rendering of one event.
private func describe(_ event: HTTPRequestParser.Event, _ configuration: HTTPServerConfiguration) -> String {
    switch event {
    case .sendContinue:
        return "continue"
    case .failure(let error):
        precondition([400, 413, 414, 415, 417, 431, 501, 505].contains(error.status), "unexpected status")
        return "failure \(error)"
    case .request(let message):
        let request = message.request
        precondition(request.body.count <= configuration.maxBodyBytes, "body over the limit")
        precondition(request.target.utf8.count <= configuration.maxRequestTargetBytes, "target over the limit")
        precondition(request.headers.fields.count <= configuration.maxHeaderCount, "too many fields")
        precondition(request.path.hasPrefix("/") || request.path == "*", "path not absolute")
        let headers = request.headers.fields.map { "\($0.name)=\($0.value)" }.joined(separator: "\u{1}")
        return "request \(request.method) \(request.target) \(request.path) \(request.query) \(request.version) "
            + "\(headers) \(request.body) \(message.keepAlive) \(message.bodyIsGzip)"
    }
}

/// Pulls every event the parser can give now.
private func drain(_ parser: inout HTTPRequestParser, into events: inout [String]) {
    while let event = parser.next() {
        events.append(describe(event, parser.configuration))
        precondition(events.count < 100_000, "event loop does not end")
    }
    if parser.phase == .failed {
        precondition(parser.bufferedByteCount == 0, "bytes kept after a failure")
    }
    // Waiting for bytes, the parser holds at most one incomplete line (head, chunk size or
    // trailer) or the two bytes after chunk data: buffering is bounded by the limits.
    let bound = max(parser.configuration.maxHeaderBytes, HTTPRequestParser.maxChunkLineBytes)
    precondition(parser.bufferedByteCount <= bound, "unbounded buffering")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPRequestParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size >= 4 else {
        return 0
    }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let configuration = fuzzConfiguration(input[0])
    var seed = UInt32(input[1]) | UInt32(input[2]) << 8 | UInt32(input[3]) << 16 | 1
    let stream = Array(input[4...])

    var whole = HTTPRequestParser(configuration: configuration)
    var wholeEvents: [String] = []
    whole.feed(stream)
    drain(&whole, into: &wholeEvents)

    var split = HTTPRequestParser(configuration: configuration)
    var splitEvents: [String] = []
    var offset = 0
    while offset < stream.count {
        seed = seed &* 1_103_515_245 &+ 12_345
        let length = Int((seed >> 16) % 9)
        let end = min(stream.count, offset + length)
        split.feed(stream[offset..<end])
        drain(&split, into: &splitEvents)
        offset = end
    }
    drain(&split, into: &splitEvents)

    precondition(wholeEvents == splitEvents, "events depend on how the input was split")
    precondition(whole.phase == split.phase, "final phase depends on the split")
    return 0
}
