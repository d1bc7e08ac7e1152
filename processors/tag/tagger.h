// Tagging stage: regions (ISO 3166-1 countries with UN M49 regions) and topics (IPTC Media
// Topics) for a normalized article. Pure library: no Kafka. Data comes from the files
// embedded from data/ (gazetteer.tsv, topic_lexicon.tsv) unless paths are given.
#ifndef NEWSFLOW_PROCESSORS_TAG_TAGGER_H_
#define NEWSFLOW_PROCESSORS_TAG_TAGGER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace newsflow::tag {

struct TaggerOptions {
  // Gazetteer TSV; empty = the embedded data/gazetteer.tsv. Default empty.
  std::string gazetteer_path;
  // Topic lexicon TSV; empty = the embedded data/topic_lexicon.tsv. Default empty.
  std::string topic_lexicon_path;
  // Topics scoring below this are dropped. Default 0.2.
  double min_topic_score = 0.2;
  // At most this many topics per article. Default 5.
  int max_topics = 5;
  // Countries scoring below this are dropped. Default 0.05.
  double min_region_score = 0.05;

  absl::Status Validate() const;
};

struct TagInput {
  std::string title;
  std::vector<std::string> paragraphs;  // body paragraphs, display form (case kept)
  std::string dateline_place;           // e.g. "Paris", "WASHINGTON"; may be empty
  std::string language;                 // ISO 639-1 or "und"
};

struct TopicTag {
  std::string code;  // "medtop:16000000"
  std::string label;
  float score = 0;  // [0, 1]
};

enum class RegionRole { kFocus, kMentioned, kDateline };

struct RegionTag {
  std::string country_code;  // ISO 3166-1 alpha-2
  std::string name;
  std::string region;     // e.g. "Europe"
  std::string subregion;  // e.g. "Eastern Europe"
  float score = 0;        // [0, 1]
  RegionRole role = RegionRole::kMentioned;
  int mentions = 0;
};

struct TagResult {
  std::vector<TopicTag> topics;    // best first
  std::vector<RegionTag> regions;  // best first
};

class Tagger {
 public:
  static absl::StatusOr<std::unique_ptr<Tagger>> Create(const TaggerOptions& options);
  virtual ~Tagger() = default;

  virtual TagResult Tag(const TagInput& input) const = 0;
};

}  // namespace newsflow::tag

#endif  // NEWSFLOW_PROCESSORS_TAG_TAGGER_H_
