#include "ingest/poll_policy.h"

#include <xxhash.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "processors/normalize/normalize.h"

namespace newsflow::ingest {

int64_t AdaptInterval(int64_t current_s, bool new_items, const IntervalBounds& bounds) {
  if (current_s <= 0) return bounds.min_s;
  const int64_t next = new_items ? current_s / 2 : current_s + current_s / 2;
  return std::clamp(next, bounds.min_s, bounds.max_s);
}

int64_t BackoffSeconds(int failures, const IntervalBounds& bounds) {
  int64_t wait = bounds.min_s;
  for (int i = 1; i < failures && wait < bounds.max_s; ++i) wait *= 2;
  return std::min(wait, bounds.max_s);
}

int64_t DueAfterSuccess(int64_t interval_s, int64_t max_age_s, int ttl_minutes,
                        const IntervalBounds& bounds) {
  int64_t due = interval_s;
  if (max_age_s > 0) due = std::max(due, max_age_s);
  if (ttl_minutes > 0) due = std::max<int64_t>(due, int64_t{ttl_minutes} * 60);
  return std::min(due, std::max(bounds.max_s, interval_s));
}

std::string ItemKey(std::string_view absolute_link, std::string_view guid) {
  if (!absolute_link.empty()) {
    std::string canonical = normalize::CanonicalizeUrl(std::string(absolute_link));
    if (!canonical.empty()) return canonical;
  }
  if (!guid.empty()) return absl::StrCat("guid:", std::string(guid));
  return "";
}

uint64_t ItemContentHash(std::string_view title, std::string_view updated) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  XXH3_64bits_update(state, title.data(), title.size());
  XXH3_64bits_update(state, "\0", 1);
  XXH3_64bits_update(state, updated.data(), updated.size());
  const uint64_t hash = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  // SQLite keeps signed 64-bit integers; the top bit is dropped so the value round-trips.
  return hash >> 1;
}

std::string PolledArticleId(std::string_view key) {
  const XXH128_hash_t hash = XXH3_128bits(key.data(), key.size());
  return absl::StrFormat("h%016x%016x", hash.high64, hash.low64);
}

}  // namespace newsflow::ingest
