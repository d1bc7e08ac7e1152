// Developer tool: runs the normalizer over labelled shared data and prints what it found.
//
//   normalize_eval quality <shared data dir> [samples]
//       Everything docs/QUALITY.md reports: the extraction score below, and how often the
//       seed, news_cluster, basil and Reuters-21578 articles get a dateline, byline, caption
//       or sub-heading split off (with the first `samples` examples of each to judge), plus
//       the labelled Reuters dateline test.
//   normalize_eval extraction <trafilatura-eval dir> [limit] [-v|-vv|-] [libxml2]
//       Main-text extraction score on trafilatura's benchmark (snippets that must / must not
//       appear in title + body, and in the body alone), as precision / recall / F1, plus
//       throughput. -v lists pages with errors, -vv each missed / kept snippet.
//   normalize_eval languages <trafilatura-eval dir> [limit]
//       How often language detection on a sample of 512 / 1024 / 2048 bytes agrees with
//       detection on the whole text (justifies NormalizeOptions::language_sample_bytes).
//   normalize_eval fuzz <trafilatura-eval dir> [iterations]
//       Feeds mutated pages, bodies, dates and URLs to the normalizer (run it in a
//       sanitizer build): truncation, random bytes, stray tags, entities, control bytes.
//   normalize_eval page <file.html[.gz]>
//       Everything the normalizer makes of one page.
//   normalize_eval jsonl <file.jsonl> [limit]
//       One line per article of a JSON Lines corpus (news_cluster, reuters21578, basil):
//       dateline, byline, captions, sub-headings, language, first paragraph.
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "processors/normalize/eval_io.h"
#include "processors/normalize/normalize.h"

namespace {

using newsflow::normalize::NormalizedArticle;
using newsflow::normalize::Normalizer;
using newsflow::normalize::eval::ReadGzip;
using newsflow::normalize::eval::Str;

// Collapses whitespace so that snippets match across line breaks.
std::string Squash(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// Snippet counts of one view of the extracted text.
struct Score {
  size_t tp = 0, fn = 0, fp = 0, tn = 0;

  void Add(const nlohmann::json& entry, const std::string& text) {
    for (const auto& s : entry.value("with", nlohmann::json::array())) {
      if (s.is_string()) text.find(Squash(s.get<std::string>())) != std::string::npos ? ++tp : ++fn;
    }
    for (const auto& s : entry.value("without", nlohmann::json::array())) {
      if (s.is_string()) text.find(Squash(s.get<std::string>())) != std::string::npos ? ++fp : ++tn;
    }
  }
  void Print(const char* name) const {
    double precision = tp + fp == 0 ? 0 : static_cast<double>(tp) / static_cast<double>(tp + fp);
    double recall = tp + fn == 0 ? 0 : static_cast<double>(tp) / static_cast<double>(tp + fn);
    double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    std::printf("%-12s precision %.3f recall %.3f F1 %.3f (tp %zu fn %zu fp %zu tn %zu)\n", name,
                precision, recall, f1, tp, fn, fp, tn);
  }
};

// Scores two views: "title+body" (what the batch JSON output carries under "title" and
// "body"; the headline of the primary measure) and "body" alone (comparable with extractors
// such as trafilatura, whose main text has no title). Subtitle and captions have fields of
// their own and are in neither.
int Extraction(const std::filesystem::path& dir, size_t limit, bool verbose, bool snippets,
               newsflow::normalize::HtmlParser parser = newsflow::normalize::HtmlParser::kGumbo) {
  std::ifstream in(dir / "evaldata.json");
  nlohmann::json eval = nlohmann::json::parse(in, nullptr, false);
  if (eval.is_discarded()) {
    std::cerr << "cannot read " << (dir / "evaldata.json") << "\n";
    return 1;
  }
  newsflow::normalize::NormalizeOptions options;
  options.html_parser = parser;
  Normalizer normalizer(options);
  size_t pages = 0, failed = 0, bytes = 0;
  Score with_title, body_only;
  double seconds = 0;
  for (auto& [url, entry] : eval.items()) {
    if (limit != 0 && pages >= limit) break;
    std::string html;
    if (!ReadGzip(dir / "html" / (Str(entry, "file") + ".gz"), &html)) continue;
    ++pages;
    newsflow::v1::RawArticle raw;
    raw.set_id(Str(entry, "file"));
    if (url.rfind("http", 0) == 0) raw.set_url(url);
    raw.set_html(html);
    auto start = std::chrono::steady_clock::now();
    auto result = normalizer.Normalize(raw);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    bytes += html.size();
    std::string text, body;
    if (result.ok()) {
      body = Squash(result->Body());
      text = Squash(result->title + "\n" + result->Body());
    } else {
      ++failed;
      if (verbose) std::cout << "FAIL " << raw.id() << ": " << result.status() << "\n";
    }
    with_title.Add(entry, text);
    body_only.Add(entry, body);
    if (!verbose) continue;
    size_t page_fn = 0, page_fp = 0;
    for (const auto& s : entry.value("with", nlohmann::json::array())) {
      if (!s.is_string() || text.find(Squash(s.get<std::string>())) != std::string::npos) continue;
      ++page_fn;
      if (snippets) std::cout << "  MISSED " << raw.id() << " | " << s.get<std::string>() << "\n";
    }
    for (const auto& s : entry.value("without", nlohmann::json::array())) {
      if (!s.is_string()) continue;
      size_t at = text.find(Squash(s.get<std::string>()));
      if (at == std::string::npos) continue;
      ++page_fp;
      if (snippets) {
        std::cout << "  KEPT(" << (at < Squash(result->title).size() ? "title" : "body") << ") "
                  << raw.id() << " @" << (100 * at / text.size()) << "% | "
                  << s.get<std::string>() << "\n";
      }
    }
    if (page_fn > 0 || page_fp > 0) {
      std::cout << raw.id() << " missed=" << page_fn << " boilerplate=" << page_fp
                << " paragraphs=" << (result.ok() ? result->paragraphs.size() : 0) << "\n";
    }
  }
  std::printf("pages %zu, rejected %zu\n", pages, failed);
  with_title.Print("title+body");
  body_only.Print("body");
  std::printf("throughput %.1f MB/s (%.1f MB in %.2f s)\n", bytes / seconds / 1e6, bytes / 1e6,
              seconds);
  return 0;
}

int Languages(const std::filesystem::path& dir, size_t limit) {
  std::ifstream in(dir / "evaldata.json");
  nlohmann::json eval = nlohmann::json::parse(in, nullptr, false);
  if (eval.is_discarded()) return 1;
  const size_t samples[] = {512, 1024, 2048};
  std::vector<Normalizer> normalizers;
  for (size_t bytes : {size_t{0}, samples[0], samples[1], samples[2]}) {
    newsflow::normalize::NormalizeOptions options;
    options.language_sample_bytes = bytes;
    normalizers.emplace_back(options);
  }
  size_t pages = 0, agree[3] = {0, 0, 0};
  for (auto& [url, entry] : eval.items()) {
    if (limit != 0 && pages >= limit) break;
    std::string html;
    if (!ReadGzip(dir / "html" / (Str(entry, "file") + ".gz"), &html)) continue;
    newsflow::v1::RawArticle raw;
    raw.set_id(Str(entry, "file"));
    raw.set_html(html);
    auto full = normalizers[0].Normalize(raw);
    if (!full.ok()) continue;
    ++pages;
    for (int i = 0; i < 3; ++i) {
      auto sampled = normalizers[static_cast<size_t>(i) + 1].Normalize(raw);
      if (sampled.ok() && sampled->language == full->language) ++agree[i];
    }
  }
  for (int i = 0; i < 3; ++i) {
    std::printf("sample %zu bytes: same language as whole text on %zu of %zu pages (%.1f%%)\n",
                samples[i], agree[i], pages, 100.0 * static_cast<double>(agree[i]) / static_cast<double>(pages));
  }
  return 0;
}

int Page(const std::filesystem::path& path) {
  std::string html;
  if (path.extension() == ".gz") {
    if (!ReadGzip(path, &html)) return 1;
  } else {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    html = ss.str();
  }
  newsflow::v1::RawArticle raw;
  raw.set_id(path.filename().string());
  raw.set_html(html);
  Normalizer normalizer({});
  auto result = normalizer.Normalize(raw);
  if (!result.ok()) {
    std::cout << result.status() << "\n";
    return 1;
  }
  const NormalizedArticle& a = *result;
  std::cout << "title: " << a.title << "\ncharset: " << a.charset << "\nlanguage: " << a.language
            << " " << a.language_confidence << "\npublished: " << a.published_at << " ("
            << a.published_at_original << ")\ncanonical: " << a.canonical_url
            << "\nbyline: " << a.byline << "\ndateline: " << a.dateline.text << "\n";
  for (const auto& c : a.captions) std::cout << "caption: " << c << "\n";
  for (const auto& h : a.subheadings) std::cout << "subheading: " << h << "\n";
  for (const auto& p : a.paragraphs) std::cout << "\n" << p << "\n";
  return 0;
}

int Fuzz(const std::filesystem::path& dir, size_t iterations) {
  std::vector<std::string> pages;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "html")) {
    std::string html;
    if (pages.size() < 60 && ReadGzip(entry.path(), &html)) pages.push_back(std::move(html));
  }
  if (pages.empty()) return 1;
  std::mt19937_64 rng(42);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  static const char* const kSnippets[] = {
      "<", ">", "</p>", "<p>", "<div class=\"share\">", "</div>", "<script>", "</script>",
      "<!--", "-->", "&", "&amp", "&#", "&#x110000;", "&#0;", "&eacute;", "\xC3", "\xFF",
      "\xE2\x80", "\x00", "\r", "\n\n", "    ", "PARIS (AP) \xE2\x80\x94 ", "By ", "(AP)",
      "<meta charset=\"iso-8859-2\">", "<meta charset=utf-16>", "<h2>", "<figcaption>",
      "<br>", "<li>", "\xF0\x9F\x98\x80", "e\xCC\x81", "\xEF\xBB\xBF", "<article>"};
  Normalizer normalizer({});
  size_t ok = 0;
  for (size_t i = 0; i < iterations; ++i) {
    std::string text = pages[pick(pages.size())];
    if (pick(2) == 0) text = text.substr(pick(text.size()));
    text.resize(pick(text.size() + 1));
    for (size_t m = pick(20); m > 0; --m) {
      size_t at = text.empty() ? 0 : pick(text.size());
      switch (pick(3)) {
        case 0: text.insert(at, kSnippets[pick(std::size(kSnippets))]); break;
        case 1: if (!text.empty()) text[at] = static_cast<char>(rng()); break;
        default: if (!text.empty()) text.erase(at, pick(64)); break;
      }
    }
    newsflow::v1::RawArticle raw;
    raw.set_id("fuzz");
    if (pick(2) == 0) {
      raw.set_html(text);
      if (pick(4) == 0) raw.set_charset(pick(2) == 0 ? "windows-1252" : "shift_jis");
    } else {
      raw.set_body(text);
    }
    raw.set_title(text.substr(0, pick(200)));
    raw.set_url(text.substr(pick(text.size() + 1), pick(80)));
    raw.set_published_at(text.substr(pick(text.size() + 1), pick(40)));
    auto result = normalizer.Normalize(raw);
    if (result.ok()) ++ok;
    std::string out;
    int64_t ms;
    newsflow::normalize::ParsePublishedAt(raw.published_at(), &out, &ms);
    newsflow::normalize::CanonicalizeUrl("https://" + raw.url());
    newsflow::normalize::MatchingForm(raw.title());
  }
  std::printf("%zu iterations, %zu normalized\n", iterations, ok);
  return 0;
}

// A JSON Lines record of the shared corpora as the producer reads it.
newsflow::v1::RawArticle FromJson(const nlohmann::json& j, size_t n) {
  newsflow::v1::RawArticle raw;
  raw.set_id(j.contains("id") && j["id"].is_string() ? Str(j, "id") : std::to_string(n));
  raw.set_url(Str(j, "url"));
  raw.set_title(Str(j, "title"));
  std::string body = Str(j, "body");
  if (body.empty()) body = Str(j, "text");
  raw.set_body(body);
  raw.set_published_at(Str(j, "published_at").empty() ? Str(j, "date_publish")
                                                      : Str(j, "published_at"));
  if (!Str(j, "dateline").empty()) (*raw.mutable_attributes())["dateline"] = Str(j, "dateline");
  return raw;
}

std::vector<nlohmann::json> ReadJsonLines(const std::filesystem::path& path, size_t limit) {
  std::vector<nlohmann::json> records;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line) && (limit == 0 || records.size() < limit)) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object()) records.push_back(std::move(j));
  }
  return records;
}

int Jsonl(const std::string& path, size_t limit) {
  Normalizer normalizer({});
  size_t n = 0;
  for (const nlohmann::json& j : ReadJsonLines(path, limit)) {
    newsflow::v1::RawArticle raw = FromJson(j, ++n);
    auto result = normalizer.Normalize(raw);
    if (!result.ok()) {
      std::cout << raw.id() << "\tERROR " << result.status() << "\n";
      continue;
    }
    const NormalizedArticle& a = *result;
    std::cout << a.id << "\tlang=" << a.language << "\tdate=" << a.published_at << "\tdl=["
              << a.dateline.text << "|" << a.dateline.place << "|" << a.dateline.agency
              << "]\tby=[" << a.byline << "]\tcap=" << a.captions.size();
    for (const auto& c : a.captions) std::cout << " {" << c.substr(0, 60) << "}";
    std::cout << "\tsub=" << a.subheadings.size();
    for (const auto& s : a.subheadings) std::cout << " {" << s << "}";
    std::cout << "\tp=" << a.paragraphs.size() << "\tfirst=" << a.paragraphs[0].substr(0, 70)
              << "\n";
  }
  return 0;
}

// How many articles of a corpus get each structural part split off, with the first
// `samples` examples of each printed for judging by eye.
void Separation(const char* name, const std::vector<newsflow::v1::RawArticle>& articles,
                size_t samples) {
  Normalizer normalizer({});
  size_t ok = 0, dateline = 0, agency = 0, byline = 0, caption = 0, subheading = 0;
  std::vector<std::string> examples[4];  // dateline, byline, caption, sub-heading
  auto sample = [&](int kind, const std::string& id, const std::string& text) {
    if (examples[kind].size() < samples) examples[kind].push_back(id + "  " + text.substr(0, 90));
  };
  for (const auto& raw : articles) {
    auto result = normalizer.Normalize(raw);
    if (!result.ok()) continue;
    ++ok;
    const NormalizedArticle& a = *result;
    if (!a.dateline.text.empty()) {
      ++dateline;
      if (!a.dateline.agency.empty()) ++agency;
      sample(0, a.id, "[" + a.dateline.text + "] place=" + a.dateline.place + " agency=" +
                          a.dateline.agency + " | " + a.paragraphs[0].substr(0, 40));
    }
    if (!a.byline.empty()) ++byline, sample(1, a.id, a.byline);
    if (!a.captions.empty()) ++caption, sample(2, a.id, a.captions[0]);
    if (!a.subheadings.empty()) ++subheading, sample(3, a.id, a.subheadings[0]);
  }
  std::printf("%-22s articles %5zu normalized %5zu | dateline %5zu (agency %5zu) byline %5zu "
              "caption %4zu sub-heading %4zu\n",
              name, articles.size(), ok, dateline, agency, byline, caption, subheading);
  static const char* const kKinds[] = {"dateline", "byline", "caption", "sub-heading"};
  for (int k = 0; k < 4; ++k) {
    for (const std::string& e : examples[k]) std::printf("    %-11s %s\n", kKinds[k], e.c_str());
  }
}

// The seed article file: "date YYYY-MM-DD SOURCE / SECTION", the title, then the body.
bool ReadSeed(const std::filesystem::path& path, newsflow::v1::RawArticle* raw) {
  std::ifstream in(path);
  std::string line, body;
  bool title = false;
  while (std::getline(in, line)) {
    if (!title) {
      size_t start = line.find_first_not_of(" \t\r");
      if (start == std::string::npos) continue;
      if (line.compare(start, 5, "date ") == 0) {
        raw->set_published_at(line.substr(start + 5, 10));
        continue;
      }
      raw->set_title(line.substr(start));
      title = true;
      continue;
    }
    body += line + "\n";
  }
  raw->set_id(path.stem().string());
  raw->set_body(body);
  return title && !body.empty();
}

// Everything docs/QUALITY.md reports, from the shared data directory.
int Quality(const std::filesystem::path& data, size_t samples) {
  std::printf("== extraction: %s\n", (data / "extraction" / "trafilatura-eval").c_str());
  if (Extraction(data / "extraction" / "trafilatura-eval", 0, false, false) != 0) return 1;

  std::printf("\n== structure separation (first %zu examples of each part)\n", samples);
  std::vector<newsflow::v1::RawArticle> seed;
  for (const auto& entry : std::filesystem::directory_iterator(data / "seed")) {
    newsflow::v1::RawArticle raw;
    if (entry.path().extension() == ".txt" && ReadSeed(entry.path(), &raw)) seed.push_back(raw);
  }
  Separation("seed", seed, samples);
  {
    Normalizer normalizer({});
    for (const auto& raw : seed) {
      auto a = normalizer.Normalize(raw);
      if (!a.ok()) continue;
      std::printf("    seed %s: dateline [%s], byline [%s], %zu caption(s), sub-headings:",
                  raw.id().c_str(), a->dateline.text.c_str(), a->byline.c_str(),
                  a->captions.size());
      for (const auto& h : a->subheadings) std::printf(" [%s]", h.c_str());
      std::printf("\n");
    }
  }
  for (const char* corpus : {"news_cluster/news_cluster.jsonl", "basil/articles.jsonl"}) {
    std::vector<newsflow::v1::RawArticle> articles;
    size_t n = 0;
    for (const auto& j : ReadJsonLines(data / corpus, 0)) articles.push_back(FromJson(j, ++n));
    Separation(corpus, articles, samples);
  }

  // Reuters-21578 keeps the dateline in a field of its own: printed in front of the body as
  // the wire did ("SALVADOR, Feb 26 - Showers ..."), it is a labelled dateline test.
  std::vector<newsflow::v1::RawArticle> reuters, reuters_bare;
  size_t n = 0, labelled = 0, exact = 0, place = 0;
  Normalizer normalizer({});
  std::vector<std::string> misses;
  for (const auto& j : ReadJsonLines(data / "reuters21578" / "train.jsonl", 0)) {
    newsflow::v1::RawArticle raw = FromJson(j, ++n);
    std::string hint = Str(j, "dateline");
    raw.mutable_attributes()->erase("dateline");
    reuters_bare.push_back(raw);
    if (hint.empty() || raw.body().empty()) continue;
    ++labelled;
    raw.set_body(hint + " " + raw.body());
    auto a = normalizer.Normalize(raw);
    if (!a.ok()) continue;
    auto trim = [](std::string t) {
      while (!t.empty() && (t.back() == ' ' || t.back() == '-')) t.pop_back();
      return t;
    };
    if (trim(a->dateline.text) == trim(hint)) {
      ++exact;
    } else if (misses.size() < samples) {
      misses.push_back("[" + hint + "] -> [" + a->dateline.text + "] | " +
                       a->paragraphs[0].substr(0, 50));
    }
    if (!a->dateline.place.empty() && hint.rfind(a->dateline.place, 0) == 0) ++place;
  }
  std::printf("%-22s dateline printed before the body: %zu of %zu split exactly (%.3f), "
              "place right %zu (%.3f)\n",
              "reuters21578 (labelled)", exact, labelled,
              static_cast<double>(exact) / static_cast<double>(labelled), place,
              static_cast<double>(place) / static_cast<double>(labelled));
  for (const std::string& m : misses) std::printf("    miss        %s\n", m.c_str());
  Separation("reuters21578 (body)", reuters_bare, samples);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: normalize_eval quality <shared data dir> [samples]\n"
                 "       normalize_eval extraction <trafilatura-eval dir> [limit] [-v|-vv|-] "
                 "[libxml2]\n"
                 "       normalize_eval jsonl <file.jsonl> [limit]\n";
    return 2;
  }
  std::string mode = argv[1];
  size_t limit = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 0;
  bool snippets = argc > 4 && std::string(argv[4]) == "-vv";
  bool verbose = snippets || (argc > 4 && std::string(argv[4]) == "-v");
  if (mode == "extraction") {
    const bool libxml2 = argc > 5 && std::string(argv[5]) == "libxml2";
    return Extraction(argv[2], limit, verbose, snippets,
                      libxml2 ? newsflow::normalize::HtmlParser::kLibxml2
                              : newsflow::normalize::HtmlParser::kGumbo);
  }
  if (mode == "jsonl") return Jsonl(argv[2], limit);
  if (mode == "languages") return Languages(argv[2], limit);
  if (mode == "page") return Page(argv[2]);
  if (mode == "fuzz") return Fuzz(argv[2], limit == 0 ? 2000 : limit);
  if (mode == "quality") return Quality(argv[2], argc > 3 ? limit : 10);
  std::cerr << "unknown mode " << mode << "\n";
  return 2;
}
