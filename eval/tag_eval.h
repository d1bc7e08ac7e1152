// `newsflow-eval tag`: measures the tagging stage on the shared labelled data: countries on
// Reuters-21578 PLACES, a trained topic model on Reuters-21578 TOPICS (k-fold), and IPTC
// top-level topics on news_cluster categories.
#ifndef NEWSFLOW_EVAL_TAG_EVAL_H_
#define NEWSFLOW_EVAL_TAG_EVAL_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "processors/tag/tagger.h"
#include "processors/tag/topic_model.h"

namespace newsflow::eval {

struct TagEvalOptions {
  // Folder of the shared data (reuters21578/, news_cluster/). Default "../shared/data".
  std::string data_dir = "../shared/data";
  // Tagger settings under evaluation (regions and IPTC topics). A topic_model_path here is
  // used for the news_cluster IPTC measurement only; the Reuters topic folds train their own.
  tag::TaggerOptions tagger;
  // Training settings of the per-fold Reuters topic models.
  tag::TopicModelTrainOptions train;
  // Folds of the Reuters topic cross-validation (fold = FNV-1a(id) mod folds). Default 5.
  int folds = 5;
  // Reuters documents used (0 = all). Default 0.
  size_t reuters_limit = 0;
  // Folder for the per-fold model files (deleted afterwards). Default: the system temp dir.
  std::string work_dir;
  // Sections to run. Default all.
  bool regions = true;
  bool topics = true;
  bool iptc = true;
  // > 0: also train an IPTC top-level model on news_cluster itself, cross-validated with folds
  // grouped by event (fold = FNV-1a(event) mod iptc_folds, so no event is in both training and
  // test), blended with the lexicon (TaggerOptions::topic_model_weight). 0 = lexicon only.
  int iptc_folds = 0;
  // List each news_cluster article whose predicted IPTC top level is wrong (title, scores).
  bool iptc_misses = false;
};

// Writes a Markdown report; returns an error when a data set cannot be read.
absl::Status RunTagEval(const TagEvalOptions& options, std::ostream& out);

}  // namespace newsflow::eval

#endif  // NEWSFLOW_EVAL_TAG_EVAL_H_
