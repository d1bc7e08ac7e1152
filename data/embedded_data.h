// Access to the data files compiled into the binary (see data/CMakeLists.txt and data/README.md).
#ifndef NEWSFLOW_DATA_EMBEDDED_DATA_H_
#define NEWSFLOW_DATA_EMBEDDED_DATA_H_

#include <optional>
#include <string_view>

namespace newsflow::data {

// Contents of the embedded file `name` (e.g. "gazetteer.tsv"), or nullopt when not embedded.
std::optional<std::string_view> EmbeddedFile(std::string_view name);

}  // namespace newsflow::data

#endif  // NEWSFLOW_DATA_EMBEDDED_DATA_H_
