#!/usr/bin/env python3
"""Corpus of distinct, signed WorkOS `dsync.user.created` webhook requests for the load benchmark.

The corpus is a directory holding one file per wrk thread (`events-<N>.bin`) and `manifest.json`.
Each file is a plain concatenation of complete HTTP/1.1 requests, all exactly `record_bytes` long,
so that a wrk thread can seek to request K with `K * record_bytes` and never needs an index:

    POST /webhooks/workos/<token> HTTP/1.1
    Host: 127.0.0.1
    User-Agent: WorkOS-Bench/1
    Content-Type: application/json
    WorkOS-Signature: t=<ms>, v1=<hex>
    Content-Length: <n>

    {"object":"event","id":"event_01...", "event":"dsync.user.created","data":{...}}   (about 1.5 KB)

Every request carries a unique event `id` and a unique user `data.id` (the corpus nonce, the thread
number and a sequence number), so no two requests of one corpus are duplicates of each other.
The signature is WorkOS's: HMAC-SHA256 keyed with the UTF-8 secret over `<t>.` + the exact body
bytes, `t` in milliseconds. Files only grow by appending (`ensure`), so cursors into them stay valid.
"""

import argparse
import datetime
import hashlib
import hmac
import json
import multiprocessing
import os
import secrets
import signal
import sys
import time

FORMAT_VERSION = 1
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# The body, modelled on Tests/InletTests/Fixtures/workos/dsync.user.created.json (compacted, 1.46 KB).
# %(...)s fields are filled per event; every field has a fixed width, so every request has the
# same length.
BODY_MODEL = {
    "object": "event",
    "id": "event_%(ulid)s",
    "event": "dsync.user.created",
    "data": {
        "object": "directory_user",
        "id": "directory_user_%(ulid)s",
        "directory_id": "directory_01KFE28RZ5RYP3ZSGFCXPXNNGN",
        "organization_id": "org_01K94FYXA3FKG7BMSGXJT7KX0E",
        "idp_id": "00u%(serial)s",
        "email": "user.%(serial)s@example.com",
        "first_name": "User",
        "last_name": "N%(serial)s",
        "name": "User N%(serial)s",
        "emails": [{"primary": True, "type": "work", "value": "user.%(serial)s@example.com"}],
        "username": "user.%(serial)s@example.com",
        "job_title": "Staff Engineer",
        "state": "active",
        "role": {"slug": "member"},
        "roles": [{"slug": "member"}],
        "custom_attributes": {
            "department": "Engineering",
            "job_title": "Staff Engineer",
            "employee_id": "E-%(serial)s",
        },
        "raw_attributes": {
            "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            ],
            "active": True,
            "userName": "user.%(serial)s@example.com",
            "externalId": "00u%(serial)s",
            "displayName": "User N%(serial)s",
            "title": "Staff Engineer",
            "locale": "en-US",
            "name": {"givenName": "User", "familyName": "N%(serial)s"},
            "emails": [{"primary": True, "type": "work", "value": "user.%(serial)s@example.com"}],
            "groups": [],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "department": "Engineering",
                "employeeNumber": "E-%(serial)s",
                "manager": {"value": "00u9exampleMgr001", "displayName": "Grace Sample"},
            },
        },
        "created_at": "%(iso)s",
        "updated_at": "%(iso)s",
    },
    "created_at": "%(iso)s",
    "context": {},
}

BODY_TEMPLATE = json.dumps(BODY_MODEL, separators=(",", ":"), ensure_ascii=False)

HEAD_TEMPLATE = (
    "POST %(path)s HTTP/1.1\r\n"
    "Host: 127.0.0.1\r\n"
    "User-Agent: WorkOS-Bench/1\r\n"
    "Content-Type: application/json\r\n"
    "WorkOS-Signature: t=%(t)d, v1=%(v1)s\r\n"
    "Content-Length: %(length)d\r\n"
    "\r\n"
)


def iso_ms(ms):
    """ISO 8601 UTC with milliseconds, always 24 characters."""
    moment = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def sign(secret, t_ms, body):
    """The WorkOS-Signature header value for `body` (bytes) at `t_ms`."""
    digest = hmac.new(secret.encode(), b"%d." % t_ms + body, hashlib.sha256).hexdigest()
    return "t=%d, v1=%s" % (t_ms, digest)


def request_bytes(nonce, thread, seq, path, secret, t_ms):
    """One complete request; used by tests and by `verify` below (the hot loop inlines it)."""
    serial = "%02d%010d" % (thread, seq)
    fields = {"ulid": "01%s%02d%016d" % (nonce, thread, seq), "serial": serial, "iso": iso_ms(t_ms)}
    body = (BODY_TEMPLATE % fields).encode()
    digest = hmac.new(secret.encode(), b"%d." % t_ms + body, hashlib.sha256).hexdigest()
    head = HEAD_TEMPLATE % {"path": path, "t": t_ms, "v1": digest, "length": len(body)}
    return head.encode() + body


def _worker_signals():
    """Workers leave Ctrl-C and SIGTERM to the parent, which ends the pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _append(job):
    """Appends requests [start, stop) of one thread's file (runs in a worker process)."""
    file_path, nonce, thread, start, stop, path, secret, t_ms, record_bytes = job
    iso = iso_ms(t_ms)
    keyed = hmac.new(secret.encode(), b"%d." % t_ms, hashlib.sha256)
    head_fields = {"path": path, "t": t_ms}
    fields = {"iso": iso}
    chunk = []
    with open(file_path, "ab") as out:
        if out.tell() != start * record_bytes:
            raise SystemExit("%s: expected %d bytes, found %d" % (file_path, start * record_bytes, out.tell()))
        for seq in range(start, stop):
            fields["ulid"] = "01%s%02d%016d" % (nonce, thread, seq)
            fields["serial"] = "%02d%010d" % (thread, seq)
            body = (BODY_TEMPLATE % fields).encode()
            mac = keyed.copy()
            mac.update(body)
            head_fields["v1"] = mac.hexdigest()
            head_fields["length"] = len(body)
            record = (HEAD_TEMPLATE % head_fields).encode() + body
            if len(record) != record_bytes:
                raise SystemExit("record %d of thread %d is %d bytes, not %d" % (seq, thread, len(record), record_bytes))
            chunk.append(record)
            if len(chunk) == 4096:
                out.write(b"".join(chunk))
                chunk.clear()
        out.write(b"".join(chunk))
    return stop - start


def load_manifest(directory):
    try:
        with open(os.path.join(directory, "manifest.json")) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def save_manifest(directory, manifest):
    temp = os.path.join(directory, "manifest.json.tmp")
    with open(temp, "w") as handle:
        json.dump(manifest, handle, indent=2)
    os.replace(temp, os.path.join(directory, "manifest.json"))


def records_in(directory, manifest, thread):
    """How many complete requests thread `thread`'s file holds."""
    try:
        size = os.path.getsize(os.path.join(directory, "events-%d.bin" % thread))
    except OSError:
        return 0
    return size // manifest["record_bytes"]


def ensure(directory, threads, per_thread, secret, path, max_age_s, log=print):
    """Makes `directory` a corpus for `threads` wrk threads with at least `per_thread` requests each.

    Reuses what is there when it was made for the same secret, path and thread count and its oldest
    signature is younger than `max_age_s`; otherwise starts over. Returns the manifest.
    """
    os.makedirs(directory, exist_ok=True)
    now_ms = int(time.time() * 1000)
    manifest = load_manifest(directory)
    reusable = (
        manifest is not None
        and manifest.get("format") == FORMAT_VERSION
        and manifest.get("secret_sha256") == hashlib.sha256(secret.encode()).hexdigest()
        and manifest.get("path") == path
        and manifest.get("threads") == threads
        and now_ms - manifest.get("oldest_signature_ms", 0) < max_age_s * 1000
    )
    if not reusable:
        for name in os.listdir(directory):
            if name.startswith("events-") or name.startswith("manifest"):
                os.remove(os.path.join(directory, name))
        nonce = "".join(secrets.choice(CROCKFORD) for _ in range(6))
        sample = request_bytes(nonce, 0, 0, path, secret, now_ms)
        manifest = {
            "format": FORMAT_VERSION,
            "nonce": nonce,
            "threads": threads,
            "path": path,
            "secret_sha256": hashlib.sha256(secret.encode()).hexdigest(),
            "record_bytes": len(sample),
            "body_bytes": len(sample) - sample.index(b"\r\n\r\n") - 4,
            "oldest_signature_ms": now_ms,
        }
        save_manifest(directory, manifest)

    jobs = []
    for thread in range(threads):
        have = records_in(directory, manifest, thread)
        file_path = os.path.join(directory, "events-%d.bin" % thread)
        if have * manifest["record_bytes"] != (os.path.getsize(file_path) if os.path.exists(file_path) else 0):
            with open(file_path, "r+b") as handle:  # a torn tail from an interrupted run
                handle.truncate(have * manifest["record_bytes"])
        if have < per_thread:
            jobs.append((file_path, manifest["nonce"], thread, have, per_thread, path, secret, now_ms,
                         manifest["record_bytes"]))
    if jobs:
        total = sum(job[4] - job[3] for job in jobs)
        started = time.monotonic()
        log("generating %d signed events (%d bytes each, %.2f GB) in %s"
            % (total, manifest["record_bytes"], total * manifest["record_bytes"] / 1e9, directory))
        pool_size = min(len(jobs), os.cpu_count() or 1)
        if pool_size > 1:
            pool = multiprocessing.Pool(pool_size, initializer=_worker_signals)
            try:
                pool.map(_append, jobs)
                pool.close()
            except BaseException:
                pool.terminate()
                raise
            finally:
                pool.join()
        else:
            for job in jobs:
                _append(job)
        log("generated in %.1f s" % (time.monotonic() - started))
    return manifest


def verify(directory, secret, samples=3):
    """Re-checks a few records: parse, recompute the signature, and compare (a self-test)."""
    manifest = load_manifest(directory)
    if manifest is None:
        raise SystemExit("no manifest in %s" % directory)
    record_bytes = manifest["record_bytes"]
    seen_ids = set()
    for thread in range(manifest["threads"]):
        count = records_in(directory, manifest, thread)
        with open(os.path.join(directory, "events-%d.bin" % thread), "rb") as handle:
            for index in sorted({0, count // 2, max(count - 1, 0)})[:samples]:
                handle.seek(index * record_bytes)
                record = handle.read(record_bytes)
                head, body = record.split(b"\r\n\r\n", 1)
                headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:])
                parts = dict(part.strip().split("=", 1) for part in headers["WorkOS-Signature"].split(","))
                expected = sign(secret, int(parts["t"]), body)
                if expected.split("v1=")[1] != parts["v1"] or int(headers["Content-Length"]) != len(body):
                    raise SystemExit("thread %d record %d: bad signature or length" % (thread, index))
                event = json.loads(body)
                key = (event["id"], event["data"]["id"])
                if key in seen_ids:
                    raise SystemExit("duplicate ids %r" % (key,))
                seen_ids.add(key)
    return manifest


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("directory")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--per-thread", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--max-age-s", type=int, default=12 * 3600)
    args = parser.parse_args()
    ensure(args.directory, args.threads, args.per_thread, args.secret, args.path, args.max_age_s)
    manifest = verify(args.directory, args.secret)
    print(json.dumps(manifest, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
