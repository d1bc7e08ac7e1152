// The tagger: options, loading, and the scan that tokenizes an article, runs the topic model
// and matches gazetteer forms and topic keywords (regions and topics are scored in
// tagger_regions.cc and tagger_topics.cc).
#include "processors/tag/tagger.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "data/embedded_data.h"
#include "processors/tag/tagger_impl.h"
#include "processors/tag/topic_model.h"

namespace newsflow::tag {
namespace internal {

TagResult TaggerImpl::Tag(const TagInput& input) const {
  TagResult result;
  // A model reading the input runs first: it may use a Tagger itself, and the scratch is per
  // thread. A model reading the tagger's words runs after tokenization (PredictWords).
  std::vector<TopicTag> predictions;
  const TopicModel* model = options_.topic_model.get();
  const bool model_reads_words = model != nullptr && model->ReadsFoldedWords();
  if (model != nullptr && !model_reads_words) model->Predict(input, &predictions);
  std::vector<TopicTag> foreign;  // model labels that are not IPTC topics

  thread_local Scratch scratch;
  Scratch& s = scratch;
  s.Prepare(gazetteer_.countries().size(), lexicon_.topics().size(), lexicon_.num_phrases());
  // IPTC predictions go to the scratch (blended in ScoreTopics), other codes aside.
  auto apply_predictions = [&] {
    const TopicModelOptions& thresholds = options_.topic_model_options;
    for (size_t k = 0; k < predictions.size(); ++k) {
      const TopicTag& p = predictions[k];
      const int t = lexicon_.TopicIndex(p.code);
      if (t < 0) {
        // Reported as it is: at min_probability, or the model's first label at its floor.
        if (p.score >= thresholds.min_probability ||
            (k == 0 && p.score >= thresholds.top_min_probability)) {
          foreign.push_back(p);
        }
        continue;
      }
      s.TouchTopic(t);
      s.topic_model[t] = std::max(s.topic_model[t], std::clamp(p.score, 0.0f, 1.0f));
    }
  };
  if (!model_reads_words) apply_predictions();

  size_t dateline_skip = 0;
  const internal::DatelineParts dateline = Dateline(input, &dateline_skip);
  internal::Tokenize(input.title, 0, &s.tokens);
  const size_t num_segments = std::min<size_t>(input.paragraphs.size(), UINT16_MAX - 1) + 1;
  for (size_t p = 0; p + 1 < num_segments; ++p) {
    std::string_view text = input.paragraphs[p];
    if (p == 0) text.remove_prefix(dateline_skip);
    internal::Tokenize(text, static_cast<uint16_t>(p + 1), &s.tokens);
  }
  const std::vector<Token>& tokens = s.tokens.tokens;
  if (model_reads_words) {
    // The model reads the same folded words: title, then paragraphs without the dateline.
    thread_local std::vector<std::string_view> words;
    thread_local std::vector<uint64_t> hashes;
    words.clear();
    hashes.clear();
    const size_t n = std::min(tokens.size(), internal::kModelMaxTokens);
    for (size_t k = 0; k < n; ++k) {
      words.push_back(s.tokens.Folded(tokens[k]));
      hashes.push_back(tokens[k].hash);
    }
    model->PredictHashedWords(words, hashes, &predictions);
    apply_predictions();
  }

  // A title-case (or all-caps) title: capitalisation says little about proper nouns there.
  // Body paragraphs are taken as sentence case.
  s.title_case.assign(num_segments, 0);
  {
    int upper = 0;
    int total = 0;
    for (const Token& t : tokens) {
      if (t.segment != 0) break;
      if (t.fold_len < 4) continue;
      ++total;
      if (t.flags & internal::kInitialUpper) ++upper;
    }
    s.title_case[0] = total >= 2 && upper * 100 >= total * kTitleCasePercent;
  }

  size_t region_next = 0;
  size_t topic_next = 0;
  bool usga_anywhere = false;
  bool poultry_anywhere = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const FirstInfo* info = First(tokens[i].hash);
    if (info == nullptr) continue;
    if (info->words & internal::kWordUsGa) usga_anywhere = true;
    if (info->words & internal::kWordPoultry) poultry_anywhere = true;
    if (info->gazetteer_len > 0 && i >= region_next) {
      const size_t used = MatchRegion(s, i, info->gazetteer_len);
      if (used > 0) region_next = i + used;
    }
    if (info->lexicon_len > 0 && i >= topic_next) {
      const size_t used = MatchTopic(s, i, info->lexicon_len);
      if (used > 0) topic_next = i + used;
    }
  }

  const int dateline_country = DatelineCountry(s, dateline);
  ScoreRegions(s, dateline_country, usga_anywhere, poultry_anywhere, &result);
  ReportBlocs(s, &result);
  ScoreTopics(s, &result);
  s.Reset();
  if (!foreign.empty()) AppendModelLabels(&foreign, &result);
  return result;
}

}  // namespace internal

namespace {

absl::StatusOr<std::string> LoadData(const std::string& path, std::string_view embedded_name) {
  if (path.empty()) {
    const std::optional<std::string_view> data = data::EmbeddedFile(embedded_name);
    if (!data.has_value())
      return absl::NotFoundError(std::string(embedded_name) + " is not embedded");
    return std::string(*data);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot open " + path);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

}  // namespace

std::string_view RegionRoleName(RegionRole role) {
  switch (role) {
    case RegionRole::kFocus:
      return "FOCUS";
    case RegionRole::kMentioned:
      return "MENTIONED";
    case RegionRole::kDateline:
      return "DATELINE";
  }
  return "MENTIONED";
}

absl::Status TaggerOptions::Validate() const {
  if (!(min_top_topic_score >= 0 && min_top_topic_score <= 1)) {
    return absl::InvalidArgumentError("min_top_topic_score must be in [0, 1]");
  }
  if (!(min_topic_score >= 0 && min_topic_score <= 1)) {
    return absl::InvalidArgumentError("min_topic_score must be in [0, 1]");
  }
  if (max_topics < 0) return absl::InvalidArgumentError("max_topics must be >= 0");
  if (!(min_region_score >= 0 && min_region_score <= 1)) {
    return absl::InvalidArgumentError("min_region_score must be in [0, 1]");
  }
  if (max_regions < 0) return absl::InvalidArgumentError("max_regions must be >= 0");
  if (!(focus_ratio > 0 && focus_ratio <= 1))
    return absl::InvalidArgumentError("focus_ratio must be in (0, 1]");
  if (focus_min_mentions < 1) return absl::InvalidArgumentError("focus_min_mentions must be >= 1");
  if (max_topic_depth < 0) return absl::InvalidArgumentError("max_topic_depth must be >= 0");
  if (!(topic_model_weight >= 0 && topic_model_weight <= 1)) {
    return absl::InvalidArgumentError("topic_model_weight must be in [0, 1]");
  }
  if (topic_model != nullptr && !topic_model_path.empty()) {
    return absl::InvalidArgumentError("give topic_model or topic_model_path, not both");
  }
  if (absl::Status status = topic_model_options.Validate(); !status.ok()) return status;
  if (max_model_topics < 0) return absl::InvalidArgumentError("max_model_topics must be >= 0");
  return absl::OkStatus();
}

absl::Status TopicModelOptions::Validate() const {
  if (!(min_probability >= 0 && min_probability <= 1))
    return absl::InvalidArgumentError("topic model min_probability must be in [0, 1]");
  if (!(min_blend_probability >= 0 && min_blend_probability <= 1))
    return absl::InvalidArgumentError("topic model min_blend_probability must be in [0, 1]");
  if (!(top_min_probability >= 0 && top_min_probability <= 1))
    return absl::InvalidArgumentError("topic model top_min_probability must be in [0, 1]");
  if (max_labels < 0) return absl::InvalidArgumentError("topic model max_labels must be >= 0");
  if (max_words < 0) return absl::InvalidArgumentError("topic model max_words must be >= 0");
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Tagger>> Tagger::Create(const TaggerOptions& options) {
  if (absl::Status status = options.Validate(); !status.ok()) return status;
  absl::StatusOr<std::string> gazetteer_text = LoadData(options.gazetteer_path, "gazetteer.tsv");
  if (!gazetteer_text.ok()) return gazetteer_text.status();
  absl::StatusOr<internal::Gazetteer> gazetteer = internal::Gazetteer::Parse(*gazetteer_text);
  if (!gazetteer.ok()) return gazetteer.status();
  absl::StatusOr<std::string> lexicon_text =
      LoadData(options.topic_lexicon_path, "topic_lexicon.tsv");
  if (!lexicon_text.ok()) return lexicon_text.status();
  absl::StatusOr<internal::TopicLexicon> lexicon = internal::TopicLexicon::Parse(*lexicon_text);
  if (!lexicon.ok()) return lexicon.status();
  TaggerOptions resolved = options;
  if (options.topic_model_path == "none") resolved.topic_model_path.clear();
  if (!resolved.topic_model_path.empty()) {
    absl::StatusOr<std::unique_ptr<TopicModel>> model =
        LoadTopicModel(options.topic_model_path, options.topic_model_options);
    if (!model.ok()) return model.status();
    resolved.topic_model = std::shared_ptr<const TopicModel>(*std::move(model));
    resolved.topic_model_path.clear();
  }
  return std::unique_ptr<Tagger>(
      new internal::TaggerImpl(std::move(resolved), *std::move(gazetteer), *std::move(lexicon)));
}

}  // namespace newsflow::tag
