// `newsflow-eval`: quality measurements over the labelled data in ../shared/data.
// Writes Markdown tables (the source of docs/QUALITY.md).
#include <iostream>

#include <CLI/CLI.hpp>

#include "eval/dedupe_eval.h"
#include "eval/tag_eval.h"

int main(int argc, char** argv) {
  CLI::App app{"newsflow-eval - measure newsflow's quality on labelled data (Markdown out)",
               "newsflow-eval"};
  app.require_subcommand(1);
  newsflow::eval::DedupeEvalOptions dedupe;
  CLI::App* dedup = app.add_subcommand(
      "dedup", "Duplicate detection: news_cluster, basil, Reuters-21578 and syndication edits");
  dedup->add_option("--data", dedupe.data_dir, "Shared data folder")->capture_default_str();
  dedup->add_option("--threshold", dedupe.dedupe.resemblance_threshold, "Resemblance threshold")
      ->capture_default_str();
  dedup->add_option("--containment", dedupe.dedupe.containment_threshold, "Containment threshold")
      ->capture_default_str();
  dedup->add_option("--long-containment", dedupe.dedupe.long_containment_threshold,
                    "Containment threshold when the smaller article is long")
      ->capture_default_str();
  dedup->add_option("--long-shingles", dedupe.dedupe.long_text_shingles,
                    "Shingles from which an article is long (0 = never)")
      ->capture_default_str();
  dedup->add_option("--min-resemblance", dedupe.dedupe.min_resemblance_for_containment,
                    "Minimum resemblance for a containment match")
      ->capture_default_str();
  dedup->add_option("--lead-hashes", dedupe.dedupe.lead_hashes,
                    "MinHash values over the lead (0 = none)")
      ->capture_default_str();
  dedup->add_option("--lead-shingles", dedupe.dedupe.lead_shingles, "Shingles in the lead")
      ->capture_default_str();
  dedup->add_option("--lead-containment", dedupe.dedupe.lead_containment_threshold,
                    "Share of an earlier article's lead that makes a trimmed copy")
      ->capture_default_str();
  dedup->add_option("--min-resemblance-lead", dedupe.dedupe.min_resemblance_for_lead,
                    "Minimum resemblance for a lead match")
      ->capture_default_str();
  dedup->add_option("--short-shingles", dedupe.dedupe.short_text_shingles,
                    "Articles with fewer shingles need the short resemblance threshold")
      ->capture_default_str();
  dedup->add_option("--short-threshold", dedupe.dedupe.short_resemblance_threshold,
                    "Resemblance threshold for short articles")
      ->capture_default_str();
  dedup->add_flag("--misses", dedupe.list_misses,
                  "List the missed copy pairs and the wrongly merged pairs of each corpus");
  dedup->add_option("--num-hashes", dedupe.dedupe.num_hashes, "MinHash values")->capture_default_str();
  dedup->add_option("--bands", dedupe.dedupe.bands, "LSH bands")->capture_default_str();
  dedup->add_option("--shingle-size", dedupe.dedupe.shingle_size, "Words per shingle")
      ->capture_default_str();
  dedup->add_option("--max-articles", dedupe.dedupe.max_articles,
                    "Index cap; small caps merge the index often and evict (verdicts across "
                    "merges must not change)")
      ->capture_default_str();
  dedup->add_option("--reuters-limit", dedupe.reuters_limit, "Use only the first N Reuters documents")
      ->capture_default_str();
  dedup->add_option("--seed", dedupe.seed, "Seed of the synthetic edits")->capture_default_str();
  double window_days = static_cast<double>(dedupe.dedupe.window_ms) / 86'400'000.0;
  dedup->add_option("--window-days", window_days,
                    "Dedup window (event time); also what \"within the window\" counts")
      ->capture_default_str();
  int exit_code = 0;
  dedup->callback([&] {
    dedupe.dedupe.window_ms = static_cast<int64_t>(window_days * 86'400'000.0);
    absl::Status status = newsflow::eval::RunDedupeEval(dedupe, std::cout);
    if (!status.ok()) {
      std::cerr << "newsflow-eval dedup: " << status.message() << "\n";
      exit_code = 1;
    }
  });
  // Tagging: regions on Reuters PLACES, Reuters topic models (k-fold), IPTC on news_cluster.
  newsflow::eval::TagEvalOptions tag_options;
  CLI::App* tag = app.add_subcommand(
      "tag", "Tagging: countries (Reuters PLACES), trained topics (Reuters TOPICS, k-fold), "
             "IPTC top level (news_cluster)");
  tag->add_option("--data", tag_options.data_dir, "Shared data folder")->capture_default_str();
  tag->add_option("--folds", tag_options.folds, "Folds of the topic cross-validation")
      ->capture_default_str();
  tag->add_option("--reuters-limit", tag_options.reuters_limit,
                  "Use only the first N Reuters documents")->capture_default_str();
  tag->add_option("--topic-model", tag_options.tagger.topic_model_path,
                  "Topic model blended into the IPTC measurement (default: lexicon only)");
  tag->add_option("--epochs", tag_options.train.epochs, "fastText epochs")->capture_default_str();
  tag->add_option("--lr", tag_options.train.learning_rate, "fastText learning rate")
      ->capture_default_str();
  tag->add_option("--dim", tag_options.train.dim, "fastText dimensions")->capture_default_str();
  tag->add_option("--word-ngrams", tag_options.train.word_ngrams, "fastText word n-grams")
      ->capture_default_str();
  tag->add_option("--min-count", tag_options.train.min_count, "fastText minimum word count")
      ->capture_default_str();
  tag->add_option("--buckets", tag_options.train.buckets, "fastText n-gram buckets")
      ->capture_default_str();
  tag->add_option("--quantize", tag_options.train.quantize, "Quantize the fold models")
      ->capture_default_str();
  tag->add_option("--min-probability", tag_options.tagger.topic_model_options.min_probability,
                  "Model labels at or above this probability")->capture_default_str();
  tag->add_option("--top-min-probability",
                  tag_options.tagger.topic_model_options.top_min_probability,
                  "The top model label at or above this probability")->capture_default_str();
  tag->add_option("--iptc-folds", tag_options.iptc_folds,
                  "Also measure an IPTC model trained on news_cluster, event-grouped folds (0 = off)")
      ->capture_default_str();
  tag->add_option("--topic-blend", tag_options.tagger.topic_blend,
                  "How an IPTC topic model combines with the lexicon: calibrated or linear")
      ->check(CLI::IsMember({"calibrated", "linear"}))
      ->capture_default_str();
  tag->add_option("--topic-model-weight", tag_options.tagger.topic_model_weight,
                  "Linear blend: weight of an IPTC topic model in the blend with the lexicon")
      ->capture_default_str();
  tag->add_flag("--iptc-misses", tag_options.iptc_misses,
               "List the news_cluster articles whose IPTC top level is wrong");
  tag->add_option("--work-dir", tag_options.work_dir, "Folder for the per-fold models");
  std::string sections = "regions,topics,iptc";
  tag->add_option("--sections", sections, "Comma-separated: regions, topics, iptc")
      ->capture_default_str();
  tag->callback([&] {
    tag_options.regions = sections.find("regions") != std::string::npos;
    tag_options.topics = sections.find("topics") != std::string::npos;
    tag_options.iptc = sections.find("iptc") != std::string::npos;
    absl::Status status = newsflow::eval::RunTagEval(tag_options, std::cout);
    if (!status.ok()) {
      std::cerr << "newsflow-eval tag: " << status.message() << "\n";
      exit_code = 1;
    }
  });
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
