// The list of sources `newsflow poll --sources FILE` follows: one URL per line ('#' starts a
// comment), or TOML with [[source]] tables (url; optionally interval, language, source).
#ifndef NEWSFLOW_INGEST_SOURCES_H_
#define NEWSFLOW_INGEST_SOURCES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace newsflow::ingest {

struct PollSource {
  std::string url;           // a feed, a sitemap (index), or a site's home page
  int64_t interval_s = 0;    // a fixed polling interval; 0 = adaptive
  std::string language;      // the language its articles are in, when known
  std::string name;          // the outlet's name (RawArticle.source); empty = from the feed
};

// Reads and checks `path`: every URL http(s), no duplicates, intervals positive. Errors name
// the line.
absl::StatusOr<std::vector<PollSource>> ReadSources(const std::string& path);

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_INGEST_SOURCES_H_
