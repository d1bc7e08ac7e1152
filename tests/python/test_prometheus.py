"""A real Prometheus (Debian's) scrapes a running processor: /metrics passes promtool's lint,
the project's rules load and evaluate, and every query of the Grafana dashboard returns data."""
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
from confluent_kafka import Producer

from conftest import SOURCE_DIR, free_port

DASHBOARD = os.path.join(SOURCE_DIR, "deploy", "grafana", "newsflow-dashboard.json")
RULES = os.path.join(SOURCE_DIR, "deploy", "prometheus", "rules")
sys.path.insert(0, os.path.join(SOURCE_DIR, "deploy", "grafana"))
import check_dashboard  # noqa: E402


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode()


def wait_for(predicate, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail("timed out waiting for " + what)


@pytest.fixture
def prometheus_binaries():
    for tool in ("prometheus", "promtool"):
        if not shutil.which(tool):
            pytest.fail("%s is not installed (scripts/install-deps.sh installs Debian's "
                        "prometheus package)" % tool)


def test_a_real_prometheus_answers_every_dashboard_query(newsflow_bin, brokers, tmp_path,
                                                         prometheus_binaries):
    prefix = "prom-%d" % os.getpid()
    flags = ["--brokers", brokers, "--raw-topic", prefix + ".raw", "--enriched-topic",
             prefix + ".enriched", "--dlq-topic", prefix + ".dlq"]
    port = free_port()
    processor = subprocess.Popen([newsflow_bin, "process", *flags, "--group", prefix,
                                  "--http-port", str(port), "--progress-interval", "0"],
                                 stdout=subprocess.DEVNULL, stderr=open(tmp_path / "process.log", "w"))
    prom_port = free_port()
    prometheus = None
    try:
        metrics_url = "http://127.0.0.1:%d/metrics" % port
        wait_for(lambda: "newsflow_ready 1" in get(metrics_url), 60, "the processor to be ready")

        config = tmp_path / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            "rule_files: [%s, %s]\n"
            "scrape_configs:\n"
            "  - job_name: newsflow\n"
            "    static_configs: [{targets: ['127.0.0.1:%d']}]\n"
            % (json.dumps(os.path.join(RULES, "newsflow-recording.yml")),
               json.dumps(os.path.join(RULES, "newsflow-alerts.yml")), port))
        prometheus = subprocess.Popen(
            ["prometheus", "--config.file", str(config), "--storage.tsdb.path",
             str(tmp_path / "tsdb"), "--web.listen-address", "127.0.0.1:%d" % prom_port],
            stdout=subprocess.DEVNULL, stderr=open(tmp_path / "prometheus.log", "w"))
        api = "http://127.0.0.1:%d/api/v1/" % prom_port

        def query(expr):
            answer = json.loads(get(api + "query?" + urllib.parse.urlencode({"query": expr})))
            assert answer["status"] == "success", (expr, answer)
            return answer["data"]["result"]

        wait_for(lambda: query('up{job="newsflow"} == 1'), 60, "Prometheus to scrape")
        # Traffic through the real broker once Prometheus scrapes (every second), so that its
        # rates see the counters grow: articles at a steady rate, and one undecodable record
        # for the dead-letter panel.
        samples = os.path.join(SOURCE_DIR, "data", "samples")
        producer = subprocess.Popen([newsflow_bin, "produce", *flags, "--rate", "2",
                                     os.path.join(samples, "newsroom_samples.jsonl"),
                                     os.path.join(samples, "000_etv_bharat_ukraine_allies.txt"),
                                     os.path.join(samples, "newsroom_samples.jsonl")],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        garbage = Producer({"bootstrap.servers": brokers})
        garbage.produce(prefix + ".raw", value=b"\xff not a RawArticle", key=b"garbage")
        assert garbage.flush(10) == 0

        # promtool's lint of the live exposition: names, units, _total, help texts.
        scrape = get(metrics_url)
        (tmp_path / "scrape.txt").write_text(scrape)
        lint = subprocess.run(["promtool", "check", "metrics"], input=scrape, text=True,
                              capture_output=True)
        assert lint.returncode == 0, lint.stdout + lint.stderr

        assert producer.wait(120) == 0
        time.sleep(5)  # a few more scrapes after the last article

        exprs = check_dashboard.queries(json.load(open(DASHBOARD)))
        assert len(exprs) >= 15
        empty = []
        for expr in exprs:
            concrete = expr.replace("$job", "newsflow").replace("$__rate_interval", "30s")
            if not query(concrete):
                empty.append(concrete)
        assert empty == [], "dashboard queries without data:\n" + "\n".join(empty)

        # The recording rules evaluate in a real server; no alert fires on a healthy run.
        rules = json.loads(get(api + "rules"))["data"]["groups"]
        assert {g["name"] for g in rules} == {"newsflow-recording", "newsflow-alerts"}
        assert all(r["health"] == "ok" for g in rules for r in g["rules"]), rules
        assert query("job:newsflow_records_consumed:rate5m > 0")
        firing = [a for a in json.loads(get(api + "alerts"))["data"]["alerts"]
                  if a["state"] == "firing"]
        assert firing == []

        # The dashboard names no metric the processor does not export.
        assert check_dashboard.problems(json.load(open(DASHBOARD)),
                                        {l.split()[2] for l in scrape.splitlines()
                                         if l.startswith("# TYPE ")}) == []
    finally:
        if prometheus:
            prometheus.terminate()
            prometheus.wait(20)
        processor.terminate()
        processor.wait(60)
