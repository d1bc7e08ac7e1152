// The poller's politeness: fetch jobs wait in one queue per host (scheme, host and port), at
// most one request per host is in flight, and the next request to a host starts no sooner
// than `host_delay_ms` after the previous one finished (later when the host asked for it
// with Retry-After). A pool of worker threads, each with its own Fetcher, runs the requests;
// the caller's thread submits jobs and collects what finished. No Kafka, no parsing.
#ifndef NEWSFLOW_INGEST_HOST_SCHEDULER_H_
#define NEWSFLOW_INGEST_HOST_SCHEDULER_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "ingest/fetcher.h"

namespace newsflow::ingest {

struct HostSchedulerOptions {
  // Fetch threads: requests to different hosts in flight at once. Default 8.
  int threads = 8;
  // Least time between the end of one request to a host and the start of the next, in
  // milliseconds. Default 1000.
  int host_delay_ms = 1000;
  FetchOptions fetch;

  absl::Status Validate() const;
};

struct FetchJob {
  uint64_t id = 0;   // the caller's, returned with the result
  std::string host;  // the politeness unit: Origin(url)
  FetchRequest request;
  size_t max_body_bytes = 0;  // 0 = FetchOptions::max_body_bytes
};

struct FetchResult {
  uint64_t id = 0;
  std::string url;
  FetchResponse response;
  int64_t started_ms = 0;  // wall clock
};

class HostScheduler {
 public:
  explicit HostScheduler(HostSchedulerOptions options);
  ~HostScheduler();  // Shutdown()
  HostScheduler(const HostScheduler&) = delete;
  HostScheduler& operator=(const HostScheduler&) = delete;

  // Queues `job` behind the others for its host (in front of them with `urgent`: robots.txt,
  // which the others wait for).
  void Submit(FetchJob job, bool urgent = false);
  // No request to `host` starts before `until_ms` (wall clock): a 429 or 503 with
  // Retry-After.
  void DelayHost(const std::string& host, int64_t until_ms);
  // Finished fetches; waits up to `timeout_ms` for the first one when there is none yet.
  std::vector<FetchResult> Collect(int timeout_ms);

  // Jobs not yet finished (queued or in flight), in all and per host.
  size_t Pending() const;
  std::map<std::string, size_t> QueueDepths() const;

  // Drops every queued job (they are not returned) and waits for those in flight, which are.
  void DropQueued();
  // Stops the threads; in-flight requests finish first (bounded by the fetch timeout).
  void Shutdown();

 private:
  struct Host {
    std::deque<FetchJob> queue;
    bool busy = false;
    int64_t next_start_ms = 0;  // steady clock
    int64_t not_before_ms = 0;  // wall clock (Retry-After)
  };
  void Work();
  // Under mutex_: makes `host` eligible when it has work and nothing in flight.
  void Schedule(const std::string& name, Host& host);

  const HostSchedulerOptions options_;
  ConnectionShare share_;  // before threads_: the fetchers use it
  mutable std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable result_ready_;
  std::map<std::string, Host> hosts_;
  std::set<std::pair<int64_t, std::string>> eligible_;  // (steady ms it may start, host)
  std::vector<FetchResult> results_;
  size_t queued_ = 0;
  size_t in_flight_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_INGEST_HOST_SCHEDULER_H_
