// How the poller fetches: robots.txt first (per origin, cached in memory and in the state
// store), then the request on its host's queue, then redirects, each hop checked again.
#include <utility>

#include "absl/strings/str_cat.h"
#include "ingest/fetcher.h"
#include "ingest/poller.h"
#include "ingest/poller_internal.h"

namespace newsflow::ingest {
namespace {

const char* StatusClass(const FetchResponse& response) {
  if (!response.error.ok() && response.status == 0) return "error";
  if (response.status == 304) return "304";
  if (response.status >= 500) return "5xx";
  if (response.status >= 400) return "4xx";
  if (response.status >= 300) return "3xx";
  if (response.status >= 200) return "2xx";
  return "error";
}

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

uint64_t Poller::Submit(const std::string& url, FetchRequest request, size_t max_bytes,
                        bool urgent, std::function<void(FetchResult&)> done) {
  FetchJob job;
  job.id = next_job_id_++;
  job.host = Origin(url);
  request.url = url;
  job.request = std::move(request);
  job.max_body_bytes = max_bytes;
  waiting_[job.id] = std::move(done);
  const uint64_t id = job.id;
  scheduler_->Submit(std::move(job), urgent);
  return id;
}

void Poller::CountFetch(const char* kind, const FetchResponse& response) {
  metrics_->fetches->WithLabels({kind, StatusClass(response)}).Increment();
  if (response.wire_bytes > 0) {
    metrics_->bytes->WithLabels({kind}).Increment(static_cast<uint64_t>(response.wire_bytes));
  }
}

void Poller::Fetch(const std::string& url, FetchRequest request, size_t max_bytes,
                   const char* kind, int hops, OutcomeCallback done) {
  const std::string origin = Origin(url);
  if (origin.empty()) {
    Outcome outcome;
    outcome.final_url = url;
    outcome.problem = absl::StrCat("not an http(s) URL: ", url);
    done(std::move(outcome));
    return;
  }
  WithRobots(origin, [this, url, request = std::move(request), max_bytes, kind, hops,
                      done = std::move(done)](const RobotsRules& rules) mutable {
    if (!rules.Allowed(PathAndQuery(url))) {
      Outcome outcome;
      outcome.final_url = url;
      outcome.disallowed = true;
      done(std::move(outcome));
      return;
    }
    Submit(url, request, max_bytes, false,
           [this, url, request, max_bytes, kind, hops,
            done = std::move(done)](FetchResult& result) mutable {
             CountFetch(kind, result.response);
             if (result.response.error.ok() && IsRedirect(result.response.status) &&
                 !result.response.location.empty()) {
               if (hops >= options_.max_redirects) {
                 Outcome outcome;
                 outcome.final_url = url;
                 outcome.response = std::move(result.response);
                 outcome.problem = absl::StrCat("more than ", options_.max_redirects,
                                                " redirects (last to ", outcome.response.location,
                                                ")");
                 done(std::move(outcome));
                 return;
               }
               const std::string next = result.response.location;
               Fetch(next, request, max_bytes, kind, hops + 1, std::move(done));
               return;
             }
             Outcome outcome;
             outcome.final_url = url;
             outcome.response = std::move(result.response);
             done(std::move(outcome));
           });
  });
}

void Poller::WithRobots(const std::string& origin,
                        std::function<void(const RobotsRules&)> then) {
  std::unique_ptr<RobotsCache>& slot = robots_[origin];
  if (slot == nullptr) slot = std::make_unique<RobotsCache>();
  RobotsCache& cache = *slot;
  const int64_t now = NowMs();
  if (!cache.loaded && !cache.fetching) {
    // A copy fetched by an earlier run.
    auto stored = store_->GetRobots(origin);
    if (!stored.ok()) {
      store_error_ = stored.status();
    } else if (stored->has_value()) {
      const RobotsEntry& entry = **stored;
      const bool failed = entry.status == 0 || entry.status >= 500;
      const int64_t expires =
          entry.fetched_ms +
          1000 * (failed ? options_.intervals.min_s : options_.robots_ttl_s);
      if (expires > now) {
        cache.loaded = true;
        cache.status = entry.status;
        cache.rules = RobotsRules::FromResponse(entry.status, entry.body, options_.robots_token);
        cache.expires_ms = expires;
      }
    }
  }
  if (cache.loaded && cache.expires_ms > now) {
    then(cache.rules);
    return;
  }
  cache.waiters.push_back(std::move(then));
  if (cache.fetching) return;
  cache.fetching = true;
  FetchRobots(origin, origin + "/robots.txt", 0);
}

void Poller::FetchRobots(const std::string& origin, const std::string& url, int hops) {
  FetchRequest request;
  Submit(url, request, 512 * 1024, /*urgent=*/true,
         [this, origin, url, hops](FetchResult& result) {
           CountFetch("robots", result.response);
           const FetchResponse& response = result.response;
           // RFC 9309 2.3.1.2: at least five redirects are followed.
           if (response.error.ok() && IsRedirect(response.status) && !response.location.empty() &&
               hops < 5 && !Origin(response.location).empty()) {
             FetchRobots(origin, response.location, hops + 1);
             return;
           }
           // A body cut at the size cap still holds the rules that matter most (the first).
           const bool cut = response.error.code() == absl::StatusCode::kResourceExhausted;
           int status = response.error.ok() || cut ? response.status : 0;
           if (IsRedirect(status)) status = 404;  // too many hops: as if there were none
           RobotsFetched(origin, status, response.body);
         });
}

void Poller::RobotsFetched(const std::string& origin, int status, const std::string& body) {
  RobotsCache& cache = *robots_.at(origin);
  const int64_t now = NowMs();
  const bool failed = status == 0 || status >= 500;
  cache.loaded = true;
  cache.fetching = false;
  cache.status = status;
  cache.rules = RobotsRules::FromResponse(status, body, options_.robots_token);
  cache.expires_ms = now + 1000 * (failed ? options_.intervals.min_s : options_.robots_ttl_s);
  if (failed) {
    log_->Warn("poll", "robots.txt unavailable: the host is treated as disallowed",
               {{"host", origin}, {"status", status}});
  }
  if (auto s = store_->PutRobots(RobotsEntry{origin, status, body.substr(0, 512 * 1024), now});
      !s.ok()) {
    store_error_ = s;
  }
  std::vector<std::function<void(const RobotsRules&)>> waiters;
  waiters.swap(cache.waiters);
  for (auto& then : waiters) then(cache.rules);
}

}  // namespace newsflow::ingest
