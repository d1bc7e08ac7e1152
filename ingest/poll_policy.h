// The poller's decisions that need no I/O, kept apart so they can be tested one by one: how a
// source's interval adapts, how failures back off, when a source is due after an answer that
// carried Cache-Control max-age, an RSS <ttl> or Retry-After, what identifies an item, and
// what makes an item "updated".
#ifndef NEWSFLOW_INGEST_POLL_POLICY_H_
#define NEWSFLOW_INGEST_POLL_POLICY_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace newsflow::ingest {

struct IntervalBounds {
  int64_t min_s = 300;   // --min-interval
  int64_t max_s = 3600;  // --max-interval
};

// The next interval after a successful poll: halved (not below min) when it brought new
// items, half as long again (not above max) when it did not; `current` 0 starts at min.
int64_t AdaptInterval(int64_t current_s, bool new_items, const IntervalBounds& bounds);

// Seconds to wait after the `failures`-th failure in a row: min, 2 min, 4 min, ... up to max.
int64_t BackoffSeconds(int failures, const IntervalBounds& bounds);

// Seconds until the next poll after a success: the interval, stretched to what the server
// asked for (`max_age_s` from Cache-Control, `ttl_minutes` from RSS; either -1/0 when
// absent), never beyond max.
int64_t DueAfterSuccess(int64_t interval_s, int64_t max_age_s, int ttl_minutes,
                        const IntervalBounds& bounds);

// An item's identity: its canonical URL (the normalizer's canonicalizer) when it has a link,
// else "guid:" + its GUID or id; empty when it has neither.
std::string ItemKey(std::string_view absolute_link, std::string_view guid);

// What an "updated" item differs in: its title and its last-modified date. A GUID that
// changes alone does not make an item updated.
uint64_t ItemContentHash(std::string_view title, std::string_view updated);

// The RawArticle id of a polled item: a hash of its key, as `produce` derives ids of JSON
// lines without one ("h" + 32 hex digits).
std::string PolledArticleId(std::string_view key);

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_INGEST_POLL_POLICY_H_
