// The processing pipeline shared by the Kafka service and `newsflow batch`:
// RawArticle -> normalize -> dedupe -> tag -> EnrichedArticle, or a dead letter saying
// which stage refused the record and why. Pure library: no Kafka.
#ifndef NEWSFLOW_PROCESSORS_PIPELINE_PIPELINE_H_
#define NEWSFLOW_PROCESSORS_PIPELINE_PIPELINE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "newsflow/v1/article.pb.h"
#include "newsflow/v1/state.pb.h"
#include "proto/dead_letter.h"
#include "processors/dedupe/dedupe.h"
#include "processors/normalize/normalize.h"
#include "processors/tag/tagger.h"

namespace newsflow::pipeline {

struct PipelineOptions {
  normalize::NormalizeOptions normalize;
  dedupe::DedupeOptions dedupe;
  tag::TaggerOptions tag;
  // Written into Provenance.processor. Default "newsflow/<version>".
  std::string processor_name = "newsflow/" NEWSFLOW_VERSION;
  // Serialized records (ProcessSerialized, PrepareSerialized) larger than this are refused
  // as TOO_LARGE without being decoded; 0 = no limit. The service sets it to what fits in
  // an output record. Default 0.
  size_t max_record_bytes = 0;
  // The processor's clock (Unix epoch ms): no event time may be more than a day ahead of
  // it, nor of a plausible ingest time. Default (empty) NowUnixMillis.
  std::function<int64_t()> now_ms;

  absl::Status Validate() const;
};

// The event time dedup windows on: the publication time, else the ingest time, else now;
// never more than a day after the ingest time, nor after `now_ms` (an ingest time later
// than that is not believed). `clamped` says whether a time had to be lowered.
int64_t EventTimeMs(int64_t published_ms, int64_t ingested_ms, int64_t now_ms, bool* clamped);

// Result of one record: either `article` (status OK) or `dead_letter`.
struct PipelineOutcome {
  absl::Status status;
  v1::EnrichedArticle article;
  v1::DeadLetter dead_letter;
  // Entries the dedup index gained and lost with this record (for the service's changelog).
  dedupe::DedupeChanges dedupe_changes;
  // The record's event time was lowered: it claimed a time after the processor's clock or
  // its own ingest time (by more than a day), or far ahead of the stream's recent times.
  bool event_time_clamped = false;
};

// Result of the stateless part of a record (scale-out topology): either `prepared` (status
// OK) or `dead_letter`.
struct PreparedOutcome {
  absl::Status status;
  v1::PreparedArticle prepared;
  v1::DeadLetter dead_letter;
  bool event_time_clamped = false;  // see PipelineOutcome
};

class Pipeline {
 public:
  static absl::StatusOr<std::unique_ptr<Pipeline>> Create(const PipelineOptions& options);

  // Runs the stages on a decoded article. Not thread-safe (the dedupe state is shared).
  PipelineOutcome Process(const v1::RawArticle& raw, const RecordOrigin& origin);

  // Decodes a serialized RawArticle (a Kafka record value) and processes it; an undecodable
  // value becomes an UNDECODABLE dead letter carrying the original bytes.
  PipelineOutcome ProcessSerialized(const std::string& value, const std::string& key,
                                    const RecordOrigin& origin);

  // The two halves of Process for the scale-out topology: Prepare runs the stateless
  // stages (normalize, tag) and carries what dedupe needs plus the dedup scope; Finish
  // dedupes with the index of the task that owns that scope. Process = Finish(Prepare()).
  PreparedOutcome Prepare(const v1::RawArticle& raw, const RecordOrigin& origin);
  PreparedOutcome PrepareSerialized(const std::string& value, const std::string& key,
                                    const RecordOrigin& origin);
  PipelineOutcome Finish(v1::PreparedArticle prepared, dedupe::Deduper& deduper);
  // A new, empty dedup index with this pipeline's options (one per scale-out task).
  std::unique_ptr<dedupe::Deduper> NewDeduper() const;

  dedupe::DedupeStats dedupe_stats() const { return deduper_->stats(); }

  // Dedup state persistence (see dedupe::Deduper::Restore).
  absl::Status RestoreDedupe(std::vector<dedupe::IndexedArticle> entries,
                             const dedupe::DedupeRestorePoint& point) {
    return deduper_->Restore(std::move(entries), point);
  }
  dedupe::DedupeRestorePoint dedupe_restore_point() const { return deduper_->restore_point(); }

 private:
  Pipeline() = default;

  PipelineOptions options_;
  std::unique_ptr<normalize::Normalizer> normalizer_;
  std::unique_ptr<dedupe::Deduper> deduper_;
  std::unique_ptr<tag::Tagger> tagger_;
};

// Dead-letter reason for a stage's status code (see normalize.h).
v1::DeadLetter::Reason ReasonForStatus(const absl::Status& status);

}  // namespace newsflow::pipeline

#endif  // NEWSFLOW_PROCESSORS_PIPELINE_PIPELINE_H_
