// Regions: the dateline, country scores and roles, blocs (the gazetteer matches that feed
// them are part of the scan, in tagger.cc).
#include <algorithm>
#include <cmath>

#include "processors/tag/tagger_impl.h"

namespace newsflow::tag::internal {

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
