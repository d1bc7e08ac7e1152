#include "eval/tag_eval.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "data/embedded_data.h"
#include "eval/datasets.h"
#include "processors/normalize/normalize.h"

namespace newsflow::eval {
namespace {

// Reuters-21578 PLACES (1987 names) -> today's ISO 3166-1 alpha-2. States that split since
// map to the successor that kept the capital (ussr -> RU, yugoslavia -> RS,
// czechoslovakia -> CZ), the two Germanies and Yemens to their union.
constexpr std::pair<std::string_view, std::string_view> kReutersPlaces[] = {
    {"afghanistan", "AF"}, {"albania", "AL"}, {"algeria", "DZ"}, {"american-samoa", "AS"},
    {"andorra", "AD"}, {"angola", "AO"}, {"anguilla", "AI"}, {"antigua", "AG"},
    {"argentina", "AR"}, {"aruba", "AW"}, {"australia", "AU"}, {"austria", "AT"},
    {"bahamas", "BS"}, {"bahrain", "BH"}, {"bangladesh", "BD"}, {"barbados", "BB"},
    {"belgium", "BE"}, {"belize", "BZ"}, {"benin", "BJ"}, {"bermuda", "BM"}, {"bhutan", "BT"},
    {"bolivia", "BO"}, {"botswana", "BW"}, {"brazil", "BR"}, {"british-virgin-islands", "VG"},
    {"brunei", "BN"}, {"bulgaria", "BG"}, {"burkina-faso", "BF"}, {"burma", "MM"},
    {"burundi", "BI"}, {"cameroon", "CM"}, {"canada", "CA"}, {"cape-verde", "CV"},
    {"cayman-islands", "KY"}, {"central-african-republic", "CF"}, {"chad", "TD"},
    {"chile", "CL"}, {"china", "CN"}, {"colombia", "CO"}, {"congo", "CG"},
    {"costa-rica", "CR"}, {"cuba", "CU"}, {"cyprus", "CY"}, {"czechoslovakia", "CZ"},
    {"denmark", "DK"}, {"djibouti", "DJ"}, {"dominica", "DM"}, {"dominican-republic", "DO"},
    {"east-germany", "DE"}, {"ecuador", "EC"}, {"egypt", "EG"}, {"el-salvador", "SV"},
    {"equatorial-guinea", "GQ"}, {"ethiopia", "ET"}, {"fiji", "FJ"}, {"finland", "FI"},
    {"france", "FR"}, {"french-guiana", "GF"}, {"gabon", "GA"}, {"gambia", "GM"},
    {"ghana", "GH"}, {"gibraltar", "GI"}, {"greece", "GR"}, {"grenada", "GD"},
    {"guadeloupe", "GP"}, {"guam", "GU"}, {"guatemala", "GT"}, {"guinea", "GN"},
    {"guinea-bissau", "GW"}, {"guyana", "GY"}, {"haiti", "HT"}, {"honduras", "HN"},
    {"hong-kong", "HK"}, {"hungary", "HU"}, {"iceland", "IS"}, {"india", "IN"},
    {"indonesia", "ID"}, {"iran", "IR"}, {"iraq", "IQ"}, {"ireland", "IE"}, {"israel", "IL"},
    {"italy", "IT"}, {"ivory-coast", "CI"}, {"jamaica", "JM"}, {"japan", "JP"},
    {"jordan", "JO"}, {"kampuchea", "KH"}, {"kenya", "KE"}, {"kuwait", "KW"}, {"laos", "LA"},
    {"lebanon", "LB"}, {"lesotho", "LS"}, {"liberia", "LR"}, {"libya", "LY"},
    {"liechtenstein", "LI"}, {"luxembourg", "LU"}, {"macao", "MO"}, {"madagascar", "MG"},
    {"malawi", "MW"}, {"malaysia", "MY"}, {"mali", "ML"}, {"malta", "MT"},
    {"martinique", "MQ"}, {"mauritania", "MR"}, {"mauritius", "MU"}, {"mexico", "MX"},
    {"monaco", "MC"}, {"morocco", "MA"}, {"mozambique", "MZ"}, {"namibia", "NA"},
    {"nepal", "NP"}, {"netherlands", "NL"}, {"netherlands-antilles", "CW"},
    {"new-caledonia", "NC"}, {"new-zealand", "NZ"}, {"nicaragua", "NI"}, {"niger", "NE"},
    {"nigeria", "NG"}, {"north-korea", "KP"}, {"norway", "NO"}, {"oman", "OM"},
    {"pakistan", "PK"}, {"panama", "PA"}, {"papua-new-guinea", "PG"}, {"paraguay", "PY"},
    {"peru", "PE"}, {"philippines", "PH"}, {"poland", "PL"}, {"portugal", "PT"},
    {"qatar", "QA"}, {"romania", "RO"}, {"rwanda", "RW"}, {"saudi-arabia", "SA"},
    {"senegal", "SN"}, {"seychelles", "SC"}, {"sierra-leone", "SL"}, {"singapore", "SG"},
    {"somalia", "SO"}, {"south-africa", "ZA"}, {"south-korea", "KR"}, {"spain", "ES"},
    {"sri-lanka", "LK"}, {"sudan", "SD"}, {"suriname", "SR"}, {"swaziland", "SZ"},
    {"sweden", "SE"}, {"switzerland", "CH"}, {"syria", "SY"}, {"taiwan", "TW"},
    {"tanzania", "TZ"}, {"thailand", "TH"}, {"togo", "TG"}, {"tonga", "TO"},
    {"trinidad-tobago", "TT"}, {"tunisia", "TN"}, {"turkey", "TR"}, {"uae", "AE"},
    {"uganda", "UG"}, {"uk", "GB"}, {"uruguay", "UY"}, {"us-virgin-islands", "VI"},
    {"usa", "US"}, {"ussr", "RU"}, {"vanuatu", "VU"}, {"vatican", "VA"}, {"venezuela", "VE"},
    {"vietnam", "VN"}, {"west-germany", "DE"}, {"western-samoa", "WS"},
    {"yemen-arab-republic", "YE"}, {"yemen-demo-republic", "YE"}, {"yugoslavia", "RS"},
    {"zaire", "CD"}, {"zambia", "ZM"}, {"zimbabwe", "ZW"},
};

// news_cluster category -> IPTC top-level topic. "world" has no single code: it is judged
// correct when the top topic is one of kWorldTopics (hard news) and reported separately.
constexpr std::pair<std::string_view, std::string_view> kCategoryTopics[] = {
    {"business", "medtop:04000000"},       // economy, business and finance
    {"technology", "medtop:13000000"},     // science and technology
    {"science", "medtop:13000000"},        // science and technology
    {"sports", "medtop:15000000"},         // sport
    {"entertainment", "medtop:01000000"},  // arts, culture, entertainment and media
};
// Refined mapping (reported beside the one above, never instead of it): a news site's
// "technology" section also covers subjects that the IPTC taxonomy files under another top
// level. Technology is then also correct when the article's most specific predicted topic
// (from the best top level, the best-scoring child at each level) is one of these topics or
// lies below one of them.
constexpr std::string_view kTechnologyElsewhere[] = {
    "medtop:20000225",  // economy > products and services > computing and information technology
    "medtop:20001279",  // economy > economy > macro economics > currency > cryptocurrency
    "medtop:20000086",  // crime, law and justice > crime > cyber crime
    "medtop:20001361",  // conflict, war and peace > cyber warfare
};
constexpr std::string_view kWorldTopics[] = {
    "medtop:02000000",  // crime, law and justice
    "medtop:03000000",  // disaster, accident and emergency incident
    "medtop:11000000",  // politics
    "medtop:14000000",  // society
    "medtop:16000000",  // conflict, war and peace
};

struct Counts {
  int64_t tp = 0;
  int64_t fp = 0;
  int64_t fn = 0;
  double Precision() const { return tp + fp == 0 ? 0 : static_cast<double>(tp) / (tp + fp); }
  double Recall() const { return tp + fn == 0 ? 0 : static_cast<double>(tp) / (tp + fn); }
  double F1() const {
    const double p = Precision(), r = Recall();
    return p + r == 0 ? 0 : 2 * p * r / (p + r);
  }
  void Add(const std::set<std::string>& predicted, const std::set<std::string>& gold) {
    for (const std::string& p : predicted) (gold.count(p) ? tp : fp) += 1;
    for (const std::string& g : gold) fn += predicted.count(g) ? 0 : 1;
  }
};

uint32_t Fnv1a(std::string_view s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) h = (h ^ c) * 16777619u;
  return h;
}

// A Reuters or news_cluster article after the real normalizer, ready for the tagger.
struct Prepared {
  tag::TagInput input;
  const LabelledArticle* article = nullptr;
};

tag::TagInput ToTagInput(const normalize::NormalizedArticle& n) {
  tag::TagInput input;
  input.title = n.title;
  input.paragraphs = n.paragraphs;
  input.dateline_place = n.dateline.place;
  input.language = n.language;
  return input;
}

std::vector<Prepared> Prepare(const std::vector<LabelledArticle>& articles, size_t* failed) {
  normalize::Normalizer normalizer{normalize::NormalizeOptions()};
  std::vector<Prepared> out;
  out.reserve(articles.size());
  for (const LabelledArticle& article : articles) {
    absl::StatusOr<normalize::NormalizedArticle> n = normalizer.Normalize(article.raw);
    if (!n.ok()) {
      ++*failed;
      continue;
    }
    out.push_back({ToTagInput(*n), &article});
  }
  return out;
}

std::string Pct(double x) { return absl::StrFormat("%.3f", x); }

// ----------------------------------------------------------------------------------------
// Regions on Reuters PLACES.

absl::Status RegionSection(const TagEvalOptions& options, const std::vector<Prepared>& docs,
                           std::ostream& out) {
  absl::flat_hash_map<std::string, std::string> place_code;
  for (const auto& [name, code] : kReutersPlaces) place_code[std::string(name)] = std::string(code);
  tag::TaggerOptions tagger_options = options.tagger;
  // Regions do not depend on the topic model; skip it here for speed.
  tagger_options.topic_model = nullptr;
  tagger_options.topic_model_path.clear();
  absl::StatusOr<std::unique_ptr<tag::Tagger>> tagger = tag::Tagger::Create(tagger_options);
  if (!tagger.ok()) return tagger.status();

  // Prediction sets by role: FOCUS; FOCUS + DATELINE (the reported measure); every country.
  enum { kFocus, kFocusDateline, kAll, kSets };
  const char* kSetNames[kSets] = {"FOCUS", "FOCUS + DATELINE (reported)", "all roles"};
  Counts total[kSets];
  std::map<std::string, Counts> per_country;  // for FOCUS + DATELINE
  std::map<std::string, int> unknown_places;
  int64_t evaluated = 0, top1_correct = 0;
  for (const Prepared& doc : docs) {
    if (doc.article->places.empty()) continue;
    std::set<std::string> gold;
    for (const std::string& place : doc.article->places) {
      auto it = place_code.find(place);
      if (it == place_code.end()) {
        ++unknown_places[place];
        continue;
      }
      gold.insert(it->second);
    }
    if (gold.empty()) continue;
    ++evaluated;
    const tag::TagResult result = (*tagger)->Tag(doc.input);
    std::set<std::string> predicted[kSets];
    for (const tag::RegionTag& r : result.regions) {
      predicted[kAll].insert(r.country_code);
      if (r.role == tag::RegionRole::kFocus) predicted[kFocus].insert(r.country_code);
      if (r.role != tag::RegionRole::kMentioned) predicted[kFocusDateline].insert(r.country_code);
    }
    if (!result.regions.empty() && gold.count(result.regions[0].country_code)) ++top1_correct;
    for (int k = 0; k < kSets; ++k) total[k].Add(predicted[k], gold);
    std::set<std::string> codes = gold;
    codes.insert(predicted[kFocusDateline].begin(), predicted[kFocusDateline].end());
    for (const std::string& code : codes) {
      std::set<std::string> p, g;
      if (predicted[kFocusDateline].count(code)) p.insert(code);
      if (gold.count(code)) g.insert(code);
      per_country[code].Add(p, g);
    }
  }
  out << "## Regions: Reuters-21578 PLACES\n\n"
      << "Documents of `reuters21578/train.jsonl` with at least one place (" << evaluated
      << "), through `normalize::Normalizer` then `tag::Tagger`; 1987 names mapped to today's "
         "ISO codes (ussr -> RU, west-germany/east-germany -> DE, yugoslavia -> RS, "
         "czechoslovakia -> CZ). Micro-averaged over (document, country) pairs.\n\n"
      << "| predictions | precision | recall | F1 |\n|---|---|---|---|\n";
  for (int k = 0; k < kSets; ++k) {
    out << "| " << kSetNames[k] << " | " << Pct(total[k].Precision()) << " | "
        << Pct(total[k].Recall()) << " | " << Pct(total[k].F1()) << " |\n";
  }
  out << "\nTop-ranked country is a gold place: " << Pct(static_cast<double>(top1_correct) /
                                                         std::max<int64_t>(1, evaluated))
      << " of documents.\n";
  if (!unknown_places.empty()) {
    out << "\nUnmapped place names (ignored):";
    for (const auto& [name, n] : unknown_places) out << " " << name << " (" << n << ")";
    out << "\n";
  }
  std::vector<std::pair<std::string, Counts>> errors(per_country.begin(), per_country.end());
  std::sort(errors.begin(), errors.end(), [](const auto& a, const auto& b) {
    const int64_t ea = a.second.fp + a.second.fn, eb = b.second.fp + b.second.fn;
    return ea != eb ? ea > eb : a.first < b.first;
  });
  out << "\nCountries with the most errors (FOCUS + DATELINE):\n\n"
      << "| country | gold | false positives | false negatives | precision | recall |\n"
      << "|---|---|---|---|---|---|\n";
  for (size_t k = 0; k < std::min<size_t>(15, errors.size()); ++k) {
    const Counts& c = errors[k].second;
    out << "| " << errors[k].first << " | " << c.tp + c.fn << " | " << c.fp << " | " << c.fn
        << " | " << Pct(c.Precision()) << " | " << Pct(c.Recall()) << " |\n";
  }
  out << "\n";
  return absl::OkStatus();
}

// ----------------------------------------------------------------------------------------
// Topics: a fastText model trained per fold on Reuters TOPICS.

absl::Status TopicSection(const TagEvalOptions& options, const std::vector<Prepared>& all_docs,
                          std::ostream& out) {
  std::vector<const Prepared*> docs;
  std::map<std::string, int64_t> frequency;
  for (const Prepared& doc : all_docs) {
    if (doc.article->topics.empty()) continue;
    docs.push_back(&doc);
    for (const std::string& t : doc.article->topics) ++frequency[t];
  }
  if (docs.empty()) return absl::NotFoundError("no Reuters document has topics");
  std::vector<std::pair<int64_t, std::string>> by_frequency;
  for (const auto& [t, n] : frequency) by_frequency.push_back({-n, t});
  std::sort(by_frequency.begin(), by_frequency.end());
  std::set<std::string> top10;
  for (size_t k = 0; k < std::min<size_t>(10, by_frequency.size()); ++k)
    top10.insert(by_frequency[k].second);

  const std::string dir = options.work_dir.empty()
                              ? std::filesystem::temp_directory_path().string()
                              : options.work_dir;
  std::map<std::string, Counts> per_topic;
  double train_seconds = 0;
  uintmax_t model_bytes = 0;
  for (int fold = 0; fold < options.folds; ++fold) {
    std::vector<tag::TrainingExample> train;
    std::vector<const Prepared*> test;
    for (const Prepared* doc : docs) {
      if (static_cast<int>(Fnv1a(doc->article->raw.id()) % options.folds) == fold) {
        test.push_back(doc);
        continue;
      }
      tag::TrainingExample example;
      example.input = doc->input;
      for (const std::string& t : doc->article->topics)
        example.labels.push_back(absl::StrCat("reuters:", t));
      train.push_back(std::move(example));
    }
    const std::string model_path =
        absl::StrCat(dir, "/newsflow-tag-eval-", ::getpid(), "-fold", fold, ".bin");
    const auto start = std::chrono::steady_clock::now();
    absl::Status trained = tag::TrainTopicModel(train, options.train, model_path);
    if (!trained.ok()) return trained;
    train_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    model_bytes = std::filesystem::file_size(model_path);
    tag::TaggerOptions tagger_options = options.tagger;
    tagger_options.topic_model = nullptr;
    tagger_options.topic_model_path = model_path;
    tagger_options.max_model_topics = tagger_options.topic_model_options.max_labels;
    absl::StatusOr<std::unique_ptr<tag::Tagger>> tagger = tag::Tagger::Create(tagger_options);
    std::remove(model_path.c_str());
    if (!tagger.ok()) return tagger.status();
    for (const Prepared* doc : test) {
      const tag::TagResult result = (*tagger)->Tag(doc->input);
      std::set<std::string> predicted, gold(doc->article->topics.begin(),
                                            doc->article->topics.end());
      for (const tag::TopicTag& t : result.topics) {
        if (t.code.rfind("reuters:", 0) == 0) predicted.insert(t.code.substr(8));
      }
      std::set<std::string> codes = gold;
      codes.insert(predicted.begin(), predicted.end());
      for (const std::string& code : codes) {
        std::set<std::string> p, g;
        if (predicted.count(code)) p.insert(code);
        if (gold.count(code)) g.insert(code);
        per_topic[code].Add(p, g);
      }
    }
  }
  Counts micro10, micro_all;
  double macro_sum = 0, macro10_sum = 0;
  int macro_n = 0, macro10_n = 0;  // macro10: categories with at least 10 documents
  for (const auto& [code, c] : per_topic) {
    micro_all.tp += c.tp, micro_all.fp += c.fp, micro_all.fn += c.fn;
    if (top10.count(code)) micro10.tp += c.tp, micro10.fp += c.fp, micro10.fn += c.fn;
    auto f = frequency.find(code);
    if (f == frequency.end()) continue;
    macro_sum += c.F1(), ++macro_n;
    if (f->second >= 10) macro10_sum += c.F1(), ++macro10_n;
  }
  const tag::TopicModelTrainOptions& t = options.train;
  out << "## Topics: Reuters-21578 TOPICS, " << options.folds << "-fold cross-validation\n\n"
      << "Documents of `reuters21578/train.jsonl` with at least one topic (" << docs.size()
      << ", " << frequency.size() << " categories). Fold = FNV-1a(id) mod " << options.folds
      << "; each fold's model is trained on the other folds only (`tag::TrainTopicModel`: "
      << absl::StrFormat("fastText one-vs-all, epochs %d, lr %.2f, dim %d, word n-grams %d, "
                         "min count %d, buckets %d, %s",
                         t.epochs, t.learning_rate, t.dim, t.word_ngrams, t.min_count,
                         t.buckets, t.quantize ? "quantized" : "not quantized")
      << ") and applied through `tag::Tagger` (labels `reuters:<topic>`; probability >= "
      << options.tagger.topic_model_options.min_probability << ", or the top label when >= "
      << options.tagger.topic_model_options.top_min_probability << ").\n\n"
      << "| measure | precision | recall | F1 |\n|---|---|---|---|\n"
      << "| micro, 10 most frequent (" << absl::StrJoin(top10, ", ") << ") | "
      << Pct(micro10.Precision()) << " | " << Pct(micro10.Recall()) << " | "
      << Pct(micro10.F1()) << " |\n"
      << "| micro, all categories | " << Pct(micro_all.Precision()) << " | "
      << Pct(micro_all.Recall()) << " | " << Pct(micro_all.F1()) << " |\n"
      << "| macro F1, all " << macro_n << " categories | | | "
      << Pct(macro_n ? macro_sum / macro_n : 0) << " |\n"
      << "| macro F1, the " << macro10_n << " categories with >= 10 documents | | | "
      << Pct(macro10_n ? macro10_sum / macro10_n : 0) << " |\n\n";
  out << "Per top-10 category:\n\n| category | documents | precision | recall | F1 |\n"
      << "|---|---|---|---|---|\n";
  for (const auto& [neg, code] : by_frequency) {
    if (!top10.count(code)) continue;
    const Counts& c = per_topic[code];
    out << "| " << code << " | " << -neg << " | " << Pct(c.Precision()) << " | "
        << Pct(c.Recall()) << " | " << Pct(c.F1()) << " |\n";
  }
  out << absl::StrFormat("\nTraining: %.1f s per fold; model file %.2f MB.\n\n",
                         train_seconds / options.folds, model_bytes / 1e6);
  return absl::OkStatus();
}

// ----------------------------------------------------------------------------------------
// IPTC top level on news_cluster categories.

// The most specific predicted topic and its ancestors: from `top`, the best-scoring child at
// each level among `topics` (a result with all depths reported).
std::vector<std::string> PredictedPath(const std::string& top,
                                       const std::vector<tag::TopicTag>& topics,
                                       const absl::flat_hash_map<std::string, std::string>& parent) {
  std::vector<std::string> path = {top};
  for (;;) {
    const tag::TopicTag* best = nullptr;
    for (const tag::TopicTag& t : topics) {
      auto it = parent.find(t.code);
      if (it == parent.end() || it->second != path.back()) continue;
      if (best == nullptr || t.score > best->score) best = &t;
    }
    if (best == nullptr) return path;
    path.push_back(best->code);
  }
}

// The taxonomy's topics from the embedded lexicon: each qcode's top-level ancestor and its
// parent ("-" at the top level).
struct TopicTree {
  absl::flat_hash_map<std::string, std::string> top_of;
  absl::flat_hash_map<std::string, std::string> parent_of;
};
TopicTree TopicTreeOfLexicon() {
  TopicTree tree;
  std::optional<std::string_view> lexicon = data::EmbeddedFile("topic_lexicon.tsv");
  if (!lexicon.has_value()) return tree;
  for (absl::string_view line : absl::StrSplit(absl::string_view(lexicon->data(), lexicon->size()), '\n')) {
    if (line.size() < 2 || line[0] != 'T' || line[1] != '\t') continue;
    std::vector<absl::string_view> f = absl::StrSplit(line, '\t');
    if (f.size() < 5) continue;
    tree.parent_of[std::string(f[1])] = std::string(f[3]);
    tree.top_of[std::string(f[1])] = std::string(f[4]);
  }
  return tree;
}

absl::Status IptcSection(const TagEvalOptions& options, const std::vector<Prepared>& docs,
                         std::ostream& out) {
  absl::StatusOr<std::unique_ptr<tag::Tagger>> tagger = tag::Tagger::Create(options.tagger);
  if (!tagger.ok()) return tagger.status();
  // The same tagger reporting every depth, for the refined mapping's most specific topic (an
  // ancestor always scores at least as high as its descendants, so the top level is the same).
  tag::TaggerOptions deep_options = options.tagger;
  deep_options.max_topic_depth = 100;
  deep_options.max_topics = 100000;
  absl::StatusOr<std::unique_ptr<tag::Tagger>> deep_tagger = tag::Tagger::Create(deep_options);
  if (!deep_tagger.ok()) return deep_tagger.status();
  const TopicTree tree = TopicTreeOfLexicon();
  const absl::flat_hash_map<std::string, std::string>& parent_of = tree.parent_of;
  const std::set<std::string> technology_elsewhere(std::begin(kTechnologyElsewhere),
                                                   std::end(kTechnologyElsewhere));
  std::map<std::string, int> refined_correct;
  int refined_top_mismatch = 0;
  const absl::flat_hash_map<std::string, std::string>& top_of = tree.top_of;
  absl::flat_hash_map<std::string, std::string> expected;
  for (const auto& [category, code] : kCategoryTopics) expected[std::string(category)] = std::string(code);
  std::set<std::string> world;
  for (std::string_view code : kWorldTopics) world.insert(std::string(code));
  std::map<std::string, std::pair<int, int>> by_category;  // correct, total
  std::map<std::string, int> reported;  // the expected top level is among the reported topics
  std::map<std::string, std::map<std::string, int>> confusion;
  std::ostringstream misses;
  // Optional: per-fold IPTC models trained on the other events' articles. Labels: the mapped
  // top level; world articles get all five hard-news top levels (the model learns "hard news"
  // and leaves the choice among them to the lexicon).
  const int folds = options.iptc_folds;
  auto fold_of = [&](const Prepared& doc) {
    return static_cast<int>(Fnv1a(doc.article->event) % static_cast<uint32_t>(folds));
  };
  std::vector<std::unique_ptr<tag::Tagger>> fold_taggers;
  for (int fold = 0; fold < folds; ++fold) {
    std::vector<tag::TrainingExample> train;
    for (const Prepared& doc : docs) {
      if (fold_of(doc) == fold) continue;
      tag::TrainingExample example;
      example.input = doc.input;
      if (doc.article->category == "world") {
        for (const std::string& code : world) example.labels.push_back(code);
      } else if (auto it = expected.find(doc.article->category); it != expected.end()) {
        example.labels.push_back(it->second);
      } else {
        continue;
      }
      train.push_back(std::move(example));
    }
    const std::string dir = options.work_dir.empty()
                                ? std::filesystem::temp_directory_path().string()
                                : options.work_dir;
    const std::string model_path =
        absl::StrCat(dir, "/newsflow-iptc-eval-", ::getpid(), "-fold", fold, ".bin");
    if (absl::Status trained = tag::TrainTopicModel(train, options.train, model_path);
        !trained.ok()) {
      return trained;
    }
    tag::TaggerOptions tagger_options = options.tagger;
    tagger_options.topic_model = nullptr;
    tagger_options.topic_model_path = model_path;
    absl::StatusOr<std::unique_ptr<tag::Tagger>> fold_tagger = tag::Tagger::Create(tagger_options);
    std::remove(model_path.c_str());
    if (!fold_tagger.ok()) return fold_tagger.status();
    fold_taggers.push_back(*std::move(fold_tagger));
  }
  for (const Prepared& doc : docs) {
    const tag::Tagger& doc_tagger = folds > 0 ? *fold_taggers[fold_of(doc)] : **tagger;
    const tag::TagResult result = doc_tagger.Tag(doc.input);
    // The predicted top level: the best-scoring IPTC topic's top-level ancestor.
    std::string predicted = "none";
    float best = -1;
    std::set<std::string> all_tops;
    for (const tag::TopicTag& t : result.topics) {
      auto it = top_of.find(t.code);
      if (it == top_of.end()) continue;
      all_tops.insert(it->second);
      if (t.score > best) best = t.score, predicted = it->second;
    }
    const std::string& category = doc.article->category;
    bool correct, among = false;
    if (category == "world") {
      correct = world.count(predicted) > 0;
      for (const std::string& t : all_tops) among = among || world.count(t) > 0;
    } else {
      auto it = expected.find(category);
      if (it == expected.end()) continue;
      correct = predicted == it->second;
      among = all_tops.count(it->second) > 0;
    }
    // Refined mapping: technology also accepts the IPTC technology topics filed elsewhere.
    bool refined = correct;
    if (folds == 0) {
      const tag::TagResult deep = (*deep_tagger)->Tag(doc.input);
      std::string deep_top = "none";
      float deep_best = -1;
      for (const tag::TopicTag& t : deep.topics) {
        auto it = parent_of.find(t.code);
        if (it != parent_of.end() && it->second == "-" && t.score > deep_best)
          deep_best = t.score, deep_top = t.code;
      }
      if (deep_top != predicted) ++refined_top_mismatch;
      if (category == "technology" && !correct && deep_top != "none") {
        for (const std::string& code : PredictedPath(deep_top, deep.topics, parent_of))
          refined = refined || technology_elsewhere.count(code) > 0;
      }
    }
    refined_correct[category] += refined ? 1 : 0;
    reported[category] += among ? 1 : 0;
    auto& c = by_category[category];
    c.first += correct ? 1 : 0;
    c.second += 1;
    ++confusion[category][predicted];
    if (options.iptc_misses && !correct) {
      misses << "- " << category << " / " << doc.article->event << " -> " << predicted << ": "
             << doc.input.title << (refined ? " (correct under the refined mapping)" : "")
             << " |";
      for (size_t k = 0; k < result.topics.size() && k < 6; ++k)
        misses << " " << result.topics[k].label << absl::StrFormat(" %.2f;", result.topics[k].score);
      misses << "\n";
    }
  }
  int clear_correct = 0, clear_total = 0, all_correct = 0, all_total = 0, clear_among = 0;
  int clear_refined = 0;
  for (const auto& [category, c] : by_category) {
    all_correct += c.first, all_total += c.second;
    if (category != "world") {
      clear_correct += c.first, clear_total += c.second, clear_among += reported[category];
      clear_refined += refined_correct[category];
    }
  }
  auto ratio = [](int a, int b) { return Pct(b ? static_cast<double>(a) / b : 0); };
  out << "## IPTC top level: news_cluster categories\n\n"
      << "`news_cluster/news_cluster.jsonl`, through `normalize::Normalizer` then `tag::Tagger`"
      << (folds > 0 ? absl::StrFormat(
                          " (lexicon + IPTC model trained on news_cluster, %d folds grouped by "
                          "event, model weight %.2f)",
                          folds, options.tagger.topic_model_weight)
          : options.tagger.topic_model_path.empty() ? std::string(" (lexicon only)")
                                                    : std::string(" (lexicon + topic model)"))
      << ". Predicted = top-level ancestor of the best-scoring IPTC topic. business -> "
         "04000000, technology and science -> 13000000, sports -> 15000000, entertainment -> "
         "01000000; world is judged correct when the prediction is one of 02000000 crime, "
         "03000000 disaster, 11000000 politics, 14000000 society, 16000000 conflict.\n\n"
      << "| | correct | articles | accuracy | expected top level among the reported topics |\n"
      << "|---|---|---|---|---|\n"
      << "| **clearly mapped categories** | " << clear_correct << " | " << clear_total << " | **"
      << ratio(clear_correct, clear_total) << "** | " << ratio(clear_among, clear_total)
      << " |\n";
  for (const auto& [category, c] : by_category) {
    out << "| " << category << " | " << c.first << " | " << c.second << " | "
        << ratio(c.first, c.second) << " | " << ratio(reported[category], c.second) << " |\n";
  }
  out << "| all, world judged as above | " << all_correct << " | " << all_total << " | "
      << ratio(all_correct, all_total) << " | |\n\n";
  if (folds == 0) {
    out << "Refined mapping (technology also accepts an article whose most specific predicted "
           "topic is, or lies below, one the IPTC taxonomy files elsewhere: 20000225 computing "
           "and information technology, 20001279 cryptocurrency, 20000086 cyber crime, "
           "20001361 cyber warfare; the other categories unchanged):\n\n"
        << "| | correct, mapping above | correct, refined mapping | articles | accuracy, "
           "refined mapping |\n|---|---|---|---|---|\n"
        << "| **clearly mapped categories** | " << clear_correct << " | " << clear_refined
        << " | " << clear_total << " | **" << ratio(clear_refined, clear_total) << "** |\n"
        << "| technology | " << by_category["technology"].first << " | "
        << refined_correct["technology"] << " | " << by_category["technology"].second << " | "
        << ratio(refined_correct["technology"], by_category["technology"].second) << " |\n\n";
    if (refined_top_mismatch > 0) {
      out << "WARNING: the all-depths tagger's top level differs on " << refined_top_mismatch
          << " articles.\n\n";
    }
  }
  out << "Predicted top level per category:\n\n";
  for (const auto& [category, predicted] : confusion) {
    std::vector<std::pair<int, std::string>> sorted;
    for (const auto& [code, n] : predicted) sorted.push_back({-n, code});
    std::sort(sorted.begin(), sorted.end());
    out << "- " << category << ":";
    for (const auto& [n, code] : sorted) out << " " << code << " " << -n << ";";
    out << "\n";
  }
  out << "\n";
  if (options.iptc_misses) out << "Misses:\n\n" << misses.str() << "\n";
  return absl::OkStatus();
}

// Guards against trading one kind of news for another, on data not used to choose the
// lexicon: Reuters-21578 documents with an economic TOPICS label should come out as economy,
// business and finance; BASIL's articles (US political events, 2010-2019) as hard news.
absl::Status IptcGuardSection(const TagEvalOptions& options, const std::vector<Prepared>& reuters,
                              const std::vector<Prepared>& basil, std::ostream& out) {
  absl::StatusOr<std::unique_ptr<tag::Tagger>> tagger = tag::Tagger::Create(options.tagger);
  if (!tagger.ok()) return tagger.status();
  const absl::flat_hash_map<std::string, std::string> top_of = TopicTreeOfLexicon().top_of;
  std::set<std::string> world;
  for (std::string_view code : kWorldTopics) world.insert(std::string(code));
  auto top_level = [&](const tag::TagResult& result) {
    std::string predicted = "none";
    float best = -1;
    for (const tag::TopicTag& t : result.topics) {
      auto it = top_of.find(t.code);
      if (it != top_of.end() && t.score > best) best = t.score, predicted = it->second;
    }
    return predicted;
  };
  auto ratio = [](int a, int b) { return Pct(b ? static_cast<double>(a) / b : 0); };
  std::ostringstream misses;
  int reuters_total = 0, reuters_economy = 0;
  std::map<std::string, int> reuters_other;
  for (const Prepared& doc : reuters) {
    if (doc.article->topics.empty()) continue;
    const tag::TagResult result = (*tagger)->Tag(doc.input);
    const std::string predicted = top_level(result);
    ++reuters_total;
    if (predicted == "medtop:04000000") {
      ++reuters_economy;
    } else {
      ++reuters_other[predicted];
      if (options.iptc_misses) {
        misses << "- reuters " << absl::StrJoin(doc.article->topics, ",") << " -> " << predicted
               << ": " << doc.input.title << " |";
        for (size_t k = 0; k < result.topics.size() && k < 4; ++k)
          misses << " " << result.topics[k].label
                 << absl::StrFormat(" %.2f;", result.topics[k].score);
        misses << "\n";
      }
    }
  }
  int basil_total = 0, basil_hard = 0;
  std::map<std::string, int> basil_other;
  for (const Prepared& doc : basil) {
    const std::string predicted = top_level((*tagger)->Tag(doc.input));
    ++basil_total;
    if (world.count(predicted)) {
      ++basil_hard;
    } else {
      ++basil_other[predicted];
    }
  }
  auto others = [](const std::map<std::string, int>& m) {
    std::vector<std::pair<int, std::string>> sorted;
    for (const auto& [code, n] : m) sorted.push_back({-n, code});
    std::sort(sorted.begin(), sorted.end());
    std::string s;
    for (size_t i = 0; i < sorted.size() && i < 4; ++i)
      absl::StrAppend(&s, sorted[i].second, " ", -sorted[i].first, "; ");
    return s;
  };
  out << "## IPTC top level: guards on other data\n\n"
      << "| data | expected top level | articles | share | most frequent others |\n"
      << "|---|---|---|---|---|\n"
      << "| Reuters-21578 with a TOPICS label | 04000000 economy, business and finance | "
      << reuters_total << " | " << ratio(reuters_economy, reuters_total) << " | "
      << others(reuters_other) << " |\n"
      << "| BASIL (political events) | hard news (02, 03, 11, 14, 16) | " << basil_total << " | "
      << ratio(basil_hard, basil_total) << " | " << others(basil_other) << " |\n\n";
  if (options.iptc_misses) out << "Reuters misses:\n\n" << misses.str() << "\n";
  return absl::OkStatus();
}

}  // namespace

absl::Status RunTagEval(const TagEvalOptions& options, std::ostream& out) {
  if (options.folds < 2) return absl::InvalidArgumentError("folds must be >= 2");
  out << "# Tagging quality\n\n";
  std::vector<Prepared> reuters_docs;  // for the IPTC guard measures
  absl::StatusOr<std::vector<LabelledArticle>> reuters;  // outlives reuters_docs' pointers
  if (options.regions || options.topics || options.iptc) {
    reuters = LoadJsonl(options.data_dir + "/reuters21578/train.jsonl");
    if (!reuters.ok()) return reuters.status();
    if (options.reuters_limit > 0 && reuters->size() > options.reuters_limit)
      reuters->resize(options.reuters_limit);
    size_t failed = 0;
    const std::vector<Prepared> docs = Prepare(*reuters, &failed);
    if (failed > 0) {
      out << failed << " of " << reuters->size()
          << " Reuters documents are rejected by the normalizer (nearly all have a title and "
             "no body: EMPTY_CONTENT, as in the pipeline) and not counted.\n\n";
    }
    if (options.regions) {
      if (absl::Status s = RegionSection(options, docs, out); !s.ok()) return s;
    }
    if (options.topics) {
      if (absl::Status s = TopicSection(options, docs, out); !s.ok()) return s;
    }
    if (options.iptc) reuters_docs = docs;
  }
  if (options.iptc) {
    absl::StatusOr<std::vector<LabelledArticle>> news =
        LoadJsonl(options.data_dir + "/news_cluster/news_cluster.jsonl");
    if (!news.ok()) return news.status();
    size_t failed = 0;
    const std::vector<Prepared> docs = Prepare(*news, &failed);
    if (failed > 0) out << "(" << failed << " news_cluster articles rejected by the normalizer)\n\n";
    if (absl::Status s = IptcSection(options, docs, out); !s.ok()) return s;
    absl::StatusOr<std::vector<LabelledArticle>> basil =
        LoadJsonl(options.data_dir + "/basil/articles.jsonl");
    if (!basil.ok()) return basil.status();
    failed = 0;
    const std::vector<Prepared> basil_docs = Prepare(*basil, &failed);
    if (absl::Status s = IptcGuardSection(options, reuters_docs, basil_docs, out); !s.ok())
      return s;
  }
  return absl::OkStatus();
}

}  // namespace newsflow::eval
