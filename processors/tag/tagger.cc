#include "processors/tag/tagger.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "data/embedded_data.h"
#include "processors/tag/gazetteer.h"
#include "processors/tag/phrase_table.h"
#include "processors/tag/text_scan.h"
#include "processors/tag/topic_lexicon.h"
#include "processors/tag/topic_model.h"

namespace newsflow::tag {
namespace {

using internal::CombineHash;
using internal::Form;
using internal::FormKind;
using internal::Gazetteer;
using internal::kMaxPhraseTokens;
using internal::PhraseTable;
using internal::Token;
using internal::TokenBuffer;
using internal::TopicLexicon;

// Position weights: a title mention counts this many first-paragraph mentions.
constexpr float kTitleRegionWeight = 3.0f;
// The first country a headline names is usually its subject ("Ukraine's allies ... with
// Russia", "China sanctions US firms"): it gets this much more, half a title mention.
constexpr float kTitleLeadBonus = 3.0f;
constexpr float kTitleTopicWeight = 2.0f;
// Paragraph p (0-based) weighs 1 / (1 + decay * p), but at least the floor.
constexpr float kRegionParagraphDecay = 0.1f;
constexpr float kRegionParagraphFloor = 0.4f;
constexpr float kTopicParagraphDecay = 0.1f;
constexpr float kTopicParagraphFloor = 0.4f;
// The dateline place counts like one first-paragraph mention.
constexpr float kDatelineWeight = 1.0f;
// Topic score = 1 - exp(-evidence / kTopicScale).
constexpr float kTopicScale = 4.0f;
// A top level scoring at least this is a subject of the article: it gets one of the
// max_topics slots before a deeper topic of another subject does (ScoreTopics).
constexpr float kSubjectScore = 0.2f;
// A topic scoring at least this keeps its slot against such a subject.
constexpr float kStrongTopicScore = 0.5f;
// Georgia rule: a US state named within this many tokens makes "Georgia" the US state.
constexpr size_t kGeorgiaWindow = 40;
// A segment is title case when at least this share of its words (>= 4 letters) is capitalised.
constexpr int kTitleCasePercent = 60;

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

float RegionPositionWeight(uint16_t segment) {
  if (segment == 0) return kTitleRegionWeight;
  return std::max(kRegionParagraphFloor, 1.0f / (1.0f + kRegionParagraphDecay * (segment - 1)));
}

float TopicPositionWeight(uint16_t segment) {
  if (segment == 0) return kTitleTopicWeight;
  return std::max(kTopicParagraphFloor, 1.0f / (1.0f + kTopicParagraphDecay * (segment - 1)));
}

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

class TaggerImpl final : public Tagger {
 public:
  TaggerImpl(TaggerOptions options, Gazetteer gazetteer, TopicLexicon lexicon)
      : options_(std::move(options)),
        gazetteer_(std::move(gazetteer)),
        lexicon_(std::move(lexicon)) {
    for (const auto& [hash, len] : gazetteer_.phrases().first_tokens())
      first_[hash].gazetteer_len = len;
    for (const auto& [hash, len] : lexicon_.phrases().first_tokens())
      first_[hash].lexicon_len = len;
    for (const auto& [hash, words] : gazetteer_.words()) first_[hash].words |= words;
    if (options_.topic_model != nullptr) {
      const std::vector<std::string> labels = options_.topic_model->Labels();
      blend_iptc_ = labels.empty() ||
                    std::any_of(labels.begin(), labels.end(), [&](const std::string& code) {
                      return lexicon_.TopicIndex(code) >= 0;
                    });
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
  bool blend_iptc_ = false;  // the model emits IPTC codes: blend them with the lexicon
  std::vector<uint8_t> lexicon_only_top_;  // by top-level topic index: 1 = never blended
};

// Fills hashes[k] with the combined hash of tokens [i, i + k + 1); returns how many tokens
// (at most max_len) stay within token i's segment.
size_t PrefixHashes(const std::vector<Token>& tokens, size_t i, size_t max_len, uint64_t* hashes) {
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

bool CaseMatches(const Form& form, const std::vector<Token>& tokens, size_t i) {
  for (size_t k = 0; k < form.num_tokens; ++k) {
    const uint8_t flags = tokens[i + k].flags;
    if ((form.upper_mask >> k & 1) && !(flags & internal::kInitialUpper)) return false;
    if ((form.allcaps_mask >> k & 1) && !(flags & internal::kAllUpper)) return false;
  }
  return true;
}

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

internal::DatelineParts TaggerImpl::Dateline(const TagInput& input, size_t* skip) {
  *skip = 0;
  internal::DatelineParts opening;
  if (!input.paragraphs.empty()) opening = internal::ParseDateline(input.paragraphs[0]);
  internal::DatelineParts dateline;
  if (!input.dateline_place.empty()) {
    dateline = internal::ParseDateline(input.dateline_place);
    if (dateline.place.empty()) dateline.place = input.dateline_place;
  } else {
    dateline = opening;
  }
  // The first paragraph still opens with the same dateline: do not count it twice. Shared
  // with the topic model's tokenization (topic_model.cc), so models see the same words.
  if (!input.paragraphs.empty()) {
    *skip = internal::OpeningDatelineSkip(input.paragraphs[0], input.dateline_place);
  }
  return dateline;
}

int TaggerImpl::DatelineCountry(Scratch& s, const internal::DatelineParts& dateline) const {
  if (dateline.place.empty()) return -1;
  internal::Tokenize(dateline.place, 0, &s.dateline);
  internal::Tokenize(dateline.qualifier, 0, &s.dateline);
  // Every form in the dateline counts (any case, dl forms included). A country, alias or
  // state after the first word qualifies the place ("SANTA CRUZ, Calif.", "PARIS, Texas")
  // and wins; otherwise the first match does.
  const std::vector<Token>& tokens = s.dateline.tokens;
  int first = -1;
  for (size_t i = 0; i < tokens.size();) {
    const FirstInfo* info = First(tokens[i].hash);
    size_t used = 0;
    if (info != nullptr && info->gazetteer_len > 0) {
      uint64_t hashes[kMaxPhraseTokens];
      const size_t n = PrefixHashes(tokens, i, info->gazetteer_len, hashes);
      for (size_t len = n; len >= 1 && used == 0; --len) {
        const int64_t index = gazetteer_.phrases().Find(s.dateline, i, len, hashes[len - 1]);
        if (index < 0) continue;
        const Form& form = gazetteer_.form(static_cast<uint32_t>(index));
        if (form.country < 0) continue;
        used = len;
        const bool qualifier = form.kind == FormKind::kName || form.kind == FormKind::kAlias ||
                               form.kind == FormKind::kAdmin;
        if (i > 0 && qualifier) return form.country;
        if (first < 0) first = form.country;
      }
    }
    i += used > 0 ? used : 1;
  }
  return first;
}

void TaggerImpl::ScoreRegions(Scratch& s, int dateline_country, bool usga_anywhere,
                              bool poultry_anywhere, TagResult* result) const {
  // Turkey rule: where the article talks of poultry or holiday meals, "Turkey" at the start
  // of a sentence (or in a title-case title) is as likely the bird, so it needs other
  // evidence of the country (Ankara, Turkish, Turkey mid-sentence, a dateline).
  if (poultry_anywhere) {
    for (Mention& m : s.mentions) m.conditional = m.conditional || m.food;
  }
  // Georgia rule: the US state when US context is near, else the country.
  for (Mention& m : s.mentions) {
    if (!m.georgia) continue;
    bool us = m.us_local || usga_anywhere;
    for (uint32_t t : s.us_admin_tokens) {
      if (t != m.token && (t > m.token ? t - m.token : m.token - t) <= kGeorgiaWindow) us = true;
    }
    if (us && gazetteer_.us() >= 0) m.country = gazetteer_.us();
  }
  if (dateline_country >= 0) {
    s.TouchCountry(dateline_country);
    s.country_raw[dateline_country] += kDatelineWeight;
    s.country_mentions[dateline_country] += 1;
    s.country_supported[dateline_country] = 1;
  }
  for (int pass = 0; pass < 2; ++pass) {
    for (const Mention& m : s.mentions) {
      if (m.conditional != (pass == 1)) continue;
      if (m.conditional && !s.country_supported[m.country]) continue;
      s.TouchCountry(m.country);
      s.country_raw[m.country] += m.weight;
      s.country_mentions[m.country] += 1;
      s.country_text_mentions[m.country] += 1;
      s.country_supported[m.country] = 1;
    }
  }
  // The headline's first country ranks higher, but the bonus does not raise the bar other
  // countries must reach to be FOCUS (that compares text evidence only).
  int lead_country = -1;
  float plain_top = 0;
  for (int c : s.touched_countries) plain_top = std::max(plain_top, s.country_raw[c]);
  for (const Mention& m : s.mentions) {  // in text order
    if (s.tokens.tokens[m.token].segment != 0) break;
    if (m.conditional && !s.country_supported[m.country]) continue;
    lead_country = m.country;
    s.country_raw[m.country] += kTitleLeadBonus;
    break;
  }
  float top = 0;
  int top_country = -1;
  for (int c : s.touched_countries) {
    if (s.country_raw[c] > top || (s.country_raw[c] == top && top_country >= 0 &&
                                   s.country_mentions[c] > s.country_mentions[top_country])) {
      top = s.country_raw[c];
      top_country = c;
    }
  }
  if (top <= 0) return;
  struct Candidate {
    float score;
    int country;
  };
  std::vector<Candidate> candidates;
  for (int c : s.touched_countries) {
    const float score = s.country_raw[c] / top;
    if (s.country_raw[c] > 0 && score >= options_.min_region_score)
      candidates.push_back({std::min(1.0f, score), c});
  }
  const std::vector<internal::Country>& countries = gazetteer_.countries();
  std::sort(candidates.begin(), candidates.end(), [&](const Candidate& a, const Candidate& b) {
    if (a.score != b.score) return a.score > b.score;
    if (s.country_mentions[a.country] != s.country_mentions[b.country]) {
      return s.country_mentions[a.country] > s.country_mentions[b.country];
    }
    return countries[a.country].code < countries[b.country].code;
  });
  const size_t keep = std::min(candidates.size(), static_cast<size_t>(options_.max_regions));
  result->regions.reserve(keep);
  for (size_t k = 0; k < keep; ++k) {
    const int c = candidates[k].country;
    const float raw = s.country_raw[c] - (c == lead_country ? kTitleLeadBonus : 0.0f);
    RegionTag tag;
    const internal::Country& country = countries[c];
    tag.country_code = country.code;
    tag.name = country.name;
    tag.region = country.region;
    tag.subregion = country.subregion;
    tag.score = candidates[k].score;
    tag.mentions = s.country_mentions[c];
    const bool focus = c == top_country || (raw >= options_.focus_ratio * plain_top &&
                                            s.country_mentions[c] >= options_.focus_min_mentions);
    if (s.country_text_mentions[c] == 0) {
      tag.role = RegionRole::kDateline;
    } else if (focus) {
      tag.role = RegionRole::kFocus;
    } else if (c == dateline_country) {
      tag.role = RegionRole::kDateline;
    } else {
      tag.role = RegionRole::kMentioned;
    }
    result->regions.push_back(std::move(tag));
  }
}

void TaggerImpl::ReportBlocs(const Scratch& s, TagResult* result) const {
  if (s.blocs.empty()) return;
  const std::vector<internal::Bloc>& blocs = gazetteer_.blocs();
  std::vector<int> counts(blocs.size(), 0);
  for (int16_t b : s.blocs) ++counts[b];
  for (size_t b = 0; b < blocs.size(); ++b) {
    if (counts[b] == 0) continue;
    const std::string region = blocs[b].region == "-" ? "" : blocs[b].region;
    result->blocs.push_back({blocs[b].code, blocs[b].name, region, counts[b]});
  }
  std::sort(result->blocs.begin(), result->blocs.end(), [](const BlocTag& a, const BlocTag& b) {
    return a.mentions != b.mentions ? a.mentions > b.mentions : a.code < b.code;
  });
}

void TaggerImpl::ScoreTopics(Scratch& s, TagResult* result) const {
  const std::vector<internal::Topic>& topics = lexicon_.topics();
  // Propagate each topic's own evidence to all its ancestors.
  const size_t touched = s.touched_topics.size();
  for (size_t k = 0; k < touched; ++k) {
    const int t = s.touched_topics[k];
    const float own = s.topic_own[t];
    if (own <= 0) continue;
    s.topic_total[t] += own;
    for (int a : topics[t].ancestors) {
      s.TouchTopic(a);
      s.topic_total[a] += own;
    }
  }
  const bool blend = blend_iptc_;
  const float w = static_cast<float>(options_.topic_model_weight);
  struct Candidate {
    float score;
    int topic;
  };
  std::vector<Candidate> candidates;
  Candidate best_below{0.0f, -1};
  for (int t : s.touched_topics) {
    const float total = s.topic_total[t];
    float score = total > 0 ? 1.0f - std::exp(-total / kTopicScale) : 0.0f;
    if (blend) {
      const float wt = lexicon_only_top_[topics[t].top] ? w * 0.5f : w;
      // A model of top levels says nothing of a deeper topic itself: the deeper topic takes
      // the model's belief in its branch, so government rises and falls with politics.
      const float model =
          s.topic_model[t] >= 0 ? s.topic_model[t] : std::max(0.0f, s.topic_model[topics[t].top]);
      score = (1 - wt) * score + wt * model;
    }
    if (topics[t].depth > options_.max_topic_depth) continue;
    if (score < options_.min_topic_score) {
      // Ties go to the broader topic, as in the ranking below.
      if (score > best_below.score ||
          (score == best_below.score && best_below.topic >= 0 &&
           topics[t].depth < topics[best_below.topic].depth)) {
        best_below = {score, t};
      }
      continue;
    }
    candidates.push_back({std::min(1.0f, score), t});
  }
  if (candidates.empty() && best_below.topic >= 0 &&
      best_below.score >= options_.min_top_topic_score) {
    candidates.push_back(best_below);
  }
  // The ranking: score, then the broader topic, then the code.
  auto ranks_before = [&](const Candidate& a, const Candidate& b) {
    if (a.score != b.score) return a.score > b.score;
    if (topics[a.topic].depth != topics[b.topic].depth)
      return topics[a.topic].depth < topics[b.topic].depth;
    return topics[a.topic].code < topics[b.topic].code;
  };
  std::sort(candidates.begin(), candidates.end(), ranks_before);
  const size_t keep = std::min(candidates.size(), static_cast<size_t>(options_.max_topics));
  if (keep < candidates.size()) {
    // Each clear subject first: the best topic of every top level scoring at least
    // kSubjectScore, and any topic scoring kStrongTopicScore, best first; then the rest by
    // score. Without this the first subject's weaker deeper topics filled every slot and a
    // second subject went unreported (docs/QUALITY.md, label recall); a subject barely past
    // the threshold does not push out a strong deeper topic ("election" at 0.6).
    thread_local std::vector<Candidate> chosen;
    thread_local std::vector<char> taken;
    chosen.clear();
    taken.assign(candidates.size(), 0);
    for (size_t k = 0; k < candidates.size() && chosen.size() < keep; ++k) {
      if (candidates[k].score < kSubjectScore) break;  // sorted: none further qualifies
      const int top = topics[candidates[k].topic].top;
      bool first_of_top = true;
      for (const Candidate& c : chosen) first_of_top &= topics[c.topic].top != top;
      if (first_of_top || candidates[k].score >= kStrongTopicScore) {
        chosen.push_back(candidates[k]);
        taken[k] = 1;
      }
    }
    for (size_t k = 0; k < candidates.size() && chosen.size() < keep; ++k) {
      if (!taken[k]) chosen.push_back(candidates[k]);
    }
    std::sort(chosen.begin(), chosen.end(), ranks_before);  // back to the ranking's order
    candidates.assign(chosen.begin(), chosen.end());
  }
  result->topics.reserve(keep);
  for (size_t k = 0; k < keep; ++k) {
    const internal::Topic& topic = topics[candidates[k].topic];
    result->topics.push_back({topic.code, topic.label, candidates[k].score});
  }
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

void TaggerImpl::AppendModelLabels(std::vector<TopicTag>* foreign, TagResult* result) const {
  std::sort(foreign->begin(), foreign->end(), [](const TopicTag& a, const TopicTag& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.code < b.code;
  });
  const size_t keep = std::min(foreign->size(), static_cast<size_t>(options_.max_model_topics));
  for (size_t k = 0; k < keep; ++k) {
    TopicTag& tag = (*foreign)[k];
    tag.score = std::clamp(tag.score, 0.0f, 1.0f);
    result->topics.push_back(std::move(tag));
  }
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
  absl::StatusOr<Gazetteer> gazetteer = Gazetteer::Parse(*gazetteer_text);
  if (!gazetteer.ok()) return gazetteer.status();
  absl::StatusOr<std::string> lexicon_text =
      LoadData(options.topic_lexicon_path, "topic_lexicon.tsv");
  if (!lexicon_text.ok()) return lexicon_text.status();
  absl::StatusOr<TopicLexicon> lexicon = TopicLexicon::Parse(*lexicon_text);
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
      new TaggerImpl(std::move(resolved), *std::move(gazetteer), *std::move(lexicon)));
}

}  // namespace newsflow::tag
