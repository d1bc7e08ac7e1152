#!/usr/bin/env python3
"""Loopback HTTP server standing in for several news sites, for the poller's tests and
benchmarks. Each site is a loopback address (127.0.0.1, 127.0.0.2, ...) on one port, and
serves the files under ROOT/<address>/ ("/" is index.html). It answers conditional requests
(ETag from the content, Last-Modified from the file time, 304 when they match), and
ROOT/rules.json adds behaviour per site and path:

  [{"host": "127.0.0.2", "path": "/feed.xml", "status": 429,
    "headers": {"Retry-After": "1"}, "times": 1},          # the first request only
   {"host": "*", "path": "/slow.html", "delay_ms": 1500},
   {"host": "127.0.0.3", "path": "/r/1", "redirect": "http://127.0.0.3:{{port}}/c/1.html"},
   {"host": "127.0.0.3", "path": "/rss", "gzip": true}]    # Content-Encoding: gzip

"{{port}}" in files and rules is replaced by the port. Files and rules are read on every
request, so a test changes a site between rounds by rewriting them. Every request is logged
to LOG as one JSON line (arrival time, site, path, status, validators sent, User-Agent).

Usage: fixture_server.py --root DIR --log FILE --port-file FILE [--hosts A,B,C] [--port N]
Feeds "/bulk/feed-<n>.xml" listing --bulk-items items each, and their pages
"/bulk/<n>/<i>.html", are generated when no file is there (for kill tests and capacity
benchmarks); their links use the Host the client sent, so that many sites can share one
address as <name>.localhost (curl resolves every *.localhost to the loopback address).
"""
import argparse
import gzip
import hashlib
import json
import os
import socket
import sys
import threading
import time
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".xml": "application/xml",
    ".json": "application/feed+json",
    ".txt": "text/plain",
    ".gz": "application/gzip",
}


class State:
    def __init__(self, root, log_path, bulk_items):
        self.root = root
        self.log = open(log_path, "a", buffering=1)
        self.lock = threading.Lock()
        self.counts = {}
        self.port = 0
        self.bulk_items = bulk_items
        self.started = time.time()  # bulk feeds date their items from here: they stay the same

    def rules(self):
        path = os.path.join(self.root, "rules.json")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return json.loads(f.read().replace("{{port}}", str(self.port)))

    def record(self, entry):
        with self.lock:
            self.log.write(json.dumps(entry) + "\n")


def bulk(state, host, path):
    """Generated content: /bulk/feed-<n>.xml (an RSS feed) and /bulk/<n>/<i>.html pages."""
    name = path[len("/bulk/"):]
    if name.startswith("feed-") and name.endswith(".xml"):
        n = name[5:-4]
        now = state.started
        items = []
        for i in range(state.bulk_items):
            link = "http://%s:%d/bulk/%s/%d.html" % (host, state.port, n, i)
            items.append(
                "<item><title>Story %s-%d</title><link>%s</link><guid>%s</guid>"
                "<pubDate>%s</pubDate></item>" % (n, i, link, link, formatdate(now - 60 * i, usegmt=True)))
        return ("<?xml version='1.0'?><rss version='2.0'><channel><title>Feed %s</title>%s"
                "</channel></rss>" % (n, "".join(items))).encode(), "application/rss+xml"
    if name.endswith(".html"):
        paragraphs = "".join(
            "<p>Paragraph %d of the story at %s reports what officials said on the matter, with "
            "figures and quotes from several people involved.</p>" % (k, name) for k in range(8))
        return ("<html><head><title>%s</title></head><body><article><h1>Story %s</h1>%s"
                "</article></body></html>" % (name, name, paragraphs)).encode(), TYPES[".html"]
    return None, None


def make_handler(state):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_HEAD(self):
            self.do_GET(head=True)

        def do_GET(self, head=False):
            arrived = time.time()
            host = self.connection.getsockname()[0]
            path = self.path.split("?")[0]
            status, headers, body = self.answer(host, path)
            state.record({"t": arrived, "host": host, "path": self.path, "status": status,
                          "if_none_match": self.headers.get("If-None-Match", ""),
                          "if_modified_since": self.headers.get("If-Modified-Since", ""),
                          "user_agent": self.headers.get("User-Agent", "")})
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def answer(self, host, path):
            rule = None
            for candidate in state.rules():
                if candidate.get("host", "*") not in ("*", host) or candidate.get("path") != path:
                    continue
                key = (host, path, json.dumps(candidate, sort_keys=True))
                with state.lock:
                    seen = state.counts.get(key, 0)
                    state.counts[key] = seen + 1
                if "times" in candidate and seen >= candidate["times"]:
                    continue
                rule = candidate
                break
            rule = rule or {}
            if rule.get("delay_ms"):
                time.sleep(rule["delay_ms"] / 1000.0)
            headers = dict(rule.get("headers", {}))
            if "redirect" in rule:
                headers["Location"] = rule["redirect"]
                return rule.get("status", 301), headers, b""
            if "status" in rule and rule["status"] != 200:
                return rule["status"], headers, rule.get("body", "").encode()

            file_path = os.path.join(state.root, host, path.lstrip("/"))
            if path.endswith("/"):
                file_path = os.path.join(file_path, "index.html")
            body, content_type, mtime = None, None, time.time()
            if os.path.isfile(file_path):
                with open(file_path, "rb") as f:
                    body = f.read().replace(b"{{port}}", str(state.port).encode())
                content_type = TYPES.get(os.path.splitext(file_path)[1], "application/octet-stream")
                mtime = os.path.getmtime(file_path)
            elif path.startswith("/bulk/"):
                # Links point back to the name the client used (many sites on one address:
                # curl resolves any *.localhost to the loopback address).
                virtual = (self.headers.get("Host") or host).rsplit(":", 1)[0]
                body, content_type = bulk(state, virtual, path)
                mtime = state.started
            if body is None:
                return 404, {"Content-Type": "text/plain"}, b"not found\n"
            headers.setdefault("Content-Type", content_type)
            etag = '"%s"' % hashlib.sha1(body).hexdigest()[:16]
            headers["ETag"] = etag
            headers["Last-Modified"] = formatdate(int(mtime), usegmt=True)
            if self.headers.get("If-None-Match") == etag:
                return 304, {"ETag": etag}, b""
            since = self.headers.get("If-Modified-Since")
            if since and not self.headers.get("If-None-Match"):
                try:
                    if int(mtime) <= parsedate_to_datetime(since).timestamp():
                        return 304, {}, b""
                except (TypeError, ValueError):
                    pass
            if rule.get("gzip") and "gzip" in self.headers.get("Accept-Encoding", ""):
                body = gzip.compress(body)
                headers["Content-Encoding"] = "gzip"
            return 200, headers, body

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--hosts", default="127.0.0.1,127.0.0.2,127.0.0.3")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--bulk-items", type=int, default=5)
    args = parser.parse_args()
    state = State(args.root, args.log, args.bulk_items)
    hosts = args.hosts.split(",")
    # The first address picks the port; the others must get the same one (retry otherwise).
    for attempt in range(20):
        servers = []
        try:
            first = Server((hosts[0], args.port), make_handler(state))
            servers.append(first)
            port = first.server_address[1]
            for host in hosts[1:]:
                servers.append(Server((host, port), make_handler(state)))
            break
        except OSError:
            for server in servers:
                server.server_close()
            if args.port or attempt == 19:
                raise
    state.port = port
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.replace(args.port_file + ".tmp", args.port_file)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
