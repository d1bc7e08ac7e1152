// Worker threads that run the stateless stage (decode, normalize, tag) of raw records ahead
// of the polling thread, which keeps the input order and dedupes, sends and commits.
#ifndef NEWSFLOW_PROCESSORS_SERVICE_PREPARE_WORKERS_H_
#define NEWSFLOW_PROCESSORS_SERVICE_PREPARE_WORKERS_H_

#include <pthread.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "kafka/client.h"
#include "processors/pipeline/pipeline.h"

namespace newsflow::service {

// Runs the stateless stage (decode, normalize, tag) of raw records on worker threads, ahead
// of the polling thread, which keeps the input order and does dedupe, sending and
// committing. Each worker has its own pipeline (stages are not shared between threads).
class PrepareWorkers {
 public:
  static absl::StatusOr<std::unique_ptr<PrepareWorkers>> Create(
      const pipeline::PipelineOptions& options, int threads) {
    std::unique_ptr<PrepareWorkers> workers(new PrepareWorkers());
    for (int i = 0; i < threads; ++i) {
      auto pipeline = pipeline::Pipeline::Create(options);
      if (!pipeline.ok()) return pipeline.status();
      workers->pipelines_.push_back(std::move(*pipeline));
    }
    for (int i = 0; i < threads; ++i) {
      workers->threads_.emplace_back([w = workers.get(), i] { w->Work(*w->pipelines_[i]); });
    }
    return workers;
  }

  // Joins the threads; jobs still queued are dropped (their futures report broken promises,
  // which nobody waits for once the session is over).
  ~PrepareWorkers() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      queue_.clear();
    }
    ready_.notify_all();
    for (std::thread& thread : threads_) thread.join();
  }

  std::future<pipeline::PreparedOutcome> Submit(
      std::shared_ptr<const kafka::ConsumedMessage> message, RecordOrigin origin) {
    auto promise = std::make_shared<std::promise<pipeline::PreparedOutcome>>();
    std::future<pipeline::PreparedOutcome> future = promise->get_future();
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back([message = std::move(message), origin = std::move(origin),
                        promise](pipeline::Pipeline& pipeline) {
        promise->set_value(pipeline.PrepareSerialized(message->value, message->key, origin));
      });
    }
    ready_.notify_one();
    return future;
  }

 private:
  PrepareWorkers() = default;

  void Work(pipeline::Pipeline& pipeline) {
    pthread_setname_np(pthread_self(), "nf-prepare");  // for top -H and profilers
    while (true) {
      std::function<void(pipeline::Pipeline&)> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      job(pipeline);
    }
  }

  std::vector<std::unique_ptr<pipeline::Pipeline>> pipelines_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void(pipeline::Pipeline&)>> queue_;  // guarded by mu_
  bool stopping_ = false;                                       // guarded by mu_
  std::vector<std::thread> threads_;  // last: joined before the rest is destroyed
};

// A record polled ahead of processing, its stateless stage perhaps under way on a worker.
struct PendingRecord {
  std::shared_ptr<const kafka::ConsumedMessage> message;
  std::optional<std::future<pipeline::PreparedOutcome>> prepared;
};

}  // namespace newsflow::service

#endif  // NEWSFLOW_PROCESSORS_SERVICE_PREPARE_WORKERS_H_
