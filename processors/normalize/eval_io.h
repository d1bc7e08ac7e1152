// Input helpers shared by the normalizer's developer tools (normalize_eval, language_eval):
// gzip-compressed benchmark pages and string fields of JSON Lines corpora.
#ifndef NEWSFLOW_PROCESSORS_NORMALIZE_EVAL_IO_H_
#define NEWSFLOW_PROCESSORS_NORMALIZE_EVAL_IO_H_

#include <zlib.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace newsflow::normalize::eval {

// Reads a whole .gz file into `out`; false when it cannot be opened or is corrupt.
inline bool ReadGzip(const std::filesystem::path& path, std::string* out) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  char buffer[1 << 16];
  int n;
  out->clear();
  while ((n = gzread(f, buffer, sizeof(buffer))) > 0) out->append(buffer, static_cast<size_t>(n));
  gzclose(f);
  return n == 0;
}

// `j[key]` when it is a string, else "".
inline std::string Str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace newsflow::normalize::eval

#endif  // NEWSFLOW_PROCESSORS_NORMALIZE_EVAL_IO_H_
