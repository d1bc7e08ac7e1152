#include "eval/dedupe_eval.h"

#include <xxhash.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <numeric>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "eval/datasets.h"
#include "processors/normalize/normalize.h"

namespace newsflow::eval {
namespace {

// A document ready for evaluation: its folded text, exact shingle set and labels.
struct Doc {
  std::string id;
  std::string event;
  std::string title;
  std::string matching_text;
  std::string exact_text;  // as the pipeline sets DedupeInput::exact_text
  std::string canonical_url;
  int64_t time_ms = 0;
  std::vector<uint64_t> shingles;  // sorted, unique word 3-shingles (exact, for ground truth)
};

std::vector<uint64_t> ExactShingles(const std::string& text) {
  std::vector<absl::string_view> words = absl::StrSplit(text, ' ', absl::SkipEmpty());
  std::vector<uint64_t> shingles;
  if (words.empty()) return shingles;
  const size_t k = 3;
  const size_t count = words.size() >= k ? words.size() - k + 1 : 1;
  for (size_t i = 0; i < count; ++i) {
    const size_t end = std::min(i + k, words.size());
    const char* begin = words[i].data();
    const char* stop = words[end - 1].data() + words[end - 1].size();
    shingles.push_back(XXH3_64bits(begin, static_cast<size_t>(stop - begin)));
  }
  std::sort(shingles.begin(), shingles.end());
  shingles.erase(std::unique(shingles.begin(), shingles.end()), shingles.end());
  return shingles;
}

size_t Intersection(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  size_t i = 0, j = 0, n = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++n, ++i, ++j;
    }
  }
  return n;
}

// Share of the smaller document's shingles found in the larger.
double Containment(const Doc& a, const Doc& b) {
  if (a.shingles.empty() || b.shingles.empty()) return 0;
  return static_cast<double>(Intersection(a.shingles, b.shingles)) /
         static_cast<double>(std::min(a.shingles.size(), b.shingles.size()));
}

double Jaccard(const Doc& a, const Doc& b) {
  if (a.shingles.empty() || b.shingles.empty()) return 0;
  const double inter = static_cast<double>(Intersection(a.shingles, b.shingles));
  return inter / (static_cast<double>(a.shingles.size() + b.shingles.size()) - inter);
}

Doc ToDoc(const normalize::Normalizer& normalizer, const LabelledArticle& article) {
  Doc doc;
  doc.id = article.raw.id();
  doc.event = article.event;
  doc.title = article.raw.title();
  auto normalized = normalizer.Normalize(article.raw);
  if (normalized.ok()) {
    doc.matching_text = normalized->matching_text;
    if (!article.raw.body().empty()) doc.exact_text = normalize::MatchingForm(article.raw.body());
    doc.canonical_url = normalized->canonical_url;
    doc.time_ms = normalized->published_at_unix_ms;
  }
  doc.shingles = ExactShingles(doc.matching_text);
  return doc;
}

// Runs the deduper over `docs` in the given order; returns each doc's predicted cluster.
std::vector<std::string> PredictClusters(const dedupe::DedupeOptions& options,
                                         const std::vector<Doc>& docs) {
  dedupe::Deduper deduper(options);
  std::vector<std::string> clusters;
  clusters.reserve(docs.size());
  for (const Doc& doc : docs) {
    dedupe::DedupeInput input;
    input.id = doc.id;
    input.canonical_url = doc.canonical_url;
    input.matching_text = doc.matching_text;
    input.exact_text = doc.exact_text;
    input.event_time_ms = doc.time_ms;
    clusters.push_back(deduper.Process(input).cluster_id);
  }
  return clusters;
}

struct PairCounts {
  double true_positive = 0;
  double predicted = 0;
  double actual = 0;
  double precision() const { return predicted == 0 ? 1 : true_positive / predicted; }
  double recall() const { return actual == 0 ? 1 : true_positive / actual; }
  double f1() const {
    const double p = precision(), r = recall();
    return p + r == 0 ? 0 : 2 * p * r / (p + r);
  }
};

double Pairs(double n) { return n * (n - 1) / 2; }

// Pairwise precision/recall of a predicted clustering against a true clustering.
PairCounts ComparePairs(const std::vector<std::string>& predicted,
                        const std::vector<std::string>& truth) {
  std::map<std::string, double> predicted_sizes, truth_sizes;
  std::map<std::pair<std::string, std::string>, double> cells;
  for (size_t i = 0; i < predicted.size(); ++i) {
    ++predicted_sizes[predicted[i]];
    ++truth_sizes[truth[i]];
    ++cells[{predicted[i], truth[i]}];
  }
  PairCounts counts;
  for (const auto& [_, n] : cells) counts.true_positive += Pairs(n);
  for (const auto& [_, n] : predicted_sizes) counts.predicted += Pairs(n);
  for (const auto& [_, n] : truth_sizes) counts.actual += Pairs(n);
  return counts;
}

// Union-find over document indices.
class Clusters {
 public:
  explicit Clusters(size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  size_t Find(size_t i) {
    while (parent_[i] != i) i = parent_[i] = parent_[parent_[i]];
    return i;
  }
  void Join(size_t a, size_t b) { parent_[Find(a)] = Find(b); }
  std::vector<std::string> Labels() {
    std::vector<std::string> labels;
    for (size_t i = 0; i < parent_.size(); ++i) labels.push_back(std::to_string(Find(i)));
    return labels;
  }

 private:
  std::vector<size_t> parent_;
};

std::string Pct(double x) { return absl::StrFormat("%.3f", x); }

absl::StatusOr<std::vector<Doc>> LoadDocs(const normalize::Normalizer& normalizer,
                                          const std::string& path, size_t limit = 0) {
  auto articles = LoadJsonl(path);
  if (!articles.ok()) return articles.status();
  std::vector<Doc> docs;
  for (const LabelledArticle& article : *articles) {
    if (limit > 0 && docs.size() >= limit) break;
    Doc doc = ToDoc(normalizer, article);
    // Articles the normalizer rejects (no body) go to the dead-letter topic, not to dedup.
    if (doc.matching_text.empty()) continue;
    docs.push_back(std::move(doc));
  }
  // Stream order: publication time, then id (the order a live feed would deliver them).
  std::stable_sort(docs.begin(), docs.end(), [](const Doc& a, const Doc& b) {
    return a.time_ms != b.time_ms ? a.time_ms < b.time_ms : a.id < b.id;
  });
  return docs;
}

// Same-event corpora: syndicated copies (high shingle overlap) must be merged,
// independent write-ups (low overlap) must not.
void EventCorpus(const std::string& name, const std::vector<Doc>& docs,
                 const std::vector<std::string>& predicted, int64_t window_ms, bool list_misses,
                 std::ostream& out) {
  size_t copies = 0, copies_found = 0, independent = 0, independent_merged = 0;
  // Copies published within the dedup window of each other: the only ones the index can
  // still hold when the second arrives.
  size_t copies_in_window = 0, copies_in_window_found = 0;
  size_t predicted_pairs = 0, predicted_pairs_copies = 0;
  std::vector<std::string> examples;
  for (size_t a = 0; a < docs.size(); ++a) {
    for (size_t b = a + 1; b < docs.size(); ++b) {
      const bool merged = predicted[a] == predicted[b];
      const double containment = Containment(docs[a], docs[b]);
      if (merged) {
        ++predicted_pairs;
        if (containment >= 0.5) {
          ++predicted_pairs_copies;
        } else if (list_misses) {
          examples.push_back(absl::StrFormat("merged, not a copy: %s~%s (%s / %s, containment %.2f, Jaccard %.2f)",
                                             docs[a].id, docs[b].id, docs[a].event, docs[b].event,
                                             containment, Jaccard(docs[a], docs[b])));
        }
      }
      if (docs[a].event.empty() || docs[a].event != docs[b].event) continue;
      if (containment >= 0.5) {
        ++copies;
        if (merged) ++copies_found;
        const bool in_window = std::llabs(docs[a].time_ms - docs[b].time_ms) <= window_ms;
        if (in_window) {
          ++copies_in_window;
          if (merged) ++copies_in_window_found;
        }
        if (!merged && (list_misses || (!in_window && examples.size() < 3))) {
          examples.push_back(absl::StrFormat(
              "missed%s: %s~%s (containment %.2f, Jaccard %.2f, %zu / %zu shingles, %.1f days apart)",
              in_window ? "" : " (outside the window)", docs[a].id, docs[b].id, containment,
              Jaccard(docs[a], docs[b]), docs[a].shingles.size(), docs[b].shingles.size(),
              std::llabs(docs[a].time_ms - docs[b].time_ms) / 86400000.0));
        }
      } else if (containment < 0.2) {
        ++independent;
        if (merged) ++independent_merged;
      }
    }
  }
  out << absl::StrFormat(
      "| %s | %zu | %zu | %s | %zu | %s | %zu | %zu (%s) | %s |\n", name, docs.size(), copies,
      copies == 0 ? "-" : Pct(static_cast<double>(copies_found) / copies), copies_in_window,
      copies_in_window == 0 ? "-" : Pct(static_cast<double>(copies_in_window_found) / copies_in_window),
      independent,
      independent_merged, independent == 0 ? "-" : Pct(static_cast<double>(independent_merged) / independent),
      predicted_pairs == 0 ? "-" : Pct(static_cast<double>(predicted_pairs_copies) / predicted_pairs));
  for (const std::string& example : examples) out << "<!-- " << example << " -->\n";
}

// Reuters: re-sent and corrected stories. Truth: pairs whose exact word-3-shingle
// Jaccard >= 0.8 (near-identical bodies), found with an inverted index.
void ReutersCorpus(const std::vector<Doc>& docs, const std::vector<std::string>& predicted,
                   bool list_misses, std::ostream& out) {
  absl::flat_hash_map<uint64_t, std::vector<uint32_t>> postings;
  for (uint32_t i = 0; i < docs.size(); ++i) {
    for (uint64_t s : docs[i].shingles) postings[s].push_back(i);
  }
  absl::flat_hash_map<uint64_t, uint32_t> shared;
  for (const auto& [_, list] : postings) {
    if (list.size() > 200) continue;  // boilerplate shingles say nothing about copying
    for (size_t x = 0; x < list.size(); ++x) {
      for (size_t y = x + 1; y < list.size(); ++y) {
        ++shared[(static_cast<uint64_t>(list[x]) << 32) | list[y]];
      }
    }
  }
  Clusters truth(docs.size());
  size_t truth_pairs_direct = 0;
  for (const auto& [key, count] : shared) {
    const uint32_t a = static_cast<uint32_t>(key >> 32), b = static_cast<uint32_t>(key);
    if (count < 3) continue;
    if (Jaccard(docs[a], docs[b]) >= 0.8) {
      truth.Join(a, b);
      ++truth_pairs_direct;
    }
  }
  const std::vector<std::string> truth_labels = truth.Labels();
  PairCounts pairs = ComparePairs(predicted, truth_labels);
  if (list_misses) {
    // The predicted clusters that hold the most false pairs, with a few of their titles.
    std::map<std::string, std::vector<size_t>> members;
    for (size_t i = 0; i < docs.size(); ++i) members[predicted[i]].push_back(i);
    std::vector<std::pair<double, std::string>> worst;
    for (const auto& [cluster, list] : members) {
      if (list.size() < 2) continue;
      std::map<std::string, double> by_truth;
      for (size_t i : list) ++by_truth[truth_labels[i]];
      double good = 0;
      for (const auto& [_, n] : by_truth) good += Pairs(n);
      if (Pairs(list.size()) > good) worst.emplace_back(Pairs(list.size()) - good, cluster);
    }
    std::sort(worst.rbegin(), worst.rend());
    for (size_t w = 0; w < std::min<size_t>(worst.size(), 15); ++w) {
      const std::vector<size_t>& list = members[worst[w].second];
      std::string titles;
      for (size_t x = 0; x < std::min<size_t>(list.size(), 4); ++x) {
        absl::StrAppend(&titles, x == 0 ? "" : " | ", docs[list[x]].title, " [",
                        docs[list[x]].shingles.size(), "; J with first ",
                        absl::StrFormat("%.2f", Jaccard(docs[list[0]], docs[list[x]])), "]");
      }
      out << absl::StrFormat("<!-- false pairs %.0f in a cluster of %zu: %s -->\n", worst[w].first,
                             list.size(), titles);
    }
  }
  out << absl::StrFormat(
      "| reuters21578 train | %zu | %.0f | %.0f | %s | %s | %s |\n", docs.size(), pairs.actual,
      pairs.predicted, Pct(pairs.precision()), Pct(pairs.recall()), Pct(pairs.f1()));
}

// ---- synthetic syndication edits ------------------------------------------------------

const char* const kBoilerplate[] = {
    "Follow us on social media for the latest news. Subscribe to our newsletter.",
    "Copyright 2026 The Associated Press. All rights reserved. This material may not be "
    "published, broadcast, rewritten or redistributed without permission.",
    "Read more: the top stories of the day, delivered to your inbox every morning. Sign up now.",
    "This story has been corrected to fix the spelling of a name. Reporting by our staff; "
    "editing by the news desk.",
    "Also read | Related coverage and analysis from our correspondents around the world.",
};
const char* const kDatelines[] = {"LONDON (AP) — ", "NEW DELHI: ", "WASHINGTON (Reuters) - ",
                                  "PARIS -- ", "SYDNEY, Jan 6 (AFP) - "};

struct Strength {
  const char* name;
  double trim;        // share of trailing paragraphs cut
  int inserted;       // paragraphs of other articles inserted
  double typo_rate;   // share of words with a typo
  bool spelling;      // British -> US spelling
};
const Strength kStrengths[] = {
    {"light: new headline, dateline, boilerplate", 0.0, 0, 0.0, false},
    {"medium: + trim 25%, 1% typos, US spelling", 0.25, 0, 0.01, true},
    {"heavy: + trim 50%, 1 inserted paragraph, 2% typos", 0.5, 1, 0.02, true},
    {"very heavy: trim 70%, 2 inserted paragraphs, 3% typos", 0.7, 2, 0.03, true},
};

std::vector<std::string> Paragraphs(const std::string& body) {
  std::vector<std::string> paragraphs;
  for (absl::string_view p : absl::StrSplit(body, '\n', absl::SkipWhitespace())) {
    paragraphs.emplace_back(p);
  }
  return paragraphs;
}

std::string Typos(const std::string& text, double rate, std::mt19937& random) {
  if (rate <= 0) return text;
  std::vector<std::string> words = absl::StrSplit(text, ' ');
  std::uniform_real_distribution<double> unit(0, 1);
  for (std::string& word : words) {
    if (word.size() < 4 || unit(random) >= rate) continue;
    const size_t at = 1 + random() % (word.size() - 2);
    if (random() % 2 == 0) {
      std::swap(word[at], word[at + 1]);  // transposition
    } else {
      word.erase(at, 1);  // dropped letter
    }
  }
  return absl::StrJoin(words, " ");
}

std::string UsSpelling(std::string text) {
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"our ", "or "}, {"ise ", "ize "}, {"ised ", "ized "}, {"ising ", "izing "},
           {"tre ", "ter "}, {"ogramme", "ogram"}, {"defence", "defense"}}) {
    size_t pos = 0;
    while ((pos = text.find(from, pos)) != std::string::npos) {
      text.replace(pos, from.size(), to);
      pos += to.size();
    }
  }
  return text;
}

v1::RawArticle Syndicate(const LabelledArticle& base, const Strength& strength,
                         const std::vector<std::string>& foreign_paragraphs, int copy_index,
                         std::mt19937& random) {
  std::vector<std::string> paragraphs = Paragraphs(base.raw.body());
  const size_t keep = std::max<size_t>(
      1, static_cast<size_t>(paragraphs.size() * (1.0 - strength.trim) + 0.5));
  paragraphs.resize(std::min(keep, paragraphs.size()));
  for (int i = 0; i < strength.inserted && !foreign_paragraphs.empty(); ++i) {
    const std::string& inserted = foreign_paragraphs[random() % foreign_paragraphs.size()];
    paragraphs.insert(paragraphs.begin() + std::min<size_t>(paragraphs.size(), 1 + random() % 3),
                      inserted);
  }
  for (std::string& p : paragraphs) {
    p = Typos(p, strength.typo_rate, random);
    if (strength.spelling) p = UsSpelling(p);
  }
  if (!paragraphs.empty()) paragraphs[0] = kDatelines[random() % 5] + paragraphs[0];
  paragraphs.push_back(kBoilerplate[random() % 5]);
  v1::RawArticle copy;
  copy.set_id(absl::StrCat(base.raw.id(), "#copy", copy_index));
  copy.set_title(absl::StrCat("Republished: ", base.raw.title().substr(0, 30), " ..."));
  copy.set_body(absl::StrJoin(paragraphs, "\n\n"));
  copy.set_published_at(base.raw.published_at());
  return copy;
}

void SyntheticCorpus(const normalize::Normalizer& normalizer, const DedupeEvalOptions& options,
                     std::vector<LabelledArticle> bases, std::ostream& out) {
  std::mt19937 random(options.seed);
  // Real articles with enough text to be syndicated (>= 120 words).
  bases.erase(std::remove_if(bases.begin(), bases.end(),
                             [](const LabelledArticle& a) {
                               return std::count(a.raw.body().begin(), a.raw.body().end(), ' ') < 120;
                             }),
              bases.end());
  std::shuffle(bases.begin(), bases.end(), random);
  std::vector<std::string> foreign;
  for (const LabelledArticle& base : bases) {
    for (const std::string& p : Paragraphs(base.raw.body())) {
      if (p.size() > 200) foreign.push_back(p);
    }
  }

  std::vector<Doc> docs;
  std::vector<size_t> base_of;   // index of the base doc (self for bases)
  std::vector<int> strength_of;  // -1 for bases
  for (size_t i = 0; i < bases.size(); ++i) {
    docs.push_back(ToDoc(normalizer, bases[i]));
    docs.back().time_ms = 0;
    base_of.push_back(i);
    strength_of.push_back(-1);
  }
  // Each base gets one copy at every strength, in a shuffled order after all bases.
  std::vector<std::pair<size_t, int>> copies;
  for (size_t i = 0; i < bases.size(); ++i) {
    for (int s = 0; s < 4; ++s) copies.emplace_back(i, s);
  }
  std::shuffle(copies.begin(), copies.end(), random);
  for (const auto& [base, strength] : copies) {
    LabelledArticle copy;
    copy.raw = Syndicate(bases[base], kStrengths[strength], foreign, strength, random);
    docs.push_back(ToDoc(normalizer, copy));
    docs.back().time_ms = 0;
    base_of.push_back(base);
    strength_of.push_back(strength);
  }

  // Truth: each copy with its base; bases that are themselves real copies of each other
  // (the shared data has syndicated articles) are joined too.
  Clusters truth(docs.size());
  for (size_t i = 0; i < docs.size(); ++i) truth.Join(i, base_of[i]);
  for (size_t a = 0; a < bases.size(); ++a) {
    for (size_t b = a + 1; b < bases.size(); ++b) {
      if (Containment(docs[a], docs[b]) >= 0.5) truth.Join(a, b);
    }
  }
  std::vector<std::string> predicted = PredictClusters(options.dedupe, docs);
  PairCounts pairs = ComparePairs(predicted, truth.Labels());

  out << "| edit strength | copies | found (same cluster as original) | recall |\n|---|---|---|---|\n";
  for (int s = 0; s < 4; ++s) {
    size_t total = 0, found = 0;
    for (size_t i = bases.size(); i < docs.size(); ++i) {
      if (strength_of[i] != s) continue;
      ++total;
      if (predicted[i] == predicted[base_of[i]]) ++found;
    }
    out << absl::StrFormat("| %s | %zu | %zu | %s |\n", kStrengths[s].name, total, found,
                           Pct(static_cast<double>(found) / std::max<size_t>(1, total)));
  }
  out << absl::StrFormat(
      "\nOverall pairwise (%zu originals + %zu copies): precision %s, recall %s, F1 %s "
      "(%.0f true pairs, %.0f predicted pairs)\n",
      bases.size(), copies.size(), Pct(pairs.precision()), Pct(pairs.recall()), Pct(pairs.f1()),
      pairs.actual, pairs.predicted);

  // Exact resemblance of the copies, to relate the strengths to published figures.
  out << "\nMean exact word-3-shingle Jaccard / containment of copy vs original: ";
  for (int s = 0; s < 4; ++s) {
    double jaccard = 0, containment = 0;
    size_t n = 0;
    for (size_t i = bases.size(); i < docs.size(); ++i) {
      if (strength_of[i] != s) continue;
      jaccard += Jaccard(docs[i], docs[base_of[i]]);
      containment += Containment(docs[i], docs[base_of[i]]);
      ++n;
    }
    out << absl::StrFormat("%s%.2f / %.2f", s == 0 ? "" : ", ", jaccard / std::max<size_t>(1, n),
                           containment / std::max<size_t>(1, n));
  }
  out << " (light, medium, heavy, very heavy).\n";
}

}  // namespace

absl::Status RunDedupeEval(const DedupeEvalOptions& options, std::ostream& out) {
  if (auto s = options.dedupe.Validate(); !s.ok()) return s;
  normalize::Normalizer normalizer{normalize::NormalizeOptions{}};
  const dedupe::DedupeOptions& d = options.dedupe;
  out << absl::StrFormat(
      "Settings: %d-word shingles, %d MinHash values (%d over the whole text, %d over the lead "
      "of %d shingles) in %d bands; resemblance >= %.2f, or containment >= %.2f (>= %.2f when "
      "the smaller article has >= %d shingles; with resemblance >= %.2f), or lead containment "
      ">= %.2f (with resemblance >= %.2f); containment rules need >= %d shingles.\n\n",
      d.shingle_size, d.num_hashes, d.num_hashes - d.lead_hashes, d.lead_hashes, d.lead_shingles,
      d.bands, d.resemblance_threshold, d.containment_threshold, d.long_containment_threshold,
      d.long_text_shingles, d.min_resemblance_for_containment, d.lead_containment_threshold,
      d.min_resemblance_for_lead, d.min_shingles_for_containment);

  out << "### Same-event corpora\n\n"
      << "| corpus | articles | same-event copy pairs (containment >= 0.5) | recall | "
         "copy pairs published within the window | recall within the window | "
         "same-event independent pairs (containment < 0.2) | merged (rate) | precision of "
         "merged pairs (exact containment >= 0.5) |\n|---|---|---|---|---|---|---|---|---|\n";
  auto news_cluster = LoadDocs(normalizer, options.data_dir + "/news_cluster/news_cluster.jsonl");
  if (!news_cluster.ok()) return news_cluster.status();
  EventCorpus("news_cluster", *news_cluster, PredictClusters(d, *news_cluster), d.window_ms,
              options.list_misses, out);
  auto basil = LoadDocs(normalizer, options.data_dir + "/basil/articles.jsonl");
  if (!basil.ok()) return basil.status();
  EventCorpus("basil", *basil, PredictClusters(d, *basil), d.window_ms, options.list_misses, out);

  out << "\n### Reuters-21578: re-sent and corrected stories\n\n"
      << "Truth: pairs with exact word-3-shingle Jaccard >= 0.8, joined transitively.\n\n"
      << "| corpus | articles | true pairs | predicted pairs | precision | recall | F1 |\n"
         "|---|---|---|---|---|---|---|\n";
  auto reuters = LoadDocs(normalizer, options.data_dir + "/reuters21578/train.jsonl",
                          options.reuters_limit);
  if (!reuters.ok()) return reuters.status();
  ReutersCorpus(*reuters, PredictClusters(d, *reuters), options.list_misses, out);

  out << "\n### Syndication edits of real articles (news_cluster + basil bodies)\n\n";
  auto bases_a = LoadJsonl(options.data_dir + "/news_cluster/news_cluster.jsonl");
  auto bases_b = LoadJsonl(options.data_dir + "/basil/articles.jsonl");
  if (!bases_a.ok()) return bases_a.status();
  if (!bases_b.ok()) return bases_b.status();
  std::vector<LabelledArticle> bases = std::move(*bases_a);
  bases.insert(bases.end(), bases_b->begin(), bases_b->end());
  SyntheticCorpus(normalizer, options, std::move(bases), out);
  return absl::OkStatus();
}

}  // namespace newsflow::eval
