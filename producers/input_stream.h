// Bounded, interruptible reading of input bytes for the article readers: lines or whole
// inputs up to a size limit (what lies beyond is skipped, counted and hashed, never held in
// memory), a stop flag checked at every refill, and UTF-16 input (with a byte-order mark, or
// recognised by its NUL bytes) turned into UTF-8 as it is read. No Kafka here.
#ifndef NEWSFLOW_PRODUCERS_INPUT_STREAM_H_
#define NEWSFLOW_PRODUCERS_INPUT_STREAM_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "common/byte_source.h"

namespace newsflow::producers {

using ::newsflow::ByteSource;
using ::newsflow::FdSource;
using ::newsflow::StringSource;

// One line or one whole input as read.
struct Chunk {
  // All of it, or its first `limit` bytes when it was longer (status kTooLong).
  std::string bytes;
  // Its full size in bytes (for a line: without the line end); when reading stopped before
  // its end (kStopped, or a whole input that is not a regular file), the bytes seen so far.
  int64_t size = 0;
  // SHA-256 of all of it when it was too long and was read to its end; else empty.
  std::string sha256;
  // When too long: its last bytes (up to 4 KiB), e.g. to name a JSON line cut before its id.
  std::string tail;
};

enum class ReadStatus {
  kOk,       // a complete line or input within the limit
  kTooLong,  // longer than the limit: `bytes` holds its start; the rest was skipped
  kEnd,      // nothing more to read
  kStopped,  // the stop flag was raised while reading
  kError,    // a read error (error() says which)
};

class InputStream {
 public:
  // `stop` (may be null) is checked whenever more bytes are needed.
  InputStream(std::unique_ptr<ByteSource> source, const std::atomic<bool>* stop);

  // Looks at the first bytes: a UTF-16 byte-order mark, or UTF-16 text without one (most
  // bytes at odd, or at even, positions are NUL), switches to converting UTF-16 to UTF-8.
  // A UTF-8 byte-order mark is dropped. Returns the encoding found: "utf-8", "utf-16le" or
  // "utf-16be". Call once, before reading.
  std::string DetectEncoding();

  // The first byte that is not a space, tab or line end, without consuming anything; -1 when
  // there is none within the first 64 KiB (or at the end, on stop or on error).
  int PeekNonBlank();

  // The next line (without "\n" or "\r\n"). A line longer than `limit` is kTooLong: its
  // first `limit` bytes are kept, the rest is read through to the line end and hashed.
  ReadStatus ReadLine(size_t limit, Chunk* line);

  // Everything left, up to `limit` bytes. When there is more, kTooLong: the first `limit`
  // bytes are kept; for a source of known size (a regular file) the rest is read through and
  // hashed, otherwise reading stops there (an endless stream such as /dev/zero ends here).
  ReadStatus ReadAll(size_t limit, Chunk* all);

  // Lines completed so far (1-based number of the last line ReadLine returned).
  int64_t line_number() const { return line_number_; }
  absl::Status error() const { return error_; }

 private:
  // Makes more decoded bytes available in buffer_; false at the end, on stop or on error.
  bool Fill();
  bool FillRaw();  // reads into raw_ (UTF-16 mode) or buffer_
  void DecodeUtf16();

  std::unique_ptr<ByteSource> source_;
  const std::atomic<bool>* stop_;
  std::string buffer_;  // decoded bytes; [position_, size()) unread
  size_t position_ = 0;
  std::string raw_;  // UTF-16 mode: undecoded bytes
  enum class Encoding { kUtf8, kUtf16Le, kUtf16Be } encoding_ = Encoding::kUtf8;
  uint32_t pending_high_surrogate_ = 0;
  bool at_end_ = false;
  bool stopped_ = false;
  absl::Status error_;
  int64_t line_number_ = 0;
};

}  // namespace newsflow::producers

#endif  // NEWSFLOW_PRODUCERS_INPUT_STREAM_H_
