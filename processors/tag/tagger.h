// Tagging stage: regions (ISO 3166-1 countries with UN M49 regions) and topics (IPTC Media
// Topics) for a normalized article. Pure library: no Kafka. Data comes from the files
// embedded from data/ (gazetteer.tsv, topic_lexicon.tsv) unless paths are given.
#ifndef NEWSFLOW_PROCESSORS_TAG_TAGGER_H_
#define NEWSFLOW_PROCESSORS_TAG_TAGGER_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace newsflow::tag {

struct TagInput;
struct TopicTag;

// A trained topic model (topic_model.h: fastText, word vectors, any taxonomy). For IPTC codes
// the tagger combines the model's probabilities with the lexicon scores
// (TaggerOptions::topic_blend). Codes outside the IPTC lexicon (e.g. "reuters:earn") are
// reported as they are, after the IPTC topics.
// Implementations must be thread-safe.
class TopicModel {
 public:
  virtual ~TopicModel() = default;
  // Appends (code, probability in [0, 1]) pairs for `input`; labels may be left empty.
  virtual void Predict(const TagInput& input, std::vector<TopicTag>* out) const = 0;
  // A model that reads the words the tagger has already folded (title, then paragraphs
  // without the opening dateline, as internal::Tokenize folds them) returns true; the tagger
  // then calls PredictWords instead of Predict, which saves a second tokenization (a third
  // of the tagging time). Default false.
  virtual bool ReadsFoldedWords() const { return false; }
  // Same output as Predict(input) for the folded words of input. Called while the tagger
  // holds its per-thread scratch, so it must not call a Tagger. Default: nothing.
  virtual void PredictWords(const std::vector<std::string_view>& words,
                            std::vector<TopicTag>* out) const {}
  // PredictWords given also each word's hash (internal::HashFolded, text_scan.h), which the
  // tagger has computed already. Default: PredictWords(words, out).
  virtual void PredictHashedWords(const std::vector<std::string_view>& words,
                                  const std::vector<uint64_t>& hashes,
                                  std::vector<TopicTag>* out) const {
    PredictWords(words, out);
  }
  // Every code the model can emit; empty = unknown. The tagger blends IPTC scores only with
  // a model that knows at least one IPTC topic (or whose labels are unknown), so that e.g. a
  // Reuters model does not dilute the lexicon's IPTC scores. Default empty.
  virtual std::vector<std::string> Labels() const { return {}; }
};

// How a loaded model's probabilities become labels (see LoadTopicModel in topic_model.h).
struct TopicModelOptions {
  // A label outside IPTC (e.g. "reuters:earn") is reported when its probability is at least
  // this. Default 0.5.
  double min_probability = 0.5;
  // IPTC labels, which the tagger blends with the lexicon rather than reports, are passed
  // down to this probability: a second-ranked topic at 0.3 still lifts the lexicon's score
  // (docs/QUALITY.md: top-1 and label recall rise by about a point on unseen corpora).
  // Default 0.1.
  double min_blend_probability = 0.1;
  // The most probable label is emitted even below both thresholds when at least this
  // (nearly every article has a subject); 1 disables. Default 0.15.
  double top_min_probability = 0.15;
  // At most this many labels per article. Default 5.
  int max_labels = 5;
  // The model reads at most this many words (title first), as it was trained
  // (TopicModelTrainOptions::max_words); 0 = all the tagger gives (up to 400). A built-in
  // model sets its own. Default 0.
  int max_words = 0;

  absl::Status Validate() const;
};

struct TaggerOptions {
  // Gazetteer TSV; empty = the embedded data/gazetteer.tsv. Default empty.
  std::string gazetteer_path;
  // Topic lexicon TSV; empty = the embedded data/topic_lexicon.tsv. Default empty.
  std::string topic_lexicon_path;
  // Topics scoring below this are dropped. With the built-in model blended in, a score is
  // roughly the chance that the topic is right, so a second subject at 0.1-0.2 is reported
  // for the consumer to weigh: 0.1 instead of 0.2 raised label recall on unseen corpora by
  // 1-9 points and lowered the calibration error, top-1 unchanged (docs/QUALITY.md).
  // Default 0.1.
  double min_topic_score = 0.1;
  // When no topic reaches min_topic_score, the best one is still reported if it scores at
  // least this: nearly every news item has a subject, and "no topic" should mean that
  // nothing applies (docs/QUALITY.md, no-topic rate). 1 disables. Default 0.05.
  double min_top_topic_score = 0.05;
  // At most this many topics per article. Default 5.
  int max_topics = 5;
  // Countries scoring below this are dropped. Default 0.05.
  double min_region_score = 0.05;
  // At most this many countries per article. Default 10.
  int max_regions = 10;
  // A country besides the top one is FOCUS when its raw score is at least this fraction of
  // the top country's and it has at least focus_min_mentions mentions. Default 0.7.
  double focus_ratio = 0.7;
  // Default 2.
  int focus_min_mentions = 2;
  // Deepest IPTC level reported (0 = the 17 top-level topics only); deeper evidence still
  // counts for the ancestors. Default 2.
  int max_topic_depth = 2;
  // Optional trained topic model blended with the lexicon. Default null (lexicon only).
  std::shared_ptr<const TopicModel> topic_model;
  // A model file made by `newsflow train` (TrainTopicModel), or "builtin:NAME" for a model
  // compiled into the binary (kDefaultTopicModel, topic_model.h, is what the CLI uses), loaded
  // by Create() when topic_model is null. Empty or "none": no model. Default empty.
  std::string topic_model_path;
  // Label thresholds of the model loaded from topic_model_path.
  TopicModelOptions topic_model_options;
  // At most this many model labels outside IPTC (e.g. "reuters:earn") per article, reported
  // after the IPTC topics. Default 3.
  int max_model_topics = 3;
  // With the linear blend (topic_blend below): the weight of topic_model in [0, 1]. With the
  // built-in word-vector model, 0.5 gave the best top-1 on full articles, title + snippet
  // items and sentences from corpora it never saw; 0.3 kept one more guard report of labour
  // and conflict (docs/QUALITY.md, "IPTC top level on unseen corpora"). Default 0.5.
  double topic_model_weight = 0.5;
  // How the model's IPTC probabilities combine with the lexicon's scores:
  //  - "calibrated": the 17 top levels get probabilities that sum to 1,
  //      p(top) = softmax over the top levels of
  //               topic_calibration_lexicon * lexicon score + topic_calibration_model *
  //               ln(model probability + 0.001),
  //    a product of the two experts fitted by log-loss on held-out predictions (data/
  //    iptc_training.py calibrate), and a deeper topic scores its top level's probability
  //    times its share of the branch's lexicon score. The model's top max_labels
  //    probabilities count (min_blend_probability is not applied), the others as 0; on
  //    lexicon_only_topics, which no corpus taught the model, it speaks through
  //    topic_model_proxies. Its scores are probabilities: the calibration error on unseen
  //    corpora fell from 0.09-0.21 to 0.04-0.06 (not on HuffPost headlines) and more second
  //    subjects pass min_topic_score (docs/QUALITY.md);
  //  - "linear": (1 - w) * lexicon + w * model, w = topic_model_weight, with
  //    lexicon_only_topics.
  // Default "calibrated".
  std::string topic_blend = "calibrated";
  // The calibrated blend's weights, fitted for the built-in model and lexicon (data/
  // iptc_training.py calibrate prints them; ctest iptc_calibration_reproducible_test).
  // Defaults 3.98 and 0.73.
  double topic_calibration_lexicon = 3.98;
  double topic_calibration_model = 0.73;
  // With the linear blend: IPTC top levels (and everything below them) where the model counts
  // half its weight: those no training corpus labels (disaster, labour, conflict, weather),
  // where a model trained on section labels knows least and must not drown the lexicon
  // (docs/QUALITY.md, the guard on invented reports). Default those four.
  std::vector<std::string> lexicon_only_topics = {"medtop:03000000", "medtop:09000000",
                                                  "medtop:16000000", "medtop:17000000"};
  // With the calibrated blend: the model's probability of a lexicon-only top level is at
  // least topic_model_proxy_factor times that of the top level whose publisher sections carry
  // such news (its proxy): war news is filed under politics, strikes under business. Without
  // this the model, which all but never says "conflict" (0.001 on the seed article, a war
  // story), drowned the lexicon's evidence there. Pairs of (top level, proxy top level).
  // Default conflict -> politics, disaster -> politics and environment, labour -> economy,
  // weather -> environment.
  std::vector<std::pair<std::string, std::string>> topic_model_proxies = {
      {"medtop:16000000", "medtop:11000000"}, {"medtop:03000000", "medtop:11000000"},
      {"medtop:03000000", "medtop:06000000"}, {"medtop:09000000", "medtop:04000000"},
      {"medtop:17000000", "medtop:06000000"}};
  // Default 0.5: 1 cost 0.5-3.2 points of top-1 on unseen corpora; without proxies the seed
  // article lost conflict.
  double topic_model_proxy_factor = 0.5;

  absl::Status Validate() const;
};

struct TagInput {
  std::string title;
  std::vector<std::string> paragraphs;  // body paragraphs, display form (case kept)
  std::string dateline_place;           // e.g. "Paris", "WASHINGTON"; may be empty
  std::string language;                 // ISO 639-1 or "und"
};

struct TopicTag {
  std::string code;  // "medtop:16000000"; a model label outside IPTC keeps its code ("reuters:earn")
  std::string label;
  float score = 0;  // [0, 1]
};

enum class RegionRole { kFocus, kMentioned, kDateline };

// "FOCUS", "MENTIONED" or "DATELINE" (the newsflow.v1.Region.Role names).
std::string_view RegionRoleName(RegionRole role);

struct RegionTag {
  std::string country_code;  // ISO 3166-1 alpha-2
  std::string name;
  std::string region;     // e.g. "Europe"
  std::string subregion;  // e.g. "Eastern Europe"
  float score = 0;        // [0, 1]
  RegionRole role = RegionRole::kMentioned;
  int mentions = 0;  // text mentions, plus 1 when the dateline names the country
};

// A bloc or international organisation the article names ("NATO", "the EU", "OPEC").
// Not a country: it adds nothing to the countries' scores.
struct BlocTag {
  std::string code;    // "EU", "NATO", "UN", "OPEC", ... (data/region_blocs.tsv)
  std::string name;    // "European Union"
  std::string region;  // UN M49 region when the bloc is regional ("Europe"); empty if worldwide
  int mentions = 0;
};

struct TagResult {
  std::vector<TopicTag> topics;    // IPTC topics best first, then non-IPTC model labels best first
  std::vector<RegionTag> regions;  // best first
  std::vector<BlocTag> blocs;      // most mentioned first (EnrichedArticle.blocs)
};

// Thread-safe: one Tagger may serve many threads.
class Tagger {
 public:
  static absl::StatusOr<std::unique_ptr<Tagger>> Create(const TaggerOptions& options);
  virtual ~Tagger() = default;

  virtual TagResult Tag(const TagInput& input) const = 0;
};

}  // namespace newsflow::tag

#endif  // NEWSFLOW_PROCESSORS_TAG_TAGGER_H_
