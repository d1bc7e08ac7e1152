// `newsflow process`: consumes RawArticle records, runs the pipeline and publishes
// EnrichedArticle records (or dead letters). Exactly-once by default: each batch's outputs,
// dedup changelog records and input offsets are committed in one Kafka transaction.
// At-least-once (outputs acknowledged, then offsets committed) for brokers without
// transactions.
#ifndef NEWSFLOW_PROCESSORS_SERVICE_PROCESSOR_SERVICE_H_
#define NEWSFLOW_PROCESSORS_SERVICE_PROCESSOR_SERVICE_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kafka/client.h"
#include "kafka/topics.h"
#include "observability/http_server.h"
#include "observability/log.h"
#include "processors/pipeline/pipeline.h"

namespace newsflow::service {

// Prepare threads by default: one per core the machine reports, from 1 to 8.
inline int DefaultPrepareThreads() {
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(std::min(cores, 8u));
}

enum class Guarantee {
  kExactlyOnce,  // Kafka transactions; consumers of the outputs read read_committed
  kAtLeastOnce,  // commit after acknowledgement; a crash may repeat a batch's outputs
};

enum class Topology {
  // One dedup index for the whole input, in the instance that owns the raw topic's
  // partition (raw has 1 partition; further instances are hot standbys).
  kSingle,
  // Stateless stage (normalize, tag) on every raw partition, then a repartition topic keyed
  // by dedup scope, then one dedup task per repartition partition with its own index,
  // restored from a co-partitioned changelog when assigned (docs/ARCHITECTURE.md).
  kScaleOut,
};

struct ProcessorOptions {
  kafka::ConsumerOptions consumer;
  kafka::ProducerOptions producer;
  kafka::TopicsOptions topics;
  // `pipeline.max_record_bytes` 0 = what fits in a record of the enriched topic (and of the
  // repartition topic, scale-out): a larger input could not be written out, so it is
  // dead-lettered as TOO_LARGE without being decoded.
  pipeline::PipelineOptions pipeline;
  // Processing guarantee. Default kExactlyOnce.
  Guarantee guarantee = Guarantee::kExactlyOnce;
  // Topology. Default kSingle.
  Topology topology = Topology::kSingle;
  // transactional.id for exactly-once; empty = "newsflow-<group>-<host>-<pid>" (unique per
  // process; zombie instances are fenced through the consumer group, KIP-447). Default empty.
  std::string transactional_id;
  // Create missing topics at start. Default true.
  bool create_topics = true;
  // Worker threads running the stateless stages (decode, normalize, tag) of raw records
  // ahead of the polling thread, which keeps the order and runs dedupe, produce and commit;
  // 0 = everything on the polling thread. Default: one per core (at most 8): on 2 cores with
  // the broker beside it, 2 threads sustain 15% more than 1 (docs/PERFORMANCE.md).
  int prepare_threads = DefaultPrepareThreads();
  // Bytes written before every enriched record's protobuf payload: the Confluent framing
  // (proto/confluent_framing.h) when outputs are registered with a Schema Registry; empty =
  // plain protobuf. Default empty.
  std::string enriched_value_prefix;
  // Records per batch; offsets are committed once per batch. Default 500.
  int batch_size = 500;
  // A batch is closed after this long even if not full. Default 100 ms.
  int batch_timeout_ms = 100;
  // Exit once every assigned partition is at its end and nothing arrived for this long;
  // 0 = run until stopped (a service). Default 0.
  int exit_when_idle_ms = 0;
  // Give up starting if no partition is assigned within this time (only with
  // exit_when_idle_ms). Default 60000.
  int assignment_timeout_ms = 60000;
  // Keep the dedup index in the changelog topic and restore it on start, so that a restart
  // does not change verdicts. Default true.
  bool durable_dedup = true;
  // Stop cleanly after this many records (0 = no limit); for tests and controlled runs.
  // Default 0.
  uint64_t max_records = 0;
  // Seconds between progress lines; 0 = none. Default 10.
  int progress_interval_s = 10;
  // Serve /healthz, /readyz and /metrics over HTTP (`http`: address, port, liveness
  // timeout). Default off (several instances on one host would need distinct ports).
  bool serve_http = false;
  observability::HealthServerOptions http;
  // /readyz reports ready once partitions are assigned and the consumer lag is at most
  // this many records. Default 1000.
  int64_t ready_max_lag = 1000;
  // /readyz reports not ready once a broker the processor reads from has left a request
  // unanswered this long (a stopped or hung broker), or its connection is down. Default 5000.
  int64_t ready_broker_timeout_ms = 5000;
  // After SIGINT/SIGTERM: how long committing (or aborting) the open batch, flushing and
  // leaving the group may take together; what is left undone then is left to the broker (an
  // open transaction is aborted after transaction.timeout.ms) and the next run. Keep it
  // below systemd's TimeoutStopSec (60 s in deploy/). Default 20000.
  int shutdown_timeout_ms = 20000;

  absl::Status Validate() const;
};

struct ProcessReport {
  uint64_t consumed = 0;
  uint64_t enriched = 0;
  uint64_t dead_lettered = 0;
  uint64_t batches_committed = 0;
  uint64_t unique = 0;
  uint64_t exact_duplicates = 0;
  uint64_t near_duplicates = 0;
  // Wall time from the first record consumed to the last batch committed, Unix epoch ms
  // (0 when nothing was processed): the sustained rate excludes start-up and idle waiting.
  int64_t first_record_ms = 0;
  int64_t last_commit_ms = 0;
};

// Runs until `stop` becomes true, the idle exit triggers, or an error the loop cannot
// recover from: then the uncommitted batch is left for the next run to reprocess, and the
// error is returned. A service (exit_when_idle_ms 0) rides out broker outages and aborted
// transactions by starting a new session with backoff. Events go to `log` (no line per
// article at info level); metrics to /metrics when `serve_http`.
absl::StatusOr<ProcessReport> RunProcessor(const ProcessorOptions& options,
                                           const std::atomic<bool>& stop,
                                           observability::Logger& log);

}  // namespace newsflow::service

#endif  // NEWSFLOW_PROCESSORS_SERVICE_PROCESSOR_SERVICE_H_
