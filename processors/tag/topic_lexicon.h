// In-memory IPTC Media Topics taxonomy and keyword lexicon parsed from data/topic_lexicon.tsv.
// Internal to tag/.
#ifndef NEWSFLOW_PROCESSORS_TAG_TOPIC_LEXICON_H_
#define NEWSFLOW_PROCESSORS_TAG_TOPIC_LEXICON_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "processors/tag/phrase_table.h"

namespace newsflow::tag::internal {

struct Topic {
  std::string code;  // "medtop:16000000"
  std::string label;
  int parent = -1;  // index, -1 at top level
  int top = -1;     // index of the top-level ancestor (itself at top level)
  int depth = 0;
  std::vector<int> ancestors;  // parent first, top level last
};

struct KeywordTarget {
  uint16_t topic = 0;
  float weight = 0;
};

class TopicLexicon {
 public:
  // Parses the TSV text (see data/README.md). Errors name the offending line.
  static absl::StatusOr<TopicLexicon> Parse(std::string_view tsv);

  const std::vector<Topic>& topics() const { return topics_; }
  int TopicIndex(std::string_view code) const;
  const PhraseTable& phrases() const { return phrases_; }
  size_t num_phrases() const { return target_begin_.size() - 1; }
  // The topics a phrase is evidence for, each with weight > 0 (none for a weight-0 phrase).
  absl::Span<const KeywordTarget> targets(uint32_t phrase) const {
    return absl::MakeConstSpan(targets_.data() + target_begin_[phrase],
                               target_begin_[phrase + 1] - target_begin_[phrase]);
  }

 private:
  std::vector<Topic> topics_;
  absl::flat_hash_map<std::string, int> topic_index_;
  PhraseTable phrases_;
  std::vector<KeywordTarget> targets_;
  std::vector<uint32_t> target_begin_{0};
};

}  // namespace newsflow::tag::internal

#endif  // NEWSFLOW_PROCESSORS_TAG_TOPIC_LEXICON_H_
