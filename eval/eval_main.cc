// `newsflow-eval`: quality measurements over the labelled data in ../shared/data.
// Writes Markdown tables (the source of docs/QUALITY.md).
#include <iostream>

#include <CLI/CLI.hpp>

#include "eval/dedupe_eval.h"

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
  dedup->add_option("--reuters-limit", dedupe.reuters_limit, "Use only the first N Reuters documents")
      ->capture_default_str();
  dedup->add_option("--seed", dedupe.seed, "Seed of the synthetic edits")->capture_default_str();
  int exit_code = 0;
  dedup->callback([&] {
    absl::Status status = newsflow::eval::RunDedupeEval(dedupe, std::cout);
    if (!status.ok()) {
      std::cerr << "newsflow-eval dedup: " << status.message() << "\n";
      exit_code = 1;
    }
  });
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
