// The tagger: options, loading, and the scan that tokenizes an article, runs the topic model
// and matches gazetteer forms and topic keywords; regions and topics are scored in
// tagger_regions.cc and tagger_topics.cc.
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

// The matchers are in the scan's file so that the compiler can inline them into its loop
// (split into the regions and topics files, tagging was ~9% slower).
namespace {

bool CaseMatches(const Form& form, const std::vector<Token>& tokens, size_t i) {
  for (size_t k = 0; k < form.num_tokens; ++k) {
    const uint8_t flags = tokens[i + k].flags;
    if ((form.upper_mask >> k & 1) && !(flags & internal::kInitialUpper)) return false;
    if ((form.allcaps_mask >> k & 1) && !(flags & internal::kAllUpper)) return false;
  }
  return true;
}

// "the mayor of Nice", "the city of Reading": a capitalised city name after one of these
// nouns and "of" is the place even where the name is also a common word (dl forms).
bool AfterPlaceNoun(const TokenBuffer& buffer, const std::vector<uint8_t>& title_case, size_t i) {
  const std::vector<Token>& tokens = buffer.tokens;
  if (i < 2 || !(tokens[i].flags & internal::kInitialUpper)) return false;
  const uint16_t segment = tokens[i].segment;
  if (title_case[segment] || tokens[i - 2].segment != segment) return false;
  if ((tokens[i].flags | tokens[i - 1].flags) & internal::kPunctBefore) return false;
  if (buffer.Folded(tokens[i - 1]) != "of") return false;
  const std::string_view noun = buffer.Folded(tokens[i - 2]);
  return noun == "mayor" || noun == "city" || noun == "town" || noun == "village" ||
         noun == "port";
}

}  // namespace

bool TaggerImpl::IsPersonName(const Scratch& s, size_t i, size_t len) const {
  const std::vector<Token>& tokens = s.tokens.tokens;
  const uint16_t segment = tokens[i].segment;
  // Preceded by a given name: "Michael Jordan".
  if (i > 0 && tokens[i - 1].segment == segment && !(tokens[i].flags & internal::kPunctBefore) &&
      (tokens[i - 1].flags & internal::kInitialUpper) &&
      (WordsOf(tokens[i - 1]) & internal::kWordGivenName)) {
    return true;
  }
  // Followed by a capitalised surname-like word: "Paris Hilton" (not in title-case text).
  const size_t j = i + len;
  if (s.title_case[segment] || j >= tokens.size() || tokens[j].segment != segment) return false;
  if (tokens[i + len - 1].flags & internal::kPossessive) return false;  // "Jordan's King"
  const Token& next = tokens[j];
  if ((next.flags & internal::kPunctBefore) || !(next.flags & internal::kInitialUpper) ||
      (next.flags & internal::kAllUpper) || next.fold_len < 2) {
    return false;
  }
  const FirstInfo* info = First(next.hash);
  if (info == nullptr) return true;
  if (info->words & internal::kWordNotName) return false;
  // Another place name after it is a place pattern, unless that word is a common surname
  // that is also a town: "Jordan Henderson", "Georgia Jackson".
  return info->gazetteer_len == 0 || (info->words & internal::kWordSurname);
}

const Form* TaggerImpl::QualifierAt(const Scratch& s, size_t j) const {
  const std::vector<Token>& tokens = s.tokens.tokens;
  if (j == 0 || j >= tokens.size() || tokens[j].segment != tokens[j - 1].segment) return nullptr;
  if (!(tokens[j].flags & internal::kCommaBefore) || !(tokens[j].flags & internal::kInitialUpper)) {
    return nullptr;
  }
  const FirstInfo* info = First(tokens[j].hash);
  if (info == nullptr || info->gazetteer_len == 0) return nullptr;
  uint64_t hashes[kMaxPhraseTokens];
  const size_t n = PrefixHashes(tokens, j, info->gazetteer_len, hashes);
  for (size_t len = n; len >= 1; --len) {
    const int64_t index = gazetteer_.phrases().Find(s.tokens, j, len, hashes[len - 1]);
    if (index < 0) continue;
    const Form& form = gazetteer_.form(static_cast<uint32_t>(index));
    const bool qualifies = form.country >= 0 && (form.kind == FormKind::kName ||
                                                 form.kind == FormKind::kAlias ||
                                                 form.kind == FormKind::kAdmin);
    if (!qualifies) return nullptr;
    const size_t k = j + len;
    const bool ends_phrase = k >= tokens.size() || tokens[k].segment != tokens[j].segment ||
                             (tokens[k].flags & internal::kPunctBefore);
    // A country name qualifies a place only where the phrase ends with it ("Tripoli, Lebanon,
    // on Monday"); running on, it starts a clause ("talks in Paris, Japan promised"). So does
    // a dateline-only state abbreviation, which is also a word ("Boston, Mass., said" but "In
    // Rome, Mass was said"). State and province names qualify anywhere ("London, Ontario").
    const bool anywhere =
        form.kind == FormKind::kAdmin && !(form.flags & internal::kFormDatelineOnly);
    if (!anywhere && !ends_phrase) return nullptr;
    // A list goes on after it ("Tokyo, Hong Kong, Moscow", "Paris, Britain and Canada"):
    // the places are listed, not qualified.
    if (k < tokens.size() && tokens[k].segment == tokens[j].segment) {
      if ((tokens[k].flags & internal::kCommaBefore) && StartsPlace(tokens[k])) return nullptr;
      const std::string_view word = s.tokens.Folded(tokens[k]);
      if (!(tokens[k].flags & internal::kPunctBefore) && (word == "and" || word == "or")) {
        return nullptr;
      }
    }
    return &form;
  }
  return nullptr;
}

size_t TaggerImpl::MatchRegion(Scratch& s, size_t i, size_t max_len) const {
  const std::vector<Token>& tokens = s.tokens.tokens;
  uint64_t hashes[kMaxPhraseTokens];
  const size_t n = PrefixHashes(tokens, i, max_len, hashes);
  for (size_t len = n; len >= 1; --len) {
    const int64_t index = gazetteer_.phrases().Find(s.tokens, i, len, hashes[len - 1]);
    if (index < 0) continue;
    const Form& form = gazetteer_.form(static_cast<uint32_t>(index));
    if ((form.flags & internal::kFormDatelineOnly) &&
        !(form.kind == FormKind::kCity && AfterPlaceNoun(s.tokens, s.title_case, i))) {
      continue;
    }
    if ((form.flags & internal::kFormCap) && !CaseMatches(form, tokens, i)) continue;
    if (form.kind == FormKind::kBlock) return len;
    if (form.kind == FormKind::kBloc) {
      s.blocs.push_back(form.bloc);
      return len;
    }
    const uint16_t segment = tokens[i].segment;
    Mention mention;
    mention.country = form.country;
    mention.token = static_cast<uint32_t>(i);
    mention.weight = form.weight * RegionPositionWeight(segment);
    if (form.flags & internal::kFormPersonRule) {
      if (IsPersonName(s, i, len)) return len;
      if (s.title_case[segment]) mention.conditional = true;
    }
    if ((form.flags & internal::kFormCap) && s.title_case[segment]) mention.conditional = true;
    // Mid-sentence the capital tells the country from the bird; at a sentence start it cannot.
    mention.food = (form.flags & internal::kFormFoodSense) &&
                   ((tokens[i].flags & internal::kSentenceStart) || s.title_case[segment]);
    if (form.kind == FormKind::kCity || form.kind == FormKind::kCapital) {
      // "Paris, Texas", "London, Ontario": a country, alias or state after a comma places the
      // city, as it does in a dateline.
      const bool listed = i > 0 && (tokens[i].flags & internal::kCommaBefore) &&
                          tokens[i - 1].segment == segment && StartsPlace(tokens[i - 1]);
      const Form* qualifier = listed ? nullptr : QualifierAt(s, i + len);
      if (qualifier != nullptr && qualifier->country != mention.country) {
        if (qualifier->flags & internal::kFormUsContext) {  // "Athens, Georgia"
          if (gazetteer_.us() >= 0) mention.country = gazetteer_.us();
          s.us_qualifier_token = static_cast<int64_t>(i + len);
        } else {
          mention.country = qualifier->country;
        }
      }
    }
    if (form.flags & internal::kFormUsContext) {
      mention.georgia = true;
      const bool state_of = i >= 2 && s.tokens.Folded(tokens[i - 2]) == "state" &&
                            s.tokens.Folded(tokens[i - 1]) == "of";
      const size_t j = i + len;
      const bool next_us = j < tokens.size() && tokens[j].segment == segment &&
                           !(tokens[j].flags & internal::kPunctBefore) &&
                           (WordsOf(tokens[j]) & internal::kWordUsGaNext);
      mention.us_local = state_of || next_us || s.us_qualifier_token == static_cast<int64_t>(i);
    }
    if (form.kind == FormKind::kAdmin && form.country == gazetteer_.us()) {
      s.us_admin_tokens.push_back(static_cast<uint32_t>(i));
    }
    s.mentions.push_back(mention);
    return len;
  }
  return 0;
}

size_t TaggerImpl::MatchTopic(Scratch& s, size_t i, size_t max_len) const {
  const std::vector<Token>& tokens = s.tokens.tokens;
  uint64_t hashes[kMaxPhraseTokens];
  const size_t n = PrefixHashes(tokens, i, max_len, hashes);
  for (size_t len = n; len >= 1; --len) {
    const int64_t index = lexicon_.phrases().Find(s.tokens, i, len, hashes[len - 1]);
    if (index < 0) continue;
    const uint32_t phrase = static_cast<uint32_t>(index);
    if (s.phrase_count[phrase] == 0) s.touched_phrases.push_back(phrase);
    if (s.phrase_count[phrase] < 255) ++s.phrase_count[phrase];
    // The k-th repeat of a phrase counts 1/k: evidence grows like log(repeats).
    const float weight = TopicPositionWeight(tokens[i].segment) / s.phrase_count[phrase];
    // Every target has weight > 0 (TopicLexicon::Parse drops weight-0 rows): TouchTopic tells a
    // first touch by zero evidence.
    for (const internal::KeywordTarget& target : lexicon_.targets(phrase)) {
      s.TouchTopic(target.topic);
      s.topic_own[target.topic] += target.weight * weight;
    }
    return len;
  }
  return 0;
}

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
  if (topic_blend != "calibrated" && topic_blend != "linear") {
    return absl::InvalidArgumentError("topic_blend must be \"calibrated\" or \"linear\", not \"" +
                                      topic_blend + "\"");
  }
  if (!(topic_calibration_lexicon >= 0 && topic_calibration_lexicon <= 100) ||
      !(topic_calibration_model >= 0 && topic_calibration_model <= 100)) {
    return absl::InvalidArgumentError("topic calibration weights must be in [0, 100]");
  }
  if (!(topic_model_proxy_factor >= 0 && topic_model_proxy_factor <= 1)) {
    return absl::InvalidArgumentError("topic_model_proxy_factor must be in [0, 1]");
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
    // The calibrated blend was fitted on the model's top labels whatever their probability.
    TopicModelOptions model_options = options.topic_model_options;
    if (options.topic_blend == "calibrated") model_options.min_blend_probability = 0;
    absl::StatusOr<std::unique_ptr<TopicModel>> model =
        LoadTopicModel(options.topic_model_path, model_options);
    if (!model.ok()) return model.status();
    resolved.topic_model = std::shared_ptr<const TopicModel>(*std::move(model));
    resolved.topic_model_path.clear();
  }
  return std::unique_ptr<Tagger>(
      new internal::TaggerImpl(std::move(resolved), *std::move(gazetteer), *std::move(lexicon)));
}

}  // namespace newsflow::tag
