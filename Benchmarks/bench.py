#!/usr/bin/env python3
"""Inlet's load benchmark (SPEC section 9): `make bench` and `make bench-growth`.

`bench` (default): nginx answering 204 (the ceiling) and then Inlet with its shipped config and a
file store, one after the other, at 32 and 256 keep-alive connections, driven by wrk with distinct
pre-signed WorkOS events; prints one table. `growth`: one Inlet process, preloaded through HTTP to
10 k, 100 k and 1 M stored events, throughput and store bytes per event at each point.

Everything is on 127.0.0.1, every load run is bounded in time, and every process this script
starts is stopped by its pid before it exits. Settings come from the environment (see
Benchmarks/README.md): BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_THREADS, BENCH_RUNS,
BENCH_MAX_RATE, BENCH_GROWTH_POINTS, BENCH_GROWTH_CONNECTIONS, BENCH_KEEP, BENCH_SKIP_BUILD,
BENCH_CORPUS, BENCH_TMPDIR, BENCH_INLET.
"""

import http.client
import json
import os
import queue
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_events  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH_DIR = os.path.join(ROOT, "Benchmarks")
LUA_SCRIPT = os.path.join(BENCH_DIR, "events.lua")
INLET = os.environ.get("BENCH_INLET") or os.path.join(ROOT, ".build", "release", "inlet")
SHIPPED_CONFIG = os.path.join(ROOT, "Config", "inlet.json")

# Bench-only values for the three variables the shipped config reads. Not secrets: loopback only.
BENCH_ENV = {
    "WORKOS_WEBHOOK_SECRET": "whsec_bench_0123456789abcdef0123456789abcdef",
    "INLET_API_KEY": "sk_bench_0123456789abcdef",
    "INLET_WEBHOOK_TOKEN": "bench0123456789abcdef",
}
WEBHOOK_PATH = "/webhooks/workos/" + BENCH_ENV["INLET_WEBHOOK_TOKEN"]
TOLERANCE_SECONDS = 86_400  # the largest the config accepts; pre-signed events stay valid that long
CORPUS_MAX_AGE_S = 12 * 3600  # regenerate when the oldest signature is older (half the tolerance)
MIB = 1024 * 1024


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_list(name, default):
    value = os.environ.get(name, "").strip()
    return [int(item) for item in re.split(r"[ ,]+", value)] if value else default


SECONDS = env_int("BENCH_SECONDS", 10)
CONNECTIONS = env_list("BENCH_CONNECTIONS", [32, 256])
THREADS = env_int("BENCH_THREADS", 2)
RUNS = env_int("BENCH_RUNS", 3)
MAX_RATE = env_int("BENCH_MAX_RATE", 50_000)
MARGIN = 1.25
GROWTH_POINTS = env_list("BENCH_GROWTH_POINTS", [10_000, 100_000, 1_000_000])
GROWTH_CONNECTIONS = env_list("BENCH_GROWTH_CONNECTIONS", [32])
PRELOAD_CONNECTIONS = 64
KEEP = os.environ.get("BENCH_KEEP", "") not in ("", "0")
SKIP_BUILD = os.environ.get("BENCH_SKIP_BUILD", "") not in ("", "0")
CORPUS_DIR = os.environ.get("BENCH_CORPUS") or os.path.join(BENCH_DIR, "out", "corpus")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    """A failure of the harness or of a server start; ends the run with a message."""


def log(message):
    print(message, flush=True)


# ---------------------------------------------------------------------------------------------
# Processes: everything started here is tracked and stopped by pid.


class Child:
    """A process this script started; stopped by its pid only."""

    running = []

    def __init__(self, name, argv, **kwargs):
        self.name = name
        self.argv = argv
        self.process = subprocess.Popen(argv, start_new_session=True, **kwargs)
        self.pid = self.process.pid
        Child.running.append(self)

    def alive(self):
        return self.process.poll() is None

    def stop(self, sig=signal.SIGTERM, wait_s=20.0):
        """Sends `sig`, waits up to `wait_s`, then SIGKILL. Returns the exit status."""
        if self.alive():
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=wait_s)
            except subprocess.TimeoutExpired:
                log("  %s (pid %d) did not exit within %.0f s of %s; sending SIGKILL"
                    % (self.name, self.pid, wait_s, signal.Signals(sig).name))
                os.kill(self.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if self in Child.running:
            Child.running.remove(self)
        return self.process.returncode

    @classmethod
    def stop_all(cls):
        for child in list(reversed(cls.running)):
            child.stop(wait_s=15)


def on_signal(signum, _frame):
    raise KeyboardInterrupt("signal %d" % signum)


def proc_status_kib(pid, field):
    try:
        with open("/proc/%d/status" % pid) as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def proc_cpu_seconds(pid):
    """User + system CPU of a process (all its threads), in seconds."""
    try:
        with open("/proc/%d/stat" % pid) as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


def child_pids(pid):
    """Direct children of `pid` (nginx's worker), from /proc."""
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                children.append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    return children


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, child, timeout_s=20.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not child.alive():
            raise BenchError("%s exited with status %s before listening" % (child.name, child.process.returncode))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise BenchError("%s is not listening on 127.0.0.1:%d after %.0f s" % (child.name, port, timeout_s))


def load_average():
    with open("/proc/loadavg") as handle:
        return handle.read().split()[0]


def tail(path, lines=15):
    try:
        with open(path, errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except OSError:
        return ""


# ---------------------------------------------------------------------------------------------
# wrk


def run_wrk(url, connections, seconds, corpus, starts, mode, log_path, limit=None, stop_when=None):
    """Runs wrk once (bounded: `seconds` plus a grace period) and returns its BENCH_RESULT dict.

    `stop_when`, when given, is polled every 0.2 s; when it returns True wrk gets SIGINT, which
    makes it stop early and still print its results.
    """
    argv = [
        "wrk", "-t%d" % THREADS, "-c%d" % connections, "-d%ds" % seconds, "--timeout", "5s", "--latency",
        "-s", LUA_SCRIPT, url, "--", corpus, str(corpus_record_bytes(corpus)), mode,
        ",".join(str(start) for start in starts),
    ]
    if limit is not None:
        argv.append(str(limit))
    with open(log_path, "ab") as out:
        out.write(("\n$ %s\n" % " ".join(argv)).encode())
        out.flush()
        wrk = Child("wrk", argv, stdout=subprocess.PIPE, stderr=out)
        reader = OutputReader(wrk.process.stdout, out)
        try:
            deadline = time.monotonic() + seconds + 30
            while wrk.alive() and time.monotonic() < deadline:
                if stop_when is not None and stop_when():
                    os.kill(wrk.pid, signal.SIGINT)
                    stop_when = None
                time.sleep(0.2 if stop_when is not None else 0.1)
        finally:
            status = wrk.stop(sig=signal.SIGINT, wait_s=15)
            reader.join(timeout=15)
    result = None
    for line in reader.lines:
        if line.startswith("BENCH_RESULT "):
            result = json.loads(line[len("BENCH_RESULT "):])
    if result is None:
        raise BenchError("wrk (status %s) printed no result; see %s" % (status, log_path))
    result["errors_total"] = sum(result["errors"].values())
    result["ok"] = result["requests"] - result["errors"]["status"]
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


class OutputReader(threading.Thread):
    """Copies a child's stdout to a log file and keeps the lines."""

    def __init__(self, stream, copy_to):
        super().__init__(daemon=True)
        self.stream = stream
        self.copy_to = copy_to
        self.lines = []
        self.start()

    def run(self):
        try:
            for raw in self.stream:
                self.copy_to.write(raw)
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
            self.copy_to.flush()
        except (OSError, ValueError):
            pass  # the log was closed because the run was interrupted


_record_bytes = {}


def corpus_record_bytes(corpus):
    if corpus not in _record_bytes:
        _record_bytes[corpus] = gen_events.load_manifest(corpus)["record_bytes"]
    return _record_bytes[corpus]


# ---------------------------------------------------------------------------------------------
# nginx: the ceiling


NGINX_CONF = """\
# Written by Benchmarks/bench.py: the ceiling, 1 worker answering 204 to every request.
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_timeout 75s;
    keepalive_requests 100000000;  # never close a keep-alive connection during a run
    client_max_body_size 1m;
    client_body_buffer_size 16k;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port};
        # `return` finalizes with ngx_http_special_response_handler, which reads (and discards)
        # the request body that has arrived before writing the 204. Each bench request is one
        # 1.8 KB write on loopback, so the whole body is read before the answer; check_server()
        # proves the body is consumed exactly (a second pipelined request is answered too).
        location / {{ return 204; }}
    }}
}}
"""


class Nginx:
    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "nginx")
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as handle:
            handle.write(NGINX_CONF.format(dir=self.dir, port=self.port))
        argv = ["nginx", "-p", self.dir + "/", "-e", os.path.join(self.dir, "error.log"), "-c", conf,
                "-g", "daemon off;"]
        out = open(os.path.join(self.dir, "stdout.log"), "ab")
        self.child = Child("nginx", argv, stdout=out, stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.child)
        self.url = "http://127.0.0.1:%d%s" % (self.port, WEBHOOK_PATH)

    def pids(self):
        return [self.child.pid] + child_pids(self.child.pid)

    def peak_rss_kib(self):
        """Sum of VmHWM over the master and its worker."""
        return sum(proc_status_kib(pid, "VmHWM") or 0 for pid in self.pids())

    def cpu_seconds(self):
        return sum(proc_cpu_seconds(pid) for pid in self.pids())

    def stop(self):
        status = self.child.stop(sig=signal.SIGQUIT, wait_s=15)
        errors = tail(os.path.join(self.dir, "error.log"), 5).strip()
        return status, errors


# ---------------------------------------------------------------------------------------------
# Inlet


class Inlet:
    def __init__(self, workdir, name):
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.data = os.path.join(self.dir, "inlet.sqlite")
        self.config = os.path.join(self.dir, "inlet.json")
        write_bench_config(self.config, self.data)
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        if not os.access(INLET, os.X_OK):
            raise BenchError("%s does not exist (swift build -c release)" % INLET)
        env = dict(os.environ)
        env.update(BENCH_ENV)
        argv = [INLET, "serve", "--config", self.config, "--listen", "127.0.0.1:0", "--data", self.data]
        self.child = Child("inlet", argv, stdout=subprocess.PIPE, stderr=open(self.stderr_path, "ab"), env=env,
                           cwd=self.dir)
        self.banner = queue.Queue()
        threading.Thread(target=self._read_stdout, daemon=True).start()
        self.port = self._wait_for_banner()
        self.base = "http://127.0.0.1:%d" % self.port
        self.url = self.base + WEBHOOK_PATH
        self._wait_for_health()

    def _read_stdout(self):
        with open(os.path.join(self.dir, "stdout.log"), "ab") as copy:
            for raw in self.child.process.stdout:
                copy.write(raw)
                copy.flush()
                self.banner.put(raw.decode(errors="replace"))

    def _wait_for_banner(self, timeout_s=30.0):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = self.banner.get(timeout=0.2)
            except queue.Empty:
                if not self.child.alive():
                    break
                continue
            match = re.match(r"inlet listening on http://127\.0\.0\.1:(\d+)", line)
            if match:
                return int(match.group(1))
        status = self.child.stop(wait_s=5) if self.child.alive() else self.child.process.returncode
        raise BenchError("inlet serve did not print 'inlet listening on http://127.0.0.1:PORT' "
                         "(exit status %s); its stderr ends with:\n%s" % (status, tail(self.stderr_path)))

    def _wait_for_health(self, timeout_s=30.0):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                status, _ = self.get("/healthz", auth=False)
                if status == 200:
                    return
            except OSError:
                pass
            if not self.child.alive():
                break
            time.sleep(0.1)
        raise BenchError("inlet /healthz did not answer 200 within %.0f s" % timeout_s)

    def get(self, path, auth=True):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = {"Authorization": "Bearer " + BENCH_ENV["INLET_API_KEY"]} if auth else {}
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def events_received(self):
        """`events_received` of the workos source, from GET /v1/sources."""
        status, body = self.get("/v1/sources")
        if status != 200:
            raise BenchError("GET /v1/sources answered %d: %s" % (status, body[:300]))
        for entry in json.loads(body).get("entries", []):
            if entry.get("key") == "workos":
                return int(entry["events_received"])
        raise BenchError("GET /v1/sources has no workos source")

    def settled_events_received(self, timeout_s=15.0):
        """events_received once it stops changing (in-flight requests committed), bounded."""
        last = self.events_received()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            time.sleep(0.5)
            current = self.events_received()
            if current == last:
                return current
            last = current
        return last

    def peak_rss_kib(self):
        return proc_status_kib(self.child.pid, "VmHWM") or 0

    def cpu_seconds(self):
        return proc_cpu_seconds(self.child.pid)

    def store_bytes(self):
        total = 0
        for suffix in ("", "-wal", "-shm"):
            try:
                total += os.path.getsize(self.data + suffix)
            except OSError:
                pass
        return total

    def stop(self):
        """SIGTERM: Inlet drains and exits 0 (shutdown_drain_ms is 10 s in the shipped config)."""
        started = time.monotonic()
        status = self.child.stop(sig=signal.SIGTERM, wait_s=30)
        return status, time.monotonic() - started


def write_bench_config(path, data):
    """The shipped Config/inlet.json with bench changes only: log level, tolerance, listen, data."""
    with open(SHIPPED_CONFIG) as handle:
        config = json.load(handle)
    config["listen"] = "127.0.0.1:0"
    config["data"] = data
    config["log_level"] = "warning"
    for source in config.get("sources", []):
        if source.get("key") == "workos":
            source["tolerance_seconds"] = TOLERANCE_SECONDS
    with open(path, "w") as handle:
        json.dump(config, handle, indent=2)


def check_server(url, corpus):
    """Two pipelined corpus requests on one connection must both get a 2xx answer.

    Shows the server consumed exactly the first body (otherwise the second request is garbage)
    and that the signed corpus is accepted. Uses the last two records of thread 0's file (the
    tail of the corpus, which load runs reach last).
    """
    manifest = gen_events.load_manifest(corpus)
    size = manifest["record_bytes"]
    count = gen_events.records_in(corpus, manifest, 0)
    with open(os.path.join(corpus, "events-0.bin"), "rb") as handle:
        handle.seek((count - 2) * size)
        payload = handle.read(2 * size)
    port = int(re.match(r"http://127\.0\.0\.1:(\d+)", url).group(1))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(payload)
        received = b""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", received)
            if len(statuses) >= 2:
                break
            chunk = connection.recv(65536)
            if not chunk:
                break
            received += chunk
    statuses = [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3}) ", received)]
    if len(statuses) < 2 or any(not 200 <= code < 300 for code in statuses[:2]):
        raise BenchError("check request to %s got %r instead of two 2xx answers: %r"
                         % (url, statuses, received[:400]))
    return statuses[:2]


# ---------------------------------------------------------------------------------------------
# Output


def fmt_rate(value):
    return "{:,.0f}".format(value)


def fmt_ms(microseconds):
    return "%.2f ms" % (microseconds / 1000.0)


def fmt_mib(kib):
    return "%.1f MiB" % (kib / 1024.0)


def row_errors(result):
    errors = result["errors"]
    socket_errors = errors["connect"] + errors["read"] + errors["write"] + errors["timeout"]
    text = "%d" % (errors["status"] + socket_errors)
    if errors["status"] + socket_errors:
        text += " (%d non-2xx, %d socket)" % (errors["status"], socket_errors)
    return text


def print_table(rows, title):
    header = ["server", "conns", "req/s", "p50", "p99", "errors", "peak RSS", "CPU/req", "vs nginx"]
    lines = [header]
    for row in rows:
        result = row["result"]
        lines.append([
            row["server"], str(row["connections"]), fmt_rate(result["rps"]), fmt_ms(result["latency_us"]["p50"]),
            fmt_ms(result["latency_us"]["p99"]), row_errors(result), fmt_mib(row["peak_rss_kib"]),
            "%.1f us" % row["cpu_us_per_request"], row.get("ratio", ""),
        ])
    widths = [max(len(line[index]) for line in lines) for index in range(len(header))]
    log("")
    log(title)
    for number, line in enumerate(lines):
        log("  " + "  ".join(cell.rjust(widths[index]) if index else cell.ljust(widths[index])
                             for index, cell in enumerate(line)))
        if number == 0:
            log("  " + "  ".join("-" * width for width in widths))


# ---------------------------------------------------------------------------------------------
# Modes


def build():
    if SKIP_BUILD:
        log("BENCH_SKIP_BUILD set: using the existing %s" % INLET)
        return True
    log("$ swift build -c release")
    status = subprocess.run(["swift", "build", "-c", "release"], cwd=ROOT).returncode
    if status != 0:
        log("swift build -c release failed (status %d)" % status)
        return False
    return True


def check_tools():
    missing = [tool for tool in ("wrk", "nginx") if shutil.which(tool) is None]
    if missing:
        raise BenchError("%s missing: run `make deps EXTRA_PACKAGES=\"wrk nginx\"` (make bench does)"
                         % " and ".join(missing))


def measure(server, connections, corpus, starts, mode, logs):
    """One wrk run against a started server, with the server's CPU and peak RSS around it."""
    load = load_average()
    cpu_before = server.cpu_seconds()
    result = run_wrk(server.url, connections, SECONDS, corpus, starts, mode, logs)
    cpu = server.cpu_seconds() - cpu_before
    return {
        "connections": connections,
        "result": result,
        "peak_rss_kib": server.peak_rss_kib(),
        "cpu_us_per_request": cpu * 1e6 / max(result["requests"], 1),
        "load_before": load,
    }


def bench_mode(workdir):
    per_thread = int(SECONDS * MAX_RATE * MARGIN / THREADS) + 1000
    log("corpus: %d requests per wrk thread (BENCH_SECONDS %d x BENCH_MAX_RATE %d x %.2f / %d threads)"
        % (per_thread, SECONDS, MAX_RATE, MARGIN, THREADS))
    manifest = gen_events.ensure(CORPUS_DIR, THREADS, per_thread, BENCH_ENV["WORKOS_WEBHOOK_SECRET"],
                                 WEBHOOK_PATH, CORPUS_MAX_AGE_S, log=log)
    gen_events.verify(CORPUS_DIR, BENCH_ENV["WORKOS_WEBHOOK_SECRET"])
    logs = os.path.join(workdir, "wrk.log")
    log("events: dsync.user.created, %d-byte bodies, %d-byte requests, signed %s (tolerance raised to %d s)"
        % (manifest["body_bytes"], manifest["record_bytes"],
           time.strftime("%Y-%m-%d %H:%M", time.localtime(manifest["oldest_signature_ms"] / 1000)),
           TOLERANCE_SECONDS))
    log("load: wrk -t%d -d%ds --latency, keep-alive, %s connections; %d run(s); %d CPUs; work dir %s"
        % (THREADS, SECONDS, "/".join(map(str, CONNECTIONS)), RUNS, os.cpu_count(), workdir))

    inlet_ok = build()
    all_rows = []
    inlet_problem = None if inlet_ok else "swift build -c release failed"
    durability_failures = []
    zeros = [0] * THREADS

    for run in range(1, RUNS + 1):
        rows = []
        for connections in CONNECTIONS:
            nginx = Nginx(workdir)
            try:
                check_server(nginx.url, CORPUS_DIR)
                log("run %d: nginx, %d connections (load average %s)" % (run, connections, load_average()))
                row = measure(nginx, connections, CORPUS_DIR, zeros, "wrap", logs)
            finally:
                status, errors = nginx.stop()
            row.update(server="nginx", run=run, exit_status=status)
            if errors:
                log("  nginx error log: %s" % errors)
            rows.append(row)

        for connections in CONNECTIONS:
            if inlet_problem:
                break
            try:
                inlet = Inlet(workdir, "inlet-run%d-c%d" % (run, connections))
            except BenchError as error:
                inlet_problem = str(error)
                break
            try:
                log("run %d: inlet, %d connections (load average %s)" % (run, connections, load_average()))
                row = measure(inlet, connections, CORPUS_DIR, zeros, "once", logs)
                result = row["result"]
                committed = inlet.settled_events_received()
                row["committed"] = committed
                row["store_bytes"] = inlet.store_bytes()
                # Every 2xx was committed; at most the requests in flight when wrk stopped (one per
                # connection) were committed without their answer being read.
                in_flight = committed - result["ok"]
                row["durable"] = 0 <= in_flight <= connections and committed <= result["issued_total"]
                if result["exhausted"]:
                    log("  corpus ran out (%d threads stopped early): req/s is a lower bound; raise BENCH_MAX_RATE"
                        % result["exhausted"])
                if not row["durable"]:
                    durability_failures.append(row)
                log("  store: %d events committed for %d 2xx answers (%d in flight at the stop), %.1f MiB on disk"
                    % (committed, result["ok"], in_flight, row["store_bytes"] / MIB))
                check_server(inlet.url, CORPUS_DIR)
            finally:
                status, drain_s = inlet.stop()
            row.update(server="inlet", run=run, exit_status=status, stop_seconds=drain_s)
            log("  inlet stopped with SIGTERM: exit status %s after %.1f s" % (status, drain_s))
            if status != 0:
                log("  inlet stderr ends with:\n%s" % tail(inlet.stderr_path))
            rows.append(row)
            if not KEEP:
                shutil.rmtree(inlet.dir, ignore_errors=True)

        ceiling = {row["connections"]: row["result"]["rps"] for row in rows if row["server"] == "nginx"}
        for row in rows:
            if row["server"] == "inlet" and ceiling.get(row["connections"]):
                row["ratio_value"] = row["result"]["rps"] / ceiling[row["connections"]]
                row["ratio"] = "%.1f%%" % (100 * row["ratio_value"])
        print_table(rows, "run %d of %d (wrk -t%d -d%ds, %s):" % (run, RUNS, THREADS, SECONDS,
                                                                   time.strftime("%Y-%m-%d %H:%M:%S")))
        all_rows.extend(rows)

    if RUNS > 1:
        print_table(median_rows(all_rows), "medians of %d runs (vs nginx: median of the per-run ratios):" % RUNS)

    summarize_targets(all_rows, inlet_problem, durability_failures)
    save_results("bench", {"rows": all_rows, "inlet_problem": inlet_problem})
    if inlet_problem:
        log("\nInlet was not measured: %s" % inlet_problem)
        return 2
    return 1 if durability_failures else 0


def median_rows(rows):
    merged = []
    for server in ("nginx", "inlet"):
        for connections in CONNECTIONS:
            group = [row for row in rows if row["server"] == server and row["connections"] == connections]
            if not group:
                continue
            results = [row["result"] for row in group]
            errors = {key: sum(result["errors"][key] for result in results) for key in results[0]["errors"]}
            merged_row = {
                "server": server,
                "connections": connections,
                "result": {
                    "rps": statistics.median(result["rps"] for result in results),
                    "latency_us": {key: statistics.median(result["latency_us"][key] for result in results)
                                   for key in ("p50", "p99")},
                    "errors": errors,
                },
                "peak_rss_kib": max(row["peak_rss_kib"] for row in group),
                "cpu_us_per_request": statistics.median(row["cpu_us_per_request"] for row in group),
            }
            ratios = [row["ratio_value"] for row in group if "ratio_value" in row]
            if ratios:
                merged_row["ratio"] = "%.1f%%" % (100 * statistics.median(ratios))
            merged.append(merged_row)
    return merged


def summarize_targets(rows, inlet_problem, durability_failures):
    """The issue's targets, reported (never asserted)."""
    inlet_rows = [row for row in rows if row["server"] == "inlet"]
    log("")
    log("targets (issue 6; reported, not asserted):")
    if inlet_problem or not inlet_rows:
        log("  not evaluated: Inlet was not measured")
        return
    at32 = [row for row in inlet_rows if row["connections"] == 32]
    at256 = [row for row in inlet_rows if row["connections"] == 256]
    if at32:
        ratio = statistics.median(row.get("ratio_value", 0) for row in at32)
        p99 = statistics.median(row["result"]["latency_us"]["p99"] for row in at32)
        log("  inlet at 32 conns >= 25%% of nginx in the same run: %.1f%% -> %s"
            % (100 * ratio, "met" if ratio >= 0.25 else "NOT met"))
        log("  p99 < 5 ms at 32 conns: %s -> %s" % (fmt_ms(p99), "met" if p99 < 5000 else "NOT met"))
    if at256:
        errors = sum(row["result"]["errors_total"] for row in at256)
        log("  no errors at 256 conns: %d -> %s" % (errors, "met" if errors == 0 else "NOT met"))
    log("  every 2xx durably committed (events_received vs 2xx answers): %s"
        % ("yes" if not durability_failures else "NO in %d run(s)" % len(durability_failures)))
    log("  peak RSS after 1 M events and throughput at 1 M vs 10 k: see `make bench-growth`")


def save_results(mode, payload):
    out_dir = os.path.join(BENCH_DIR, "out")
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "%s-%s.json" % (mode, time.strftime("%Y%m%d-%H%M%S")))
    with open(path, "w") as handle:
        json.dump(payload, handle, indent=2, default=str)
    log("results saved to %s" % os.path.relpath(path, ROOT))


def growth_mode(workdir):
    points = sorted(GROWTH_POINTS)
    final = points[-1]
    record_estimate = 1800
    store_estimate_per_event = 4 * 1024  # measured: 3,965 bytes per event at 1 M (SQLite + WAL)
    measure_events = SECONDS * MAX_RATE * len(points) * len(GROWTH_CONNECTIONS)
    need = final * record_estimate + measure_events * record_estimate // 2 + final * store_estimate_per_event
    free = shutil.disk_usage(os.path.dirname(CORPUS_DIR.rstrip("/")) or ".").free
    log("growth: points %s, measured at %s connections for %d s each; preload through HTTP at %d connections"
        % ("/".join(map(str, points)), "/".join(map(str, GROWTH_CONNECTIONS)), SECONDS, PRELOAD_CONNECTIONS))
    log("disk: about %.1f GB (corpus ~%.1f KB per request, store ~%.0f KB per event; checked after the first "
        "point), %.1f GB free" % (need / 1e9, record_estimate / 1000, store_estimate_per_event / 1024, free / 1e9))
    if not build():
        log("swift build -c release failed; Inlet was not measured")
        return 2
    inlet = None
    rows = []
    cursors = [0] * THREADS
    logs = os.path.join(workdir, "wrk.log")
    try:
        # A small corpus first so that the start-up check can run; it grows before each wrk run.
        gen_events.ensure(CORPUS_DIR, THREADS, 1000, BENCH_ENV["WORKOS_WEBHOOK_SECRET"], WEBHOOK_PATH,
                          CORPUS_MAX_AGE_S, log=log)
        try:
            inlet = Inlet(workdir, "inlet-growth")
        except BenchError as error:
            log("\nInlet was not measured: %s" % error)
            return 2
        log("inlet pid %d on port %d, store %s" % (inlet.child.pid, inlet.port, inlet.data))
        last_rate = None
        for point in points:
            stored = inlet.events_received()
            started = time.monotonic()
            rounds = 0
            while stored < point and rounds < 20:
                rounds += 1
                missing = point - stored
                # Each thread sends its share and stops (+1: wrk's start-up check takes one request).
                per_thread = -(-missing // THREADS) + 1
                ensure_after(cursors, per_thread)
                target = point

                def reached(target=target):
                    return inlet.events_received() >= target

                bound = max(60, missing // 500)
                result = run_wrk(inlet.url, PRELOAD_CONNECTIONS, bound, CORPUS_DIR, cursors, "once", logs,
                                 limit=per_thread, stop_when=reached)
                cursors = advance(cursors, result)
                stored = inlet.settled_events_received()
                if result["errors"]["status"] > result["exhausted"] or result["errors_total"] > result["errors"]["status"]:
                    log("  preload errors: %s" % row_errors(result))
            preload_s = time.monotonic() - started
            store_bytes = inlet.store_bytes()
            log("point %s: %d events stored (preload %.0f s), store %.1f MiB = %.0f bytes per event, peak RSS %s"
                % (fmt_rate(point), stored, preload_s, store_bytes / MIB, store_bytes / max(stored, 1),
                   fmt_mib(inlet.peak_rss_kib())))
            if point == points[0] and stored:
                projected = store_bytes / stored * final
                if projected > shutil.disk_usage(inlet.dir).free * 0.9:
                    raise BenchError("the store would need about %.1f GB at %d events; not enough free disk"
                                     % (projected / 1e9, final))
                log("  projected store at %s events: %.1f GB" % (fmt_rate(final), projected / 1e9))
            for connections in GROWTH_CONNECTIONS:
                rate = min(MAX_RATE, 2 * last_rate) if last_rate else MAX_RATE
                quota = int(SECONDS * rate * MARGIN / THREADS) + 1000
                ensure_after(cursors, quota)
                log("  measuring at %d connections (load average %s)" % (connections, load_average()))
                cpu_before = inlet.cpu_seconds()
                result = run_wrk(inlet.url, connections, SECONDS, CORPUS_DIR, cursors, "once", logs, limit=quota)
                cpu = inlet.cpu_seconds() - cpu_before
                cursors = advance(cursors, result)
                last_rate = max(result["rps"], 1000)
                rows.append({
                    "server": "inlet @ %s" % fmt_rate(point),
                    "connections": connections,
                    "result": result,
                    "peak_rss_kib": inlet.peak_rss_kib(),
                    "cpu_us_per_request": cpu * 1e6 / max(result["requests"], 1),
                    "stored_before": stored,
                    "store_bytes": store_bytes,
                    "bytes_per_event": store_bytes / max(stored, 1),
                })
                if result["exhausted"]:
                    log("  corpus ran out: req/s is a lower bound; raise BENCH_MAX_RATE")
    finally:
        if inlet is not None:
            status, drain_s = inlet.stop()
            log("inlet stopped with SIGTERM: exit status %s after %.1f s" % (status, drain_s))

    print_table(rows, "growth (one Inlet process, file store; wrk -t%d -d%ds):" % (THREADS, SECONDS))
    log("")
    log("  %-18s %14s %16s" % ("stored events", "store size", "bytes per event"))
    for row in rows:
        log("  %-18s %14s %16.0f" % (fmt_rate(row["stored_before"]), "%.1f MiB" % (row["store_bytes"] / MIB),
                                     row["bytes_per_event"]))
    first = [row for row in rows if row["stored_before"] < points[0] * 2]
    last = rows[-len(GROWTH_CONNECTIONS):]
    log("")
    log("targets (issue 6; reported, not asserted):")
    if rows:
        log("  peak RSS < 64 MiB after %s events: %s -> %s"
            % (fmt_rate(final), fmt_mib(rows[-1]["peak_rss_kib"]),
               "met" if rows[-1]["peak_rss_kib"] < 64 * 1024 else "NOT met"))
    if first and last and first[0] is not last[0]:
        ratio = last[0]["result"]["rps"] / first[0]["result"]["rps"]
        log("  throughput at %s within 20%% of at %s: %.0f%% -> %s"
            % (fmt_rate(points[-1]), fmt_rate(points[0]), 100 * ratio, "met" if ratio >= 0.8 else "NOT met"))
    save_results("growth", {"rows": rows})
    return 0


def ensure_after(cursors, per_thread):
    """Grows the corpus so that every thread has `per_thread` unsent requests after its cursor."""
    gen_events.ensure(CORPUS_DIR, THREADS, max(cursors) + per_thread, BENCH_ENV["WORKOS_WEBHOOK_SECRET"],
                      WEBHOOK_PATH, CORPUS_MAX_AGE_S, log=log)
    manifest = gen_events.load_manifest(CORPUS_DIR)
    if any(gen_events.records_in(CORPUS_DIR, manifest, thread) < cursors[thread] for thread in range(THREADS)):
        raise BenchError("the corpus was regenerated during a growth run (it grew too old); start again")


def advance(cursors, result):
    """Cursors after a run: every request a thread took (sent or not) is never used again."""
    return [cursor + issued for cursor, issued in zip(cursors, result["issued"])]


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "bench"
    if mode not in ("bench", "growth"):
        print("usage: bench.py [bench|growth]", file=sys.stderr)
        return 2
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    check_tools()
    base = os.environ.get("BENCH_TMPDIR") or None
    workdir = tempfile.mkdtemp(prefix="inlet-bench-", dir=base)
    try:
        return bench_mode(workdir) if mode == "bench" else growth_mode(workdir)
    except BenchError as error:
        log("\nbench failed: %s" % error)
        return 1
    except KeyboardInterrupt:
        log("\ninterrupted; stopping what was started")
        return 130
    finally:
        Child.stop_all()
        if KEEP:
            log("kept %s (BENCH_KEEP)" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
