// Topics: the blend of keyword evidence with the model, and the topic slots (the keyword
// matches are part of the scan, in tagger.cc).
#include <algorithm>
#include <cmath>

#include "processors/tag/tagger_impl.h"
#include "processors/tag/topic_model.h"

namespace newsflow::tag::internal {

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
  const bool blend = blend_iptc_ && !calibrated_;
  const float w = static_cast<float>(options_.topic_model_weight);
  auto lexicon_score = [&](int t) {
    const float total = s.topic_total[t];
    return total > 0 ? 1.0f - std::exp(-total / kTopicScale) : 0.0f;
  };
  // The calibrated blend: each top level's probability and lexicon score, by topic index
  // (TaggerOptions).
  thread_local std::vector<float> top_prob;
  thread_local std::vector<float> top_lexicon;
  if (calibrated_) {
    top_prob.resize(topics.size());
    top_lexicon.resize(topics.size());
    const float a = static_cast<float>(options_.topic_calibration_lexicon);
    const float b = static_cast<float>(options_.topic_calibration_model);
    for (int t : top_levels_) top_prob[t] = std::max(0.0f, s.topic_model[t]);
    const float factor = static_cast<float>(options_.topic_model_proxy_factor);
    for (const auto& [t, proxy] : proxies_) {
      // The proxy's own probability, never one raised here (a proxy has a corpus).
      top_prob[t] = std::max(top_prob[t], factor * std::max(0.0f, s.topic_model[proxy]));
    }
    float most = -1e30f;
    for (int t : top_levels_) {
      top_lexicon[t] = lexicon_score(t);
      const float z = a * top_lexicon[t] + b * std::log(top_prob[t] + 1e-3f);
      top_prob[t] = z;
      most = std::max(most, z);
    }
    float sum = 0;
    for (int t : top_levels_) sum += top_prob[t] = std::exp(top_prob[t] - most);
    for (int t : top_levels_) top_prob[t] /= sum;
  }
  struct Candidate {
    float score;
    int topic;
  };
  std::vector<Candidate> candidates;
  Candidate best_below{0.0f, -1};
  for (int t : s.touched_topics) {
    float score;
    if (calibrated_) {
      // A deeper topic: its branch's probability times its share of the branch's evidence
      // (never above its top level's, which holds all of its evidence).
      const int top = topics[t].top;
      if (t == top) {
        score = top_prob[t];
      } else {
        const float branch = top_lexicon[top];
        score = branch > 0 ? top_prob[top] * std::min(1.0f, lexicon_score(t) / branch) : 0.0f;
      }
    } else {
      score = lexicon_score(t);
    }
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
    // the threshold does not push out a strong deeper topic ("election" at 0.6). With the
    // calibrated blend every reported top level is a subject: its probabilities are not
    // inflated as the linear blend's are, and a second subject at 0.1-0.2 is right often
    // enough to report (label recall 0.888 -> 0.913 on full articles, docs/QUALITY.md).
    const float subject_score =
        calibrated_ ? static_cast<float>(options_.min_topic_score) : kSubjectScore;
    thread_local std::vector<Candidate> chosen;
    thread_local std::vector<char> taken;
    chosen.clear();
    taken.assign(candidates.size(), 0);
    for (size_t k = 0; k < candidates.size() && chosen.size() < keep; ++k) {
      if (candidates[k].score < subject_score) break;  // sorted: none further qualifies
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


}  // namespace newsflow::tag::internal
