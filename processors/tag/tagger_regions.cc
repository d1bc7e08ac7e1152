// Regions: gazetteer matches in the scan, the dateline, country scores and roles, blocs.
#include <algorithm>
#include <cmath>

#include "processors/tag/tagger_impl.h"

namespace newsflow::tag::internal {
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


}  // namespace newsflow::tag::internal
