// Loaders for the labelled evaluation data in ../shared/data (news_cluster, basil,
// Reuters-21578), turned into RawArticle plus the labels each evaluation needs.
#ifndef NEWSFLOW_EVAL_DATASETS_H_
#define NEWSFLOW_EVAL_DATASETS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "newsflow/v1/article.pb.h"

namespace newsflow::eval {

struct LabelledArticle {
  v1::RawArticle raw;
  std::string event;                // news_cluster / basil event label; empty otherwise
  std::string category;             // news_cluster category
  std::vector<std::string> topics;  // Reuters topics
  std::vector<std::string> places;  // Reuters places
};

// Reads a JSON Lines file with the shared data's field names (id, url, source or
// source_domain, title, body or text, published_at or date_publish, event, category,
// topics, places). Lines without text are kept with an empty body.
absl::StatusOr<std::vector<LabelledArticle>> LoadJsonl(const std::string& path);

}  // namespace newsflow::eval

#endif  // NEWSFLOW_EVAL_DATASETS_H_
