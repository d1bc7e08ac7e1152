// `newsflow-eval dedup`: measures duplicate detection on the shared labelled data
// (news_cluster, basil, Reuters-21578) and on syndication-style edits of real articles.
#ifndef NEWSFLOW_EVAL_DEDUPE_EVAL_H_
#define NEWSFLOW_EVAL_DEDUPE_EVAL_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "processors/dedupe/dedupe.h"

namespace newsflow::eval {

struct DedupeEvalOptions {
  // Folder of the shared data (news_cluster/, basil/, reuters21578/). Default "../shared/data".
  std::string data_dir = "../shared/data";
  // Deduper settings under evaluation.
  dedupe::DedupeOptions dedupe;
  // Seed of the synthetic edits. Default 42.
  unsigned seed = 42;
  // List missed copy pairs and wrongly merged pairs (as HTML comments). Default false.
  bool list_misses = false;
  // Reuters documents used (0 = all). Default 0.
  size_t reuters_limit = 0;
};

// Writes a Markdown report; returns an error when a data set cannot be read.
absl::Status RunDedupeEval(const DedupeEvalOptions& options, std::ostream& out);

}  // namespace newsflow::eval

#endif  // NEWSFLOW_EVAL_DEDUPE_EVAL_H_
