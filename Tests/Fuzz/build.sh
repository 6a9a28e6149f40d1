#!/usr/bin/env bash
# Builds and runs the libFuzzer target for HTTPRequestParser (not part of `swift build`/`make test`).
#
#   Tests/Fuzz/build.sh              # build only, binary at .build/fuzz/http-parser-fuzz
#   Tests/Fuzz/build.sh run [ARGS]   # build, then run with libFuzzer ARGS (default: 60 s)
#
# The parser is compiled with only the files it needs (no zlib, no JSON), so it stays standalone.
set -euo pipefail
cd "$(dirname "$0")/../.."

out=.build/fuzz
mkdir -p "$out/corpus"
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name InletFuzz \
    Sources/Inlet/HTTP/HTTPHeaders.swift \
    Sources/Inlet/HTTP/HTTPRequest.swift \
    Sources/Inlet/HTTP/HTTPServerConfiguration.swift \
    Sources/Inlet/HTTP/HTTPParseError.swift \
    Sources/Inlet/HTTP/HTTPRequestParser.swift \
    Tests/Fuzz/HTTPParserFuzz.swift \
    -o "$out/http-parser-fuzz" 2> >(grep -v "Cannot export local symbol" >&2)

# Seed the corpus with a few well-formed and edge-case streams (byte 0..3 are the harness header).
# printf expands the \x escapes itself (bash strings cannot hold the NUL bytes).
seed() { printf "$2" > "$out/corpus/$1"; }
seed get '\x00\x01\x02\x03GET /a?b HTTP/1.1\r\nHost: x\r\n\r\n'
seed post '\x00\x07\x02\x03POST /w HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.0\r\n\r\n'
seed chunked '\x00\x05\x09\x01POST /w HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n'
seed expect '\x01\x03\x04\x05PUT /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi'
seed absolute '\x00\x02\x02\x02POST http://h:1/p?q HTTP/1.1\r\nConnection: close\r\n\r\n'
seed split-chunks '\x01\x11\x22\x33POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n'
seed gzip '\x00\x09\x08\x07POST / HTTP/1.0\r\nConnection: keep-alive\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc'

if [ "${1:-}" = run ]; then
    shift
    args=("$@")
    [ ${#args[@]} -eq 0 ] && args=(-max_total_time=60)
    "$out/http-parser-fuzz" "$out/corpus" -dict=Tests/Fuzz/http.dict -max_len=4096 -timeout=10 "${args[@]}"
fi
