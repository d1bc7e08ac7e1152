// The newsflow dashboard page: polls /api/summary every 2 seconds and redraws.
// Every text that comes from articles is set with textContent (never HTML), and links
// are made only for http(s) URLs, so a hostile title or URL stays inert text.
"use strict";

const state = { heatBy: "countries", chart: null, filtersSeen: { topic: {}, region: {}, language: {} } };
const $ = (id) => document.getElementById(id);

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

function safeLink(url, text) {
  let parsed = null;
  try { parsed = new URL(url); } catch (e) { parsed = null; }
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) return el("span", text);
  const a = el("a", text);
  a.href = parsed.href;
  a.rel = "noopener noreferrer nofollow";
  a.target = "_blank";
  return a;
}

function fmtTime(ms) { return new Date(ms).toISOString().replace("T", " ").slice(0, 19) + "Z"; }
function pct(x) { return (100 * x).toFixed(1) + " %"; }

function fillTable(table, rows, cells) {
  const body = table.tBodies[0];
  body.replaceChildren(...rows.map((row) => {
    const tr = document.createElement("tr");
    for (const cell of cells(row)) tr.appendChild(cell);
    return tr;
  }));
}

function remember(select, key, items, value, label) {
  const seen = state.filtersSeen[key];
  for (const item of items) {
    const v = value(item);
    if (!(v in seen)) {
      seen[v] = true;
      const option = el("option", label(item));
      option.value = v;
      select.appendChild(option);
    }
  }
}

function drawHeat(summary) {
  const byRegion = state.heatBy === "regions";
  const pairs = byRegion ? summary.topicRegion : summary.topicCountry;
  const columns = (byRegion ? summary.regions.map((r) => ({ key: r.name, label: r.name }))
                            : summary.countries.map((c) => ({ key: c.code, label: c.code + " " + c.name })))
                    .slice(0, 12);
  const rows = summary.topics.slice(0, 17);
  const count = new Map(pairs.map((p) => [p.topic + "\u0000" + (byRegion ? p.region : p.country), p.articles]));
  let max = 1;
  for (const v of count.values()) max = Math.max(max, v);
  const table = $("heat");
  const head = document.createElement("tr");
  head.appendChild(el("th", "Topic"));
  for (const c of columns) head.appendChild(el("th", c.label, "num"));
  const lines = [head];
  for (const t of rows) {
    const tr = document.createElement("tr");
    tr.appendChild(el("th", t.label));
    for (const c of columns) {
      const v = count.get(t.code + "\u0000" + c.key) || 0;
      const td = el("td", v ? v : "", "num");
      td.dataset.topic = t.code;
      td.dataset.column = c.key;
      if (v) td.style.backgroundColor = "rgba(31, 95, 191, " + (0.12 + 0.7 * v / max).toFixed(2) + ")";
      tr.appendChild(td);
    }
    lines.push(tr);
  }
  table.replaceChildren(...lines);
  $("heat-axis").textContent = byRegion ? "M49 regions" : "countries";
  $("toggle-heat").textContent = byRegion ? "show countries" : "show M49 regions";
}

function drawChart(summary) {
  const s = summary.series;
  const xs = s.articles.map((_, i) => (s.startMs / 1000) + i * s.bucketSeconds);
  const data = [xs, s.unique, s.nearDuplicates, s.exactDuplicates];
  const box = $("rates-chart");
  const width = Math.max(300, box.clientWidth || 800);
  if (!state.chart || state.chart.width !== width) {
    if (state.chart) state.chart.destroy();
    state.chart = new uPlot({
      width: width, height: 220,
      series: [{}, { label: "unique", stroke: "#1f5fbf", fill: "rgba(31,95,191,.15)" },
               { label: "near duplicates", stroke: "#e08a00" },
               { label: "exact duplicates", stroke: "#b3261e" }],
      axes: [{}, { label: "articles per bucket" }],
    }, data, box);
  } else {
    state.chart.setData(data);
  }
}

function draw(summary) {
  $("articles").textContent = summary.articles;
  $("unique").textContent = summary.unique;
  $("near-duplicates").textContent = summary.nearDuplicates;
  $("exact-duplicates").textContent = summary.exactDuplicates;
  $("unique-rate").textContent = pct(summary.rates.unique);
  $("near-rate").textContent = pct(summary.rates.nearDuplicates);
  $("exact-rate").textContent = pct(summary.rates.exactDuplicates);
  $("throughput").textContent = (summary.throughput.articlesPerSecond * 60).toFixed(1);
  const lat = summary.latencyMs;
  $("latency").textContent = lat.count ? lat.p50 + " / " + lat.p99 + " ms" : "–";
  drawChart(summary);
  drawHeat(summary);
  fillTable($("regions-table"), summary.regions, (r) => [el("td", r.name), el("td", r.articles, "num")]);
  fillTable($("countries-table"), summary.countries,
            (c) => [el("td", c.code + " " + c.name), el("td", c.articles, "num")]);
  fillTable($("languages-table"), summary.languages, (l) => [el("td", l.code), el("td", l.articles, "num")]);
  fillTable($("sources-table"), summary.sources, (s) => [el("td", s.name), el("td", s.articles, "num")]);
  fillTable($("clusters"), summary.topClusters, (c) => {
    const title = el("td");
    title.appendChild(safeLink(c.url, c.title || c.clusterId));
    title.dataset.clusterId = c.clusterId;
    return [title, el("td", c.size, "num"), el("td", c.sources.join(", ")),
            el("td", fmtTime(c.firstSeenMs)), el("td", fmtTime(c.lastSeenMs))];
  });
  remember($("filter-topic"), "topic", summary.topics, (t) => t.code, (t) => t.label);
  remember($("filter-region"), "region", summary.regions, (r) => r.name, (r) => r.name);
  remember($("filter-region"), "region", summary.countries, (c) => c.code, (c) => c.code + " " + c.name);
  remember($("filter-language"), "language", summary.languages, (l) => l.code, (l) => l.code);
}

async function refresh() {
  const params = new URLSearchParams({ window: $("window").value });
  for (const [key, id] of [["topic", "filter-topic"], ["region", "filter-region"], ["language", "filter-language"]]) {
    if ($(id).value) params.set(key, $(id).value);
  }
  try {
    const response = await fetch("/api/summary?" + params.toString(), { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    const summary = await response.json();
    draw(summary);
    document.body.dataset.generatedAtMs = summary.generatedAtMs;
    $("status").textContent = "updated " + fmtTime(summary.generatedAtMs) + " · " +
        summary.state.articlesHeld + " articles held";
  } catch (e) {
    $("status").textContent = "cannot reach the dashboard service (" + e.message + "); retrying";
  }
}

$("toggle-heat").addEventListener("click", () => {
  state.heatBy = state.heatBy === "countries" ? "regions" : "countries";
  refresh();
});
for (const id of ["window", "filter-topic", "filter-region", "filter-language"]) {
  $(id).addEventListener("change", refresh);
}
refresh();
setInterval(refresh, 2000);
