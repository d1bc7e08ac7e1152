// The tagger's implementation, shared by its three parts: the scan (tagger.cc: tokens,
// the model, the loop that matches phrases), regions (tagger_regions.cc: gazetteer matches,
// datelines, country scores, blocs) and topics (tagger_topics.cc: keyword matches, blending
// with the model, the topic slots). Internal to tag/.
#ifndef NEWSFLOW_PROCESSORS_TAG_TAGGER_IMPL_H_
#define NEWSFLOW_PROCESSORS_TAG_TAGGER_IMPL_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "processors/tag/gazetteer.h"
#include "processors/tag/phrase_table.h"
#include "processors/tag/tagger.h"
#include "processors/tag/text_scan.h"
#include "processors/tag/topic_lexicon.h"

namespace newsflow::tag::internal {

// Position weights: a title mention counts this many first-paragraph mentions.
inline constexpr float kTitleRegionWeight = 3.0f;
// The first country a headline names is usually its subject ("Ukraine's allies ... with
// Russia", "China sanctions US firms"): it gets this much more, half a title mention.
inline constexpr float kTitleLeadBonus = 3.0f;
inline constexpr float kTitleTopicWeight = 2.0f;
// Paragraph p (0-based) weighs 1 / (1 + decay * p), but at least the floor.
inline constexpr float kRegionParagraphDecay = 0.1f;
inline constexpr float kRegionParagraphFloor = 0.4f;
inline constexpr float kTopicParagraphDecay = 0.1f;
inline constexpr float kTopicParagraphFloor = 0.4f;
// The dateline place counts like one first-paragraph mention.
inline constexpr float kDatelineWeight = 1.0f;
// Topic score = 1 - exp(-evidence / kTopicScale).
inline constexpr float kTopicScale = 4.0f;
// A top level scoring at least this is a subject of the article: it gets one of the
// max_topics slots before a deeper topic of another subject does (ScoreTopics).
inline constexpr float kSubjectScore = 0.2f;
// A topic scoring at least this keeps its slot against such a subject.
inline constexpr float kStrongTopicScore = 0.5f;
// Georgia rule: a US state named within this many tokens makes "Georgia" the US state.
inline constexpr size_t kGeorgiaWindow = 40;
// A segment is title case when at least this share of its words (>= 4 letters) is capitalised.
inline constexpr int kTitleCasePercent = 60;

// What the first token of a phrase can start: gazetteer forms, lexicon keywords, words.
struct FirstInfo {
  uint8_t gazetteer_len = 0;  // longest form starting with the token
  uint8_t lexicon_len = 0;    // longest keyword starting with the token
  uint8_t words = 0;          // internal::kWord* bits
};

struct Mention {
  int country = -1;
  uint32_t token = 0;
  float weight = 0;
  bool conditional = false;  // counts only when the country has other evidence
  bool georgia = false;      // usctx form: resolved after the scan
  bool us_local = false;     // "state of Georgia", "Georgia voters"
  bool food = false;         // food form ("Turkey"): conditional in a poultry context
};

// Per-thread working memory, reused across calls (arrays are zeroed via touched lists).
struct Scratch {
  TokenBuffer tokens;
  TokenBuffer dateline;
  std::vector<uint8_t> title_case;  // per segment
  std::vector<Mention> mentions;
  std::vector<int16_t> blocs;  // bloc index per bloc mention
  std::vector<uint32_t> us_admin_tokens;
  int64_t us_qualifier_token = -1;  // a usctx form placing a city: "Athens, Georgia"
  std::vector<float> country_raw;
  std::vector<int> country_mentions;
  std::vector<int> country_text_mentions;
  std::vector<uint8_t> country_supported;
  std::vector<int> touched_countries;
  std::vector<float> topic_own;
  std::vector<float> topic_total;
  std::vector<float> topic_model;
  std::vector<int> touched_topics;
  std::vector<uint8_t> phrase_count;
  std::vector<uint32_t> touched_phrases;

  void Prepare(size_t countries, size_t topics, size_t phrases) {
    tokens.Clear();
    dateline.Clear();
    title_case.clear();
    mentions.clear();
    blocs.clear();
    us_admin_tokens.clear();
    us_qualifier_token = -1;
    if (country_raw.size() < countries) {
      country_raw.resize(countries, 0);
      country_mentions.resize(countries, 0);
      country_text_mentions.resize(countries, 0);
      country_supported.resize(countries, 0);
    }
    if (topic_own.size() < topics) {
      topic_own.resize(topics, 0);
      topic_total.resize(topics, 0);
      topic_model.resize(topics, -1);
    }
    if (phrase_count.size() < phrases) phrase_count.resize(phrases, 0);
  }

  void TouchCountry(int c) {
    if (country_raw[c] == 0 && country_mentions[c] == 0 && !country_supported[c]) {
      touched_countries.push_back(c);
    }
  }
  void TouchTopic(int t) {
    if (topic_own[t] == 0 && topic_total[t] == 0 && topic_model[t] < 0) touched_topics.push_back(t);
  }

  void Reset() {
    for (int c : touched_countries) {
      country_raw[c] = 0;
      country_mentions[c] = 0;
      country_text_mentions[c] = 0;
      country_supported[c] = 0;
    }
    touched_countries.clear();
    for (int t : touched_topics) {
      topic_own[t] = 0;
      topic_total[t] = 0;
      topic_model[t] = -1;
    }
    touched_topics.clear();
    for (uint32_t p : touched_phrases) phrase_count[p] = 0;
    touched_phrases.clear();
  }
};

inline float RegionPositionWeight(uint16_t segment) {
  if (segment == 0) return kTitleRegionWeight;
  return std::max(kRegionParagraphFloor, 1.0f / (1.0f + kRegionParagraphDecay * (segment - 1)));
}

inline float TopicPositionWeight(uint16_t segment) {
  if (segment == 0) return kTitleTopicWeight;
  return std::max(kTopicParagraphFloor, 1.0f / (1.0f + kTopicParagraphDecay * (segment - 1)));
}

// Fills hashes[k] with the combined hash of tokens [i, i + k + 1); returns how many tokens
// (at most max_len) stay within token i's segment.
inline size_t PrefixHashes(const std::vector<Token>& tokens, size_t i, size_t max_len, uint64_t* hashes) {
  const size_t limit =
      std::min({max_len, tokens.size() - i, static_cast<size_t>(kMaxPhraseTokens)});
  hashes[0] = tokens[i].hash;
  size_t n = 1;
  while (n < limit && tokens[i + n].segment == tokens[i].segment) {
    hashes[n] = CombineHash(hashes[n - 1], tokens[i + n].hash);
    ++n;
  }
  return n;
}

class TaggerImpl final : public Tagger {
 public:
  TaggerImpl(TaggerOptions options, Gazetteer gazetteer, TopicLexicon lexicon)
      : options_(std::move(options)),
        gazetteer_(std::move(gazetteer)),
        lexicon_(std::move(lexicon)) {
    first_.reserve(gazetteer_.phrases().first_tokens().size() +
                   lexicon_.phrases().first_tokens().size() + gazetteer_.words().size());
    for (const auto& [hash, len] : gazetteer_.phrases().first_tokens())
      first_[hash].gazetteer_len = len;
    for (const auto& [hash, len] : lexicon_.phrases().first_tokens())
      first_[hash].lexicon_len = len;
    for (const auto& [hash, words] : gazetteer_.words()) first_[hash].words |= words;
    for (const auto& entry : first_) first_filter_.Add(entry.first);
    if (options_.topic_model != nullptr) {
      const std::vector<std::string> labels = options_.topic_model->Labels();
      blend_iptc_ = labels.empty() ||
                    std::any_of(labels.begin(), labels.end(), [&](const std::string& code) {
                      return lexicon_.TopicIndex(code) >= 0;
                    });
    }
    calibrated_ = blend_iptc_ && options_.topic_blend == "calibrated";
    for (size_t t = 0; t < lexicon_.topics().size(); ++t) {
      if (lexicon_.topics()[t].depth == 0) top_levels_.push_back(static_cast<int>(t));
    }
    for (const auto& [code, proxy] : options_.topic_model_proxies) {
      const int t = lexicon_.TopicIndex(code);
      const int q = lexicon_.TopicIndex(proxy);
      if (t >= 0 && q >= 0) {
        proxies_.push_back({lexicon_.topics()[t].top, lexicon_.topics()[q].top});
      }
    }
    // Top levels the lexicon carries alone: their topics are scored without the model.
    lexicon_only_top_.assign(lexicon_.topics().size(), 0);
    for (const std::string& code : options_.lexicon_only_topics) {
      const int t = lexicon_.TopicIndex(code);
      if (t >= 0) lexicon_only_top_[lexicon_.topics()[t].top] = 1;
    }
  }

  TagResult Tag(const TagInput& input) const override;

 private:
  const FirstInfo* First(uint64_t hash) const {
    // Most words of a text start no form or keyword and have no word class (~7% of them
    // pass the filter all the same).
    if (!first_filter_.MayContain(hash)) return nullptr;
    const auto it = first_.find(hash);
    return it == first_.end() ? nullptr : &it->second;
  }
  uint8_t WordsOf(const Token& token) const {
    const FirstInfo* info = First(token.hash);
    return info == nullptr ? 0 : info->words;
  }
  // Number of tokens consumed by a region match starting at token i (0 = none).
  size_t MatchRegion(Scratch& s, size_t i, size_t max_len) const;
  // Number of tokens consumed by a keyword match starting at token i (0 = none).
  size_t MatchTopic(Scratch& s, size_t i, size_t max_len) const;
  bool IsPersonName(const Scratch& s, size_t i, size_t len) const;
  // The country, alias or state form at token j when a comma precedes it and it follows a
  // place ("Paris, Texas"), else nullptr.
  const Form* QualifierAt(const Scratch& s, size_t j) const;
  // A capitalised token that begins a gazetteer form.
  bool StartsPlace(const Token& token) const {
    const FirstInfo* info = First(token.hash);
    return info != nullptr && info->gazetteer_len > 0 && (token.flags & internal::kInitialUpper);
  }
  // The dateline: input.dateline_place (a place or a whole dateline such as "PARIS (AP) —"),
  // else a dateline opening the first paragraph. Sets *skip to the bytes of the first
  // paragraph that belong to the dateline (not counted as a text mention).
  static internal::DatelineParts Dateline(const TagInput& input, size_t* skip);
  int DatelineCountry(Scratch& s, const internal::DatelineParts& dateline) const;
  void ScoreRegions(Scratch& s, int dateline_country, bool usga_anywhere, bool poultry_anywhere,
                    TagResult* result) const;
  void ScoreTopics(Scratch& s, TagResult* result) const;
  void ReportBlocs(const Scratch& s, TagResult* result) const;
  // Appends the model's labels outside the IPTC lexicon, best first.
  void AppendModelLabels(std::vector<TopicTag>* foreign, TagResult* result) const;

  TaggerOptions options_;
  Gazetteer gazetteer_;
  TopicLexicon lexicon_;
  absl::flat_hash_map<uint64_t, FirstInfo> first_;
  HashBitFilter first_filter_;  // of first_'s keys
  bool blend_iptc_ = false;  // the model emits IPTC codes: blend them with the lexicon
  std::vector<uint8_t> lexicon_only_top_;  // by top-level topic index: 1 = never blended
  bool calibrated_ = false;                // TaggerOptions::topic_blend == "calibrated"
  std::vector<int> top_levels_;            // topic indices of the top levels
  std::vector<std::pair<int, int>> proxies_;  // (top level, its proxy), topic indices
};


}  // namespace newsflow::tag::internal

#endif  // NEWSFLOW_PROCESSORS_TAG_TAGGER_IMPL_H_
