"""`newsflow dashboard` fed through the real broker, loaded in headless Chromium (Debian's
chromium and chromium-driver): the page shows what /api/summary says and what was published,
updates without a reload, and shows hostile titles as text."""
import json
import os
import shutil
import subprocess
import time
import urllib.request

import pytest

from conftest import free_port, run

HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=\"document.title='pwned'\">"]


def get_json(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def wait_for(predicate, seconds, what):
    deadline = time.time() + seconds
    last = None
    while time.time() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except Exception as e:  # not up yet
            last = e
        time.sleep(0.25)
    pytest.fail("timed out waiting for %s (last: %r)" % (what, last))


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.fail("chromium and chromium-driver are not installed (scripts/install-deps.sh)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1400,2200"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(driver_path), options=options)


def test_the_page_shows_what_was_published(pipeline_factory, newsflow_bin, tmp_path):
    hostile = tmp_path / "hostile.jsonl"
    bodies = ["A report on the harbour council meeting in Kyiv, Ukraine, where members voted "
              "on the new budget for roads, schools and the port after a long debate. " * 3,
              "Farmers in Mendoza, Argentina, began the grape harvest early this year after a "
              "dry and hot summer, and expect a smaller but sweeter vintage. " * 3]
    hostile.write_text("".join(json.dumps({
        "id": "hostile-%d" % i, "title": title, "url": "javascript:alert(%d)" % i, "body": body,
    }) + "\n" for i, (title, body) in enumerate(zip(HOSTILE, bodies))))
    pipeline = pipeline_factory(extra_inputs=[str(hostile)])
    published = pipeline.consume_jsonl()
    port = free_port()
    dashboard = subprocess.Popen([newsflow_bin, "dashboard", "--brokers", pipeline.brokers,
                                  "--topic", pipeline.enriched, "--http-port", str(port)],
                                 stdout=subprocess.DEVNULL, stderr=open(tmp_path / "dashboard.log", "w"))
    base = "http://127.0.0.1:%d" % port
    driver = None
    try:
        wait_for(lambda: urllib.request.urlopen(base + "/readyz", timeout=2).status == 200, 60,
                 "the dashboard to catch up")
        summary = get_json(base + "/api/summary?window=3600")
        statuses = [p.get("dedup", {}).get("status", "UNIQUE") for p in published]
        assert summary["articles"] == len(published)
        assert summary["unique"] == statuses.count("UNIQUE")
        assert summary["nearDuplicates"] == statuses.count("NEAR_DUPLICATE")
        assert summary["exactDuplicates"] == statuses.count("EXACT_DUPLICATE")
        for key in ("articles", "unique", "nearDuplicates", "exactDuplicates", "topics",
                    "countries", "topicCountry", "topClusters"):
            assert key in summary
        sizes = [c["size"] for c in summary["topClusters"]]
        assert sizes == sorted(sizes, reverse=True) and sum(sizes) == len(published)
        for cluster in summary["topClusters"]:
            assert {"clusterId", "title", "size", "sources"} <= set(cluster)

        driver = browser()
        driver.get(base + "/")
        from selenium.common.exceptions import NoAlertPresentException
        from selenium.webdriver.common.by import By
        # The page redraws every 2 s; read it in one script so that nothing changes midway.
        read_page = """
          const text = (id) => document.getElementById(id).textContent;
          return {
            articles: text("articles"), unique: text("unique"),
            near: text("near-duplicates"), exact: text("exact-duplicates"),
            title: document.title,
            clusters: [...document.querySelectorAll("#clusters tbody tr")].map((tr) =>
              [...tr.querySelectorAll("td")].map((td) => td.textContent)),
            heat: [...document.querySelectorAll("#heat td[data-topic]")].map((td) =>
              [td.dataset.topic, td.dataset.column, td.textContent]),
            injected: document.querySelectorAll("#clusters img, #clusters script").length,
            scriptLinks: [...document.querySelectorAll("#clusters a")]
              .filter((a) => a.href.startsWith("javascript:")).length,
          };"""
        wait_for(lambda: driver.execute_script(read_page)["articles"] == str(summary["articles"]),
                 30, "the page's numbers")
        page = driver.execute_script(read_page)
        assert page["unique"] == str(summary["unique"])
        assert page["near"] == str(summary["nearDuplicates"])
        assert page["exact"] == str(summary["exactDuplicates"])
        assert len(page["clusters"]) == len(summary["topClusters"])
        for cells, cluster in zip(page["clusters"], summary["topClusters"]):
            assert cells[0] == (cluster["title"] or cluster["clusterId"])
            assert cells[1] == str(cluster["size"])
            assert cells[2] == ", ".join(cluster["sources"])
        # The heat table holds the topic x country counts of the API.
        pairs = {(p["topic"], p["country"]): p["articles"] for p in summary["topicCountry"]}
        assert page["heat"]
        shown = 0
        for topic, country, cell in page["heat"]:
            count = pairs.get((topic, country), 0)
            assert cell == (str(count) if count else "")
            shown += count
        assert shown > 0
        # Hostile titles are text: no script ran, no element was made from them, and the
        # javascript: URL is not a link.
        titles = [cells[0] for cells in page["clusters"]]
        for title in HOSTILE:
            assert title in titles
        assert page["title"] == "newsflow dashboard"
        assert page["injected"] == 0 and page["scriptLinks"] == 0
        with pytest.raises(NoAlertPresentException):
            driver.switch_to.alert.text

        # Live: one more article appears without a reload.
        more = tmp_path / "more.jsonl"
        more.write_text(json.dumps({"id": "late-1", "title": "Harbour reopens after storm",
                                    "body": "The harbour of Gdansk, Poland, reopened on Monday "
                                            "after a storm closed it for two days. " * 3}) + "\n")
        run([newsflow_bin, "produce", *pipeline.flags, str(more)])
        run([newsflow_bin, "process", *pipeline.flags, "--group", pipeline.group,
             "--exit-when-idle-ms", "2000", "--progress-interval", "0"])
        wait_for(lambda: driver.execute_script(read_page)["articles"] == str(summary["articles"] + 1),
                 30, "a live update")

        shot = os.path.join(os.environ.get("NEWSFLOW_ARTIFACTS", str(tmp_path)),
                            "dashboard-screenshot.png")
        os.makedirs(os.path.dirname(shot), exist_ok=True)
        assert driver.save_screenshot(shot)
        print("screenshot:", shot)
    finally:
        if driver:
            driver.quit()
        dashboard.terminate()
        assert dashboard.wait(30) == 0, open(tmp_path / "dashboard.log").read()
