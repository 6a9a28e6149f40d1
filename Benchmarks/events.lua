-- wrk script: sends pre-signed webhook requests from a corpus made by gen_events.py.
--
--   wrk -t T -c C -d D -s events.lua URL -- CORPUS_DIR RECORD_BYTES MODE START_0,START_1,... [LIMIT]
--
-- Thread N reads CORPUS_DIR/events-N.bin, a concatenation of complete requests of RECORD_BYTES
-- each, from request number START_N on. Threads read disjoint files, so no request is sent twice.
--   MODE "once": each request at most once. When a thread's file (or its LIMIT) runs out, the
--                thread sends one GET /__bench_corpus_exhausted (the server answers 404, counted
--                as an error) and stops; `exhausted` in the result says it happened.
--   MODE "wrap": back to START_N at the end of the file (for nginx, which stores nothing).
-- done() prints one line "BENCH_RESULT {json}" for the driver.
-- Note: wrk calls request() once on thread 0 to check the script before the run starts; that
-- request is consumed (counted in `issued`) but never sent.

local threads = {}
local next_id = 0

function setup(thread)
    thread:set("id", next_id)
    next_id = next_id + 1
    table.insert(threads, thread)
end

local file, record_bytes, mode, start, limit
local exhausted_request = "GET /__bench_corpus_exhausted HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

function init(args)
    local dir = args[1]
    record_bytes = tonumber(args[2])
    mode = args[3] or "once"
    local starts = {}
    for value in string.gmatch(args[4] or "", "[^,]+") do
        table.insert(starts, tonumber(value))
    end
    start = starts[id + 1] or 0
    limit = tonumber(args[5] or "")
    file = assert(io.open(dir .. "/events-" .. id .. ".bin", "rb"))
    file:setvbuf("full", 256 * 1024)
    assert(file:seek("set", start * record_bytes))
    issued = 0
    wraps = 0
    exhausted = 0
end

local function run_out()
    exhausted = exhausted + 1
    wrk.thread:stop()
    return exhausted_request
end

function request()
    if limit ~= nil and issued >= limit then
        return run_out()
    end
    local record = file:read(record_bytes)
    if record == nil or #record < record_bytes then
        if mode ~= "wrap" then
            return run_out()
        end
        wraps = wraps + 1
        assert(file:seek("set", start * record_bytes))
        record = file:read(record_bytes)
        if record == nil or #record < record_bytes then
            return run_out()
        end
    end
    issued = issued + 1
    return record
end

function done(summary, latency, requests)
    local issued_list, total_issued, total_wraps, total_exhausted = {}, 0, 0, 0
    for _, thread in ipairs(threads) do
        local count = thread:get("issued") or 0
        table.insert(issued_list, string.format("%d", count))
        total_issued = total_issued + count
        total_wraps = total_wraps + (thread:get("wraps") or 0)
        total_exhausted = total_exhausted + (thread:get("exhausted") or 0)
    end
    local errors = summary.errors
    io.write(string.format(
        'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, '
            .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
            .. '"latency_us": {"min": %d, "mean": %.1f, "p50": %d, "p90": %d, "p99": %d, "p999": %d, "max": %d}, '
            .. '"issued": [%s], "issued_total": %d, "wraps": %d, "exhausted": %d}\n',
        summary.requests, summary.duration, summary.bytes,
        errors.connect, errors.read, errors.write, errors.status, errors.timeout,
        latency.min, latency.mean, latency:percentile(50), latency:percentile(90),
        latency:percentile(99), latency:percentile(99.9), latency.max,
        table.concat(issued_list, ","), total_issued, total_wraps, total_exhausted))
end
