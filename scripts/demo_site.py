#!/usr/bin/env python3
"""Turns JSON Lines articles into a small news site for the demo: an RSS feed listing them
(title, link, date, category), one HTML page per article, and a robots.txt that keeps
crawlers out of /private/. Served by tests/fixture_server.py on the loopback address, it is
what `newsflow poll` follows in scripts/demo.sh.

  scripts/demo_site.py ARTICLES.jsonl SITE_DIR
"""
import html
import json
import os
import sys


def main():
    articles = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    site = sys.argv[2]
    os.makedirs(os.path.join(site, "news"), exist_ok=True)
    items = []
    for article in articles:
        path = "/news/%s.html" % article["id"]
        paragraphs = "".join("<p>%s</p>" % html.escape(p) for p in article["body"].split("\n\n"))
        with open(os.path.join(site, path.lstrip("/")), "w") as f:
            f.write("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s | %s"
                    "</title></head><body><nav><a href=\"/\">Home</a> <a href=\"/world\">World</a>"
                    "</nav><article><h1>%s</h1>%s</article><footer>Copyright %s</footer></body>"
                    "</html>" % (html.escape(article["title"]), html.escape(article["source"]),
                                 html.escape(article["title"]), paragraphs,
                                 html.escape(article["source"])))
        items.append("<item><title>%s</title><link>http://127.0.0.1:{{port}}%s</link>"
                     "<guid isPermaLink=\"false\">%s</guid><pubDate>%s</pubDate>"
                     "<dc:creator>%s</dc:creator></item>"
                     % (html.escape(article["title"]), path, article["id"],
                        html.escape(article.get("published_at", "")),
                        html.escape(article["source"])))
    with open(os.path.join(site, "feed.xml"), "w") as f:
        f.write("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\" "
                "xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>Demo Newsroom"
                "</title><link>http://127.0.0.1:{{port}}/</link><language>en</language>%s"
                "</channel></rss>" % "".join(items))
    with open(os.path.join(site, "robots.txt"), "w") as f:
        f.write("User-agent: *\nDisallow: /private/\n")
    print("%s: %d articles, feed at /feed.xml" % (site, len(articles)))


if __name__ == "__main__":
    main()
