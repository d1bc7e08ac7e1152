#!/usr/bin/env python3
"""Builds a Common-Crawl-shaped web archive from the pages of trafilatura's extraction
benchmark (../shared/data/extraction/trafilatura-eval): a warcinfo record, then for each page
a request, a response (HTTP/1.1 200 with the page bytes as sent, no charset label unless
asked) and a metadata record, each record its own gzip member, as CC-MAIN and CC-NEWS files
are written. Used to show that extraction through a WARC scores what the same pages score
given directly (docs/QUALITY.md), and for the WARC speed measurements (docs/PERFORMANCE.md).

  eval/make_warc.py --eval DIR --out pages.warc.gz [--html-dir DIR] [--repeat N]

--html-dir also writes each page as DIR/<file>.html (the direct input). --repeat N writes the
page set N times over (distinct URLs), for a larger file. Target URIs are the benchmark's
URLs; the 37 entries keyed by something else get http://extraction.invalid/<file>.
"""
import argparse
import base64
import datetime
import gzip
import hashlib
import json
import os
import uuid


def digest(data):
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def record(kind, uri, date, content_type, block, extra=None):
    headers = [
        ("WARC-Type", kind),
        ("WARC-Date", date),
        ("WARC-Record-ID", "<urn:uuid:%s>" % uuid.uuid4()),
        ("Content-Length", str(len(block))),
        ("Content-Type", content_type),
    ]
    if uri:
        headers.insert(2, ("WARC-Target-URI", uri))
    headers += extra or []
    head = "WARC/1.0\r\n" + "".join("%s: %s\r\n" % h for h in headers) + "\r\n"
    return gzip.compress(head.encode() + block + b"\r\n\r\n", compresslevel=6)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval", required=True, help="trafilatura-eval directory")
    parser.add_argument("--out", required=True)
    parser.add_argument("--html-dir")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with open(os.path.join(args.eval, "evaldata.json")) as f:
        pages = json.load(f)
    if args.html_dir:
        os.makedirs(args.html_dir, exist_ok=True)
    date = "2026-12-01T10:00:00Z"
    written = 0
    with open(args.out, "wb") as out:
        info = b"software: newsflow eval/make_warc.py\r\nformat: WARC File Format 1.0\r\n"
        out.write(record("warcinfo", None, date, "application/warc-fields", info,
                         [("WARC-Filename", os.path.basename(args.out))]))
        for round_ in range(args.repeat):
            for key, entry in pages.items():
                path = os.path.join(args.eval, "html", entry["file"] + ".gz")
                if not os.path.exists(path):
                    continue
                with gzip.open(path) as f:
                    html = f.read()
                key = key.strip()  # a few keys end in a space
                uri = key if key.startswith("http") else "http://extraction.invalid/" + entry["file"]
                if round_ > 0:
                    uri += ("&" if "?" in uri else "?") + "copy=%d" % round_
                host = uri.split("/")[2]
                path_part = "/" + "/".join(uri.split("/")[3:])
                request = ("GET %s HTTP/1.1\r\nUser-Agent: CCBot/2.0 (https://commoncrawl.org/faq/)"
                           "\r\nAccept: text/html\r\nHost: %s\r\n\r\n" % (path_part, host)).encode()
                response = ("HTTP/1.1 200 OK\r\nDate: Tue, 01 Dec 2026 10:00:00 GMT\r\n"
                            "Server: nginx\r\nContent-Type: text/html\r\n"
                            "X-Crawler-Content-Length: %d\r\nContent-Length: %d\r\n\r\n"
                            % (len(html), len(html))).encode() + html
                out.write(record("request", uri, date, "application/http; msgtype=request", request))
                out.write(record("response", uri, date, "application/http; msgtype=response",
                                 response, [("WARC-IP-Address", "192.0.2.1"),
                                            ("WARC-Payload-Digest", digest(html)),
                                            ("WARC-Block-Digest", digest(response)),
                                            ("WARC-Identified-Payload-Type", "text/html")]))
                out.write(record("metadata", uri, date, "application/warc-fields",
                                 b"fetchTimeMs: 120\r\ncharset-detected: UTF-8\r\n"))
                if args.html_dir and round_ == 0:
                    with open(os.path.join(args.html_dir, entry["file"]), "wb") as f:
                        f.write(html)
                written += 1
    print("%s: %d pages, %.1f MB" % (args.out, written, os.path.getsize(args.out) / 1e6))


if __name__ == "__main__":
    main()
