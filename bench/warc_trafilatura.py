#!/usr/bin/env python3
"""What a Python user runs instead of `newsflow batch FILE.warc.gz`: warcio reads the archive,
trafilatura extracts each HTML page (text and metadata), one JSON line per article. The
reference side of bench/warc_compare.py.

  warc_trafilatura.py FILE.warc.gz > articles.jsonl
"""
import json
import sys

import trafilatura
from warcio.archiveiterator import ArchiveIterator


def main():
    out = sys.stdout
    with open(sys.argv[1], "rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            if record.http_headers.get_statuscode() != "200":
                continue
            if "html" not in (record.http_headers.get_header("Content-Type") or ""):
                continue
            url = record.rec_headers.get_header("WARC-Target-URI")
            html = record.content_stream().read()
            doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
            if doc is None:
                continue
            out.write(json.dumps({"url": url, "title": doc.title, "date": doc.date,
                                  "language": doc.language, "text": doc.text}) + "\n")


if __name__ == "__main__":
    main()
