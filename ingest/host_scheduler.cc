#include "ingest/host_scheduler.h"

#include <algorithm>
#include <chrono>

#include "absl/time/clock.h"

namespace newsflow::ingest {
namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

absl::Status HostSchedulerOptions::Validate() const {
  if (threads < 1 || threads > 256) {
    return absl::InvalidArgumentError("fetch threads must be between 1 and 256");
  }
  if (host_delay_ms < 0) return absl::InvalidArgumentError("the host delay must not be negative");
  return absl::OkStatus();
}

HostScheduler::HostScheduler(HostSchedulerOptions options) : options_(std::move(options)) {
  for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { Work(); });
}

HostScheduler::~HostScheduler() { Shutdown(); }

void HostScheduler::Schedule(const std::string& name, Host& host) {
  if (host.busy || host.queue.empty()) return;
  // The wall-clock Retry-After bound, turned into the steady clock the workers wait on.
  const int64_t wait_wall = host.not_before_ms - absl::ToUnixMillis(absl::Now());
  const int64_t start = std::max(host.next_start_ms, SteadyMs() + std::max<int64_t>(0, wait_wall));
  eligible_.emplace(start, name);
  work_ready_.notify_one();
}

void HostScheduler::Submit(FetchJob job, bool urgent) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string name = job.host;
  Host& host = hosts_[name];
  const bool was_idle = host.queue.empty() && !host.busy;
  if (urgent) {
    host.queue.push_front(std::move(job));
  } else {
    host.queue.push_back(std::move(job));
  }
  ++queued_;
  if (was_idle) Schedule(name, host);
}

void HostScheduler::DelayHost(const std::string& host_name, int64_t until_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  Host& host = hosts_[host_name];
  host.not_before_ms = std::max(host.not_before_ms, until_ms);
  // An eligible entry made before the delay is moved back.
  for (auto it = eligible_.begin(); it != eligible_.end(); ++it) {
    if (it->second == host_name) {
      eligible_.erase(it);
      Schedule(host_name, host);
      break;
    }
  }
}

void HostScheduler::Work() {
  Fetcher fetcher(options_.fetch, &share_);
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    if (stopping_) return;
    if (eligible_.empty()) {
      work_ready_.wait(lock);
      continue;
    }
    const auto [start, name] = *eligible_.begin();
    const int64_t now = SteadyMs();
    if (start > now) {
      work_ready_.wait_for(lock, std::chrono::milliseconds(start - now));
      continue;
    }
    eligible_.erase(eligible_.begin());
    Host& host = hosts_[name];
    FetchJob job = std::move(host.queue.front());
    host.queue.pop_front();
    host.busy = true;
    --queued_;
    ++in_flight_;
    lock.unlock();

    FetchResult result;
    result.id = job.id;
    result.url = job.request.url;
    result.started_ms = absl::ToUnixMillis(absl::Now());
    result.response = fetcher.Get(job.request, job.max_body_bytes);

    lock.lock();
    --in_flight_;
    Host& done = hosts_[name];
    done.busy = false;
    done.next_start_ms = SteadyMs() + options_.host_delay_ms;
    Schedule(name, done);
    results_.push_back(std::move(result));
    result_ready_.notify_all();
  }
}

std::vector<FetchResult> HostScheduler::Collect(int timeout_ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (results_.empty() && timeout_ms > 0) {
    result_ready_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                           [this] { return !results_.empty(); });
  }
  std::vector<FetchResult> out;
  out.swap(results_);
  return out;
}

size_t HostScheduler::Pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queued_ + in_flight_ + results_.size();
}

std::map<std::string, size_t> HostScheduler::QueueDepths() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::map<std::string, size_t> depths;
  for (const auto& [name, host] : hosts_) {
    depths[name] = host.queue.size() + (host.busy ? 1 : 0);
  }
  return depths;
}

void HostScheduler::DropQueued() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (auto& [name, host] : hosts_) host.queue.clear();
  eligible_.clear();
  queued_ = 0;
  result_ready_.wait(lock, [this] { return in_flight_ == 0; });
}

void HostScheduler::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

}  // namespace newsflow::ingest
