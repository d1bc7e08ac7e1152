// Streaming reader of WARC 1.0 and 1.1 files (plain, or gzip with one member per record, or
// one member for the whole file), with bounded memory: a record's block is held only up to a
// limit, larger ones are skipped unread. Every record comes with its position in the file
// (the offset of its gzip member, as CDX indexes give it), so a reader can resume there.
// Malformed input is reported with its offset and reading resyncs at the next record; a
// truncated tail ends the file with a warning after the complete records before it.
#ifndef NEWSFLOW_INGEST_WARC_READER_H_
#define NEWSFLOW_INGEST_WARC_READER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/byte_source.h"
#include "ingest/gzip_reader.h"

namespace newsflow::ingest {

using WarcPosition = DecompressingReader::Position;

struct WarcReaderOptions {
  // Decompressor for .gz input. Default kIsal (docs/PERFORMANCE.md: faster than zlib).
  Inflater inflater = Inflater::kIsal;
  // Record blocks larger than this are skipped without being read into memory (the record
  // is still reported, with its header). Default 16 MiB.
  size_t max_block_bytes = 16 << 20;
};

// The header of a record.
struct WarcHeader {
  WarcPosition position;  // where the record starts in the file
  std::string version;    // "WARC/1.0", "WARC/1.1"
  std::vector<std::pair<std::string, std::string>> fields;  // as written, in order
  int64_t content_length = -1;

  // The value of field `name` (case-insensitive), or empty.
  std::string_view Field(std::string_view name) const;
  // WARC-Type, lower-cased ("response", "request", ...).
  std::string Type() const;
};

enum class WarcEvent {
  kRecord,     // `header` and its whole `block`
  kTooLarge,   // `header`; the block was larger than max_block_bytes and was skipped
  kMalformed,  // `problem` at `problem_offset`; reading goes on at the next record
  kTruncated,  // the file ended inside a record (`problem`, `problem_offset`); nothing follows
  kEnd,        // no more records
  kStopped,    // the stop flag was raised
  kError,      // a read error (`problem`); nothing follows
};

class WarcReader {
 public:
  // Reads `source` (positioned at `start.offset`, a record's position from an earlier run
  // or 0), skipping `start.inner` decompressed bytes first. `stop` may be null.
  WarcReader(ByteSource* source, const WarcReaderOptions& options,
             const std::atomic<bool>* stop = nullptr, WarcPosition start = {});

  WarcEvent Next(WarcHeader* header, std::string* block);
  const std::string& problem() const { return problem_; }
  int64_t problem_offset() const { return problem_offset_; }
  // For kMalformed: the bytes skipped (decompressed), at most 64 KiB; empty when a gzip
  // member itself could not be read.
  const std::string& problem_bytes() const { return problem_bytes_; }
  // Where the next record starts, once the previous one was read whole: the position to
  // resume from.
  WarcPosition next_position() const;
  // Compressed bytes consumed (progress), and whether the input is gzip.
  int64_t compressed_position() const { return input_.compressed_position(); }
  bool gzip() const { return input_.gzip(); }

 private:
  enum class Fill { kMore, kEnd, kStopped, kError };
  Fill FillBuffer();
  // Position of decompressed byte `stream_position`.
  WarcPosition PositionOf(int64_t stream_position) const;
  bool Resync();  // skips to the next "WARC/1." at a line start; false at the end
  WarcEvent Malformed(std::string problem, int64_t stream_position);
  WarcEvent Fail(WarcEvent event);

  DecompressingReader input_;
  WarcReaderOptions options_;
  const std::atomic<bool>* stop_;
  static constexpr size_t kMaxProblemBytes = 64 * 1024;
  std::string problem_bytes_;
  std::string buffer_;             // decompressed bytes; [position_, size) unread
  size_t position_ = 0;
  int64_t buffer_stream_offset_ = 0;  // stream position of buffer_[0]
  // Decompressed chunks in the buffer and where they came from (reads never cross a member).
  struct Chunk {
    int64_t stream_offset;
    WarcPosition from;
  };
  std::deque<Chunk> chunks_;
  int64_t skip_ = 0;  // decompressed bytes still to skip to reach the start position
  bool ended_ = false;
  int64_t resync_at_ = -1;  // after corrupt gzip data: the stream offset to go on from
  size_t search_shift_ = 0;  // how far the last FillBuffer moved the unread bytes
  std::string problem_;
  int64_t problem_offset_ = -1;
};

// The parts of an HTTP/1.x response message as a WARC response record holds it.
struct HttpResponseMessage {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // de-chunked and decoded (gzip, deflate) where the headers say so
  std::string_view Header(std::string_view name) const;  // case-insensitive; empty if none
};

// Parses `block` (the record's content block). Fails on a block that is not an HTTP
// response, on bad chunking, and on a body that does not decode as its Content-Encoding
// says (`problem` says which). A body larger than `max_body_bytes` once decoded fails too.
bool ParseHttpResponse(std::string block, size_t max_body_bytes, HttpResponseMessage* message,
                       std::string* problem);

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_INGEST_WARC_READER_H_
