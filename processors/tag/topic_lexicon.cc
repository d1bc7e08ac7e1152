#include "processors/tag/topic_lexicon.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "processors/tag/tsv_util.h"

namespace newsflow::tag::internal {

int TopicLexicon::TopicIndex(std::string_view code) const {
  // absl's own string_view: a heterogeneous lookup, no temporary string.
  const auto it = topic_index_.find(absl::string_view(code.data(), code.size()));
  return it == topic_index_.end() ? -1 : it->second;
}

absl::StatusOr<TopicLexicon> TopicLexicon::Parse(std::string_view tsv) {
  TopicLexicon lex;
  struct TopicRow {
    std::string parent;
    std::string top;
  };
  std::vector<TopicRow> rows;
  // Folded phrase -> slot in `phrases` (rows of one phrase need not be adjacent).
  absl::flat_hash_map<std::string, int> phrase_slot;
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, float>>>> phrases;
  absl::Status error;
  const size_t lines = CountLines(tsv);
  phrase_slot.reserve(lines);
  phrases.reserve(lines);
  std::vector<std::string_view> cols;
  ForEachLine(tsv, [&](int line_number, std::string_view line) -> bool {
    if (line.empty() || line[0] == '#') return true;
    SplitInto(line, '\t', &cols);
    auto bad = [&](std::string_view why) {
      error = absl::InvalidArgumentError("topic lexicon line " + std::to_string(line_number) +
                                         ": " + std::string(why));
      return false;
    };
    if (cols[0] == "T") {
      int depth = 0;
      if (cols.size() != 6 || cols[1].empty() || !ParseNumber(cols[5], &depth)) {
        return bad("T row needs qcode, label, parent, top, depth");
      }
      Topic topic;
      topic.code = std::string(cols[1]);
      topic.label = std::string(cols[2]);
      topic.depth = depth;
      if (!lex.topic_index_.emplace(topic.code, static_cast<int>(lex.topics_.size())).second) {
        return bad("duplicate topic");
      }
      lex.topics_.push_back(std::move(topic));
      rows.push_back({std::string(cols[3]), std::string(cols[4])});
    } else if (cols[0] == "K") {
      double weight = 0;
      if (cols.size() != 4 || cols[1].empty() || !ParseNumber(cols[3], &weight) || weight < 0) {
        return bad("K row needs phrase, qcode, weight");
      }
      // Key by the tokenized form, so "cease-fire" and "cease fire" share one entry.
      std::string folded = FoldPhrase(cols[1]);
      auto [it, inserted] = phrase_slot.emplace(folded, static_cast<int>(phrases.size()));
      if (inserted) phrases.push_back({std::move(folded), {}});
      phrases[it->second].second.push_back({std::string(cols[2]), static_cast<float>(weight)});
    } else {
      return bad("unknown row type '" + std::string(cols[0]) + "'");
    }
    return true;
  });
  if (!error.ok()) return error;
  if (lex.topics_.empty()) return absl::InvalidArgumentError("topic lexicon has no topics");
  for (size_t i = 0; i < lex.topics_.size(); ++i) {
    Topic& topic = lex.topics_[i];
    topic.parent = rows[i].parent == "-" ? -1 : lex.TopicIndex(rows[i].parent);
    topic.top = lex.TopicIndex(rows[i].top);
    if ((rows[i].parent != "-" && topic.parent < 0) || topic.top < 0) {
      return absl::InvalidArgumentError("topic lexicon: " + topic.code +
                                        " has an unknown parent or top");
    }
  }
  for (Topic& topic : lex.topics_) {
    for (int p = topic.parent; p >= 0 && topic.ancestors.size() < 16; p = lex.topics_[p].parent) {
      topic.ancestors.push_back(p);
    }
  }
  TokenBuffer buffer;
  lex.phrases_.Reserve(phrases.size());
  for (const auto& [phrase, targets] : phrases) {
    buffer.Clear();
    Tokenize(phrase, 0, &buffer);
    const uint32_t index = static_cast<uint32_t>(lex.target_begin_.size() - 1);
    if (!lex.phrases_.Add(buffer, 0, buffer.tokens.size(), index)) continue;  // empty/too long/dup
    const size_t begin = lex.targets_.size();
    for (const auto& [code, weight] : targets) {
      const int topic = lex.TopicIndex(code);
      if (topic < 0) return absl::InvalidArgumentError("topic lexicon: unknown qcode " + code);
      // A weight-0 row (a figure of speech: "under fire") keeps the phrase, so its words are
      // not read on their own, and gives it no target: evidence of 0 is no evidence.
      if (weight <= 0) continue;
      bool merged = false;
      for (size_t k = begin; k < lex.targets_.size(); ++k) {
        if (lex.targets_[k].topic == topic) {  // same topic twice: keep the larger weight
          lex.targets_[k].weight = std::max(lex.targets_[k].weight, weight);
          merged = true;
        }
      }
      if (!merged) lex.targets_.push_back({static_cast<uint16_t>(topic), weight});
    }
    lex.target_begin_.push_back(static_cast<uint32_t>(lex.targets_.size()));
  }
  return lex;
}

}  // namespace newsflow::tag::internal
