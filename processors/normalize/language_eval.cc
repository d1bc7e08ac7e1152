// Developer tool: language identification measured on labelled articles, CLD2 (what the
// normalizer uses) against libexttextcat (Debian libexttextcat-dev, the n-gram "TextCat"
// classifier LibreOffice uses), in the variants docs/QUALITY.md reports.
//
//   language_eval measure <shared data dir> <labels.tsv>
//       Accuracy and speed of each detector on (1) the trafilatura benchmark pages with the
//       languages in labels.tsv (file <TAB> ISO 639-1) and (2) the English news corpora
//       (news_cluster, basil). The text is what the normalizer extracts (title + body).
//   language_eval candidates <trafilatura-eval dir>
//       One line per page: file, CLD2 on all text, TextCat on all text, the page's declared
//       language, the start of the text; the input for labelling (see language_labels.tsv).
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>
#include <libexttextcat/textcat.h>
#include <nlohmann/json.hpp>

#include "processors/normalize/html_extract.h"
#include "processors/normalize/language.h"
#include "processors/normalize/eval_io.h"
#include "processors/normalize/normalize.h"

namespace {

using newsflow::normalize::NormalizedArticle;
using newsflow::normalize::Normalizer;
using newsflow::normalize::eval::ReadGzip;
using newsflow::normalize::eval::Str;
using newsflow::normalize::NormalizeOptions;
namespace internal = newsflow::normalize::internal;

// Top-level domain of a URL's host ("www.spiegel.de/..." -> "de"), for CLD2's tld hint.
std::string Tld(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find_first_of("/:?#", start);
  std::string host = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  size_t dot = host.rfind('.');
  return dot == std::string::npos ? std::string() : host.substr(dot + 1);
}

struct Input {
  std::string id;
  std::string label;     // gold language
  std::string declared;  // <html lang> etc. of the page
  std::string tld;
  std::string sample256, sample512, all;
  std::string shipped;  // what Normalizer (defaults) reports
};

// What the normalizer runs (language.cc) on what it samples: 256 bytes, and 512 when CLD2 is
// unsure of those.
std::string Shipped(const Input& in) {
  const double min_confidence = NormalizeOptions().min_language_confidence;
  internal::LanguageGuess guess =
      internal::DetectLanguage(in.sample256, in.declared, min_confidence);
  if (internal::IsUnsure(guess, min_confidence) && in.sample512.size() > in.sample256.size()) {
    guess = internal::DetectLanguage(in.sample512, in.declared, min_confidence);
  }
  return guess.code;
}

// --- detectors ---------------------------------------------------------------------------

std::string Cld2(const std::string& text, const std::string& declared, const std::string& tld,
                 bool hints) {
  CLD2::CLDHints h = {nullptr, nullptr, CLD2::UNKNOWN_ENCODING, CLD2::UNKNOWN_LANGUAGE};
  std::string content_language = internal::NormalizeLanguageTag(declared);
  if (hints) {
    h.content_language_hint = content_language.empty() ? nullptr : content_language.c_str();
    h.tld_hint = tld.empty() ? nullptr : tld.c_str();
  }
  CLD2::Language languages[3];
  int percents[3];
  double scores[3];
  int text_bytes = 0;
  bool reliable = false;
  CLD2::ExtDetectLanguageSummary(text.data(), static_cast<int>(text.size()), true, &h, 0,
                                 languages, percents, scores, nullptr, &text_bytes, &reliable);
  if (languages[0] == CLD2::UNKNOWN_LANGUAGE) return "und";
  float confidence = static_cast<float>(percents[0]) / 100.0f * (reliable ? 1.0f : 0.5f);
  if (confidence < 0.5f) {  // the normalizer's fallback below min_language_confidence
    return content_language.empty() ? "und" : content_language;
  }
  std::string code = internal::NormalizeLanguageTag(CLD2::LanguageCode(languages[0]));
  return code.empty() ? "und" : code;
}

class TextCat {
 public:
  TextCat() {
    handle_ = special_textcat_Init("/usr/share/libexttextcat/fpdb.conf", "/usr/share/libexttextcat/");
  }
  ~TextCat() {
    if (handle_ != nullptr) textcat_Done(handle_);
  }
  bool ok() const { return handle_ != nullptr; }
  // "[de--utf8][nl--utf8]" -> "de"; "SHORT" / "UNKNOWN" -> declared language, else "und".
  std::string Detect(const std::string& text, const std::string& declared) const {
    const char* result = textcat_Classify(handle_, text.data(), text.size());
    std::string r = result == nullptr ? "" : result;
    if (r.size() > 1 && r[0] == '[') {
      size_t end = r.find_first_of("-]");
      std::string code = internal::NormalizeLanguageTag(r.substr(1, end - 1));
      if (!code.empty()) return code;
    }
    std::string fallback = internal::NormalizeLanguageTag(declared);
    return fallback.empty() ? "und" : fallback;
  }

 private:
  void* handle_ = nullptr;
};

struct Detector {
  std::string name;
  std::function<std::string(const Input&)> run;
  const std::string Input::*text;  // the text it reads (for the speed figure)
};

struct Tally {
  size_t n = 0, right = 0, und = 0;
  double seconds = 0;
  size_t bytes = 0;
  std::map<std::string, size_t> errors;  // "gold->guess"
};

void Report(const std::vector<Detector>& detectors, const std::vector<Input>& inputs,
            const std::string& title) {
  std::printf("\n%s: %zu articles\n", title.c_str(), inputs.size());
  std::printf("| detector | accuracy | wrong | und | µs per article | MB/s |\n|---|---|---|---|---|---|\n");
  for (const Detector& d : detectors) {
    Tally t;
    for (int repeat = 0; repeat < 3; ++repeat) {  // speed: best of three passes
      Tally pass;
      for (const Input& in : inputs) {
        auto start = std::chrono::steady_clock::now();
        std::string guess = d.run(in);
        if (guess == "nb" || guess == "nn") guess = "no";  // Bokmål / Nynorsk: Norwegian
        pass.seconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        pass.bytes += (in.*(d.text)).size();
        ++pass.n;
        if (guess == in.label) {
          ++pass.right;
        } else {
          if (repeat == 0 && &d == &detectors.front()) {
            std::printf("  %s: %s, detected %s\n", in.id.c_str(), in.label.c_str(), guess.c_str());
          }
          if (guess == "und") ++pass.und;
          ++pass.errors[in.label + "->" + guess];
        }
      }
      if (repeat == 0 || pass.seconds < t.seconds) t = pass;
    }
    std::printf("| %s | %.3f (%zu/%zu) | %zu | %zu | %.1f | %.1f |\n", d.name.c_str(),
                static_cast<double>(t.right) / static_cast<double>(t.n), t.right, t.n,
                t.n - t.right - t.und, t.und, 1e6 * t.seconds / static_cast<double>(t.n),
                static_cast<double>(t.bytes) / 1e6 / t.seconds);
    std::vector<std::pair<size_t, std::string>> top;
    for (const auto& [k, v] : t.errors) top.emplace_back(v, k);
    std::sort(top.rbegin(), top.rend());
    std::printf("|   errors | ");
    for (size_t i = 0; i < top.size() && i < 8; ++i) std::printf("%s ×%zu; ", top[i].second.c_str(), top[i].first);
    std::printf("| | | | |\n");
  }
}

std::vector<Detector> Detectors(const TextCat* textcat) {
  std::vector<Detector> d;
  d.push_back({"**CLD2, 256 B, 512 B when unsure (shipped)**", Shipped, &Input::sample256});
  d.push_back({"CLD2, 512 B",
               [](const Input& in) {
                 return internal::DetectLanguage(in.sample512, in.declared,
                                                 NormalizeOptions().min_language_confidence)
                     .code;
               },
               &Input::sample512});
  d.push_back({"CLD2, 512 B, hints (declared language, TLD)",
               [](const Input& in) { return Cld2(in.sample512, in.declared, in.tld, true); },
               &Input::sample512});
  d.push_back({"CLD2, all text", [](const Input& in) { return Cld2(in.all, in.declared, in.tld, false); },
               &Input::all});
  d.push_back({"TextCat, 512 B", [textcat](const Input& in) { return textcat->Detect(in.sample512, in.declared); },
               &Input::sample512});
  d.push_back({"TextCat, all text", [textcat](const Input& in) { return textcat->Detect(in.all, in.declared); },
               &Input::all});
  return d;
}

int Measure(const std::filesystem::path& shared, const std::filesystem::path& labels_path) {
  TextCat textcat;
  if (!textcat.ok()) {
    std::cerr << "libexttextcat: cannot load /usr/share/libexttextcat/fpdb.conf\n";
    return 1;
  }
  std::map<std::string, std::string> labels;
  {
    std::ifstream in(labels_path);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      size_t tab = line.find('\t');
      if (tab == std::string::npos) continue;
      labels[line.substr(0, tab)] = line.substr(tab + 1, line.find('\t', tab + 1) - tab - 1);
    }
  }
  NormalizeOptions all_options;
  all_options.language_sample_bytes = 0;
  Normalizer all_text(all_options);
  Normalizer shipped({});

  const std::filesystem::path dir = shared / "extraction" / "trafilatura-eval";
  std::ifstream in(dir / "evaldata.json");
  nlohmann::json eval = nlohmann::json::parse(in, nullptr, false);
  if (eval.is_discarded()) return 1;
  std::vector<Input> pages;
  std::map<std::string, size_t> per_language;
  for (auto& [url, entry] : eval.items()) {
    std::string file = Str(entry, "file");
    auto label = labels.find(file);
    if (label == labels.end()) continue;
    std::string html;
    if (!ReadGzip(dir / "html" / (file + ".gz"), &html)) continue;
    newsflow::v1::RawArticle raw;
    raw.set_id(file);
    raw.set_html(html);
    auto a = all_text.Normalize(raw);
    auto s = shipped.Normalize(raw);
    if (!a.ok() || !s.ok()) continue;
    Input input;
    input.id = file;
    input.label = label->second;
    input.declared = internal::ExtractHtml(html, "").language;
    input.tld = Tld(url);
    input.sample512 = internal::LanguageSample(*a, 512);
    input.sample256 = internal::LanguageSample(*a, 256);
    input.all = internal::LanguageSample(*a, 0);
    input.shipped = s->language;
    ++per_language[input.label];
    pages.push_back(std::move(input));
  }
  size_t differ = 0;
  for (const Input& p : pages) differ += Shipped(p) != p.shipped;
  std::printf("the normalizer's own language differs from the shipped detector here on %zu pages\n", differ);
  std::printf("trafilatura benchmark pages by label:");
  for (const auto& [k, v] : per_language) std::printf(" %s %zu;", k.c_str(), v);
  std::printf("\n");
  std::vector<Detector> detectors = Detectors(&textcat);
  Report(detectors, pages, "trafilatura benchmark pages (labelled, many languages)");

  std::vector<Input> english;
  for (const char* corpus : {"news_cluster/news_cluster.jsonl", "basil/articles.jsonl"}) {
    std::ifstream jl(shared / corpus);
    std::string line;
    while (std::getline(jl, line)) {
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded()) continue;
      newsflow::v1::RawArticle raw;
      raw.set_id(Str(j, "id"));
      raw.set_title(Str(j, "title"));
      std::string body = Str(j, "body");
      if (body.empty()) body = Str(j, "text");
      raw.set_body(body);
      auto a = all_text.Normalize(raw);
      auto s = shipped.Normalize(raw);
      if (!a.ok() || !s.ok()) continue;
      Input input;
      input.id = raw.id();
      input.label = "en";
      input.tld = Tld(Str(j, "url"));
      input.sample512 = internal::LanguageSample(*a, 512);
      input.sample256 = internal::LanguageSample(*a, 256);
      input.all = internal::LanguageSample(*a, 0);
      input.shipped = s->language;
      english.push_back(std::move(input));
    }
  }
  Report(detectors, english, "English news (news_cluster + basil)");
  return 0;
}

int Candidates(const std::filesystem::path& dir) {
  TextCat textcat;
  if (!textcat.ok()) return 1;
  NormalizeOptions options;
  options.language_sample_bytes = 0;
  Normalizer normalizer(options);
  std::ifstream in(dir / "evaldata.json");
  nlohmann::json eval = nlohmann::json::parse(in, nullptr, false);
  if (eval.is_discarded()) return 1;
  for (auto& [url, entry] : eval.items()) {
    std::string file = Str(entry, "file");
    std::string html;
    if (!ReadGzip(dir / "html" / (file + ".gz"), &html)) continue;
    newsflow::v1::RawArticle raw;
    raw.set_id(file);
    raw.set_html(html);
    auto a = normalizer.Normalize(raw);
    if (!a.ok()) continue;
    std::string all = internal::LanguageSample(*a, 0);
    std::string declared = internal::ExtractHtml(html, "").language;
    std::string head = internal::LanguageSample(*a, 200);
    for (char& c : head) {
      if (c == '\n' || c == '\t') c = ' ';
    }
    std::printf("%s\t%s\t%s\t%s\t%s\t%s\n", file.c_str(), Cld2(all, "", "", false).c_str(),
                textcat.Detect(all, "").c_str(), internal::NormalizeLanguageTag(declared).c_str(),
                Tld(url).c_str(), head.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 4 && std::string(argv[1]) == "measure") return Measure(argv[2], argv[3]);
  if (argc >= 3 && std::string(argv[1]) == "candidates") return Candidates(argv[2]);
  std::cerr << "usage: language_eval measure <shared data dir> <labels.tsv>\n"
               "       language_eval candidates <trafilatura-eval dir>\n";
  return 2;
}
