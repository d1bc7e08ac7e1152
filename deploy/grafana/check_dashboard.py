#!/usr/bin/env python3
"""Checks the structure of a Grafana dashboard JSON (no Grafana needed):

- panel ids are unique and every panel has a gridPos that overlaps no other panel;
- a data source variable named "datasource" exists, and every panel and query uses it
  (so the dashboard works with whatever the Prometheus data source is called);
- every non-row panel has at least one query with an expression;
- with --metrics FILE (a /metrics scrape), every metric a query names is exported.

  check_dashboard.py newsflow-dashboard.json [--metrics scrape.txt]
  check_dashboard.py newsflow-dashboard.json --print-queries   (one expression per line)
"""
import argparse
import json
import re
import sys

DATASOURCE = "${datasource}"


def panels_of(dashboard):
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])  # panels inside collapsed rows


def problems(dashboard, exported=None):
    found = []
    variables = {v.get("name"): v for v in dashboard.get("templating", {}).get("list", [])}
    source = variables.get("datasource")
    if not source or source.get("type") != "datasource" or source.get("query") != "prometheus":
        found.append("no Prometheus data source variable named 'datasource'")
    for name, variable in variables.items():
        if variable.get("type") == "query" and \
                (variable.get("datasource") or {}).get("uid") != DATASOURCE:
            found.append("variable %r does not query ${datasource}" % name)
    seen_ids, cells = set(), {}
    for panel in panels_of(dashboard):
        pid, title = panel.get("id"), panel.get("title", "?")
        if pid is None or pid in seen_ids:
            found.append("panel %r: missing or repeated id %r" % (title, pid))
        seen_ids.add(pid)
        grid = panel.get("gridPos") or {}
        if not all(isinstance(grid.get(k), int) for k in ("x", "y", "w", "h")):
            found.append("panel %r: incomplete gridPos" % title)
            continue
        if grid["x"] + grid["w"] > 24:
            found.append("panel %r: wider than the 24-column grid" % title)
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                if (x, y) in cells:
                    found.append("panel %r overlaps %r" % (title, cells[(x, y)]))
                    break
                cells[(x, y)] = title
            else:
                continue
            break
        if panel.get("type") == "row":
            continue
        if (panel.get("datasource") or {}).get("uid") != DATASOURCE:
            found.append("panel %r does not use ${datasource}" % title)
        targets = panel.get("targets") or []
        if not targets:
            found.append("panel %r has no query" % title)
        ref_ids = [t.get("refId") for t in targets]
        if len(set(ref_ids)) != len(ref_ids):
            found.append("panel %r repeats a refId" % title)
        for target in targets:
            if not target.get("expr"):
                found.append("panel %r: a query without expr" % title)
            if (target.get("datasource") or {}).get("uid") != DATASOURCE:
                found.append("panel %r: a query does not use ${datasource}" % title)
            if exported is not None:
                for metric in re.findall(r"\b(newsflow_[a-z0-9_]+|up)\b", target.get("expr", "")):
                    base = re.sub(r"_(bucket|sum|count)$", "", metric)
                    if metric != "up" and metric not in exported and base not in exported:
                        found.append("panel %r queries %s, which /metrics does not export"
                                     % (title, metric))
    return found


def queries(dashboard):
    return [t["expr"] for p in panels_of(dashboard) for t in p.get("targets", []) if t.get("expr")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dashboard")
    parser.add_argument("--metrics", help="a /metrics scrape: check every queried metric exists")
    parser.add_argument("--print-queries", action="store_true")
    args = parser.parse_args()
    with open(args.dashboard, encoding="utf-8") as f:
        dashboard = json.load(f)
    if args.print_queries:
        print("\n".join(queries(dashboard)))
        return 0
    exported = None
    if args.metrics:
        with open(args.metrics, encoding="utf-8") as f:
            exported = {line.split()[2] for line in f if line.startswith("# TYPE ")}
    found = problems(dashboard, exported)
    for problem in found:
        print("%s: %s" % (args.dashboard, problem), file=sys.stderr)
    if not found:
        print("%s: %d panels, %d queries: OK" % (args.dashboard, len(list(panels_of(dashboard))),
                                                 len(queries(dashboard))))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
