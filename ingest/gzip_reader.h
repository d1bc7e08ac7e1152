// Streaming decompression of web archives: a plain stream, or gzip with one or more members
// (a .warc.gz holds one per record), read in pieces that never cross a member boundary, so
// the reader above can tell where each record starts in the compressed file and resume
// there. A corrupt member is reported and skipped (reading resyncs at the next gzip header).
// Two inflaters: zlib and Intel's ISA-L (igzip); docs/PERFORMANCE.md compares them.
#ifndef NEWSFLOW_INGEST_GZIP_READER_H_
#define NEWSFLOW_INGEST_GZIP_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "common/byte_source.h"

namespace newsflow::ingest {

enum class Inflater {
  kZlib,  // zlib's inflate
  kIsal,  // ISA-L's igzip inflate (SIMD Huffman decoding)
};

// "zlib" or "isal".
absl::Status ParseInflater(const std::string& name, Inflater* inflater);

class DecompressingReader {
 public:
  // Reads `source` from its current position, which is byte `start_offset` of the file (a
  // member start for gzip input). Gzip is recognised by its magic bytes.
  DecompressingReader(ByteSource* source, Inflater inflater, int64_t start_offset = 0);
  ~DecompressingReader();

  // Where decompressed bytes come from: the compressed offset at which their gzip member
  // starts and how many decompressed bytes of that member come before them. For plain input:
  // the file offset of the first byte, and 0. Seeking to `offset` and skipping `inner`
  // decompressed bytes reads them again.
  struct Position {
    int64_t offset = 0;
    int64_t inner = 0;
  };

  // Up to `size` decompressed bytes, never past the end of the current gzip member, and
  // where they start (`where`): the count, 0 at the end of the input, -1 on a read error
  // (error()) or an interruption (errno EINTR, error() OK: call again). Corrupt gzip data is
  // skipped to the next member header and reported through TakeProblem().
  ptrdiff_t Read(char* out, size_t size, Position* where);
  // Input bytes consumed so far (for progress), counted from the start of the file.
  int64_t compressed_position() const { return buffer_offset_ + static_cast<int64_t>(in_pos_); }
  bool gzip() const { return gzip_; }
  // The input ended inside a gzip member.
  bool truncated() const { return truncated_; }
  // A problem met since the last call (corrupt data skipped, trailing garbage), with the
  // compressed offset where it was found; empty when none.
  std::string TakeProblem();
  int64_t problem_offset() const { return problem_offset_; }
  absl::Status error() const { return error_; }

 private:
  struct ZlibState;
  struct IsalState;
  bool FillInput();  // more compressed bytes; false at the end or on error
  ptrdiff_t ReadPlain(char* out, size_t size, Position* where);
  ptrdiff_t ReadGzip(char* out, size_t size, Position* where);
  // Starts a member at in_pos_; false when no gzip header is there.
  bool StartMember();
  void SkipToNextMember(const std::string& why);

  ByteSource* source_;
  Inflater inflater_;
  std::unique_ptr<ZlibState> zlib_;
  std::unique_ptr<IsalState> isal_;
  std::string input_;       // compressed bytes [0, in_end_), unread from in_pos_
  size_t in_pos_ = 0;
  size_t in_end_ = 0;
  int64_t buffer_offset_;   // file offset of input_[0]
  bool input_done_ = false;
  bool sniffed_ = false;
  bool gzip_ = false;
  bool in_member_ = false;
  bool truncated_ = false;
  int64_t member_offset_;
  int64_t member_inner_ = 0;
  std::string problem_;
  int64_t problem_offset_ = -1;
  absl::Status error_;
};

// Inflates a whole gzip, zlib or raw deflate body (servers label all of them "gzip" or
// "deflate") into `out`, failing beyond `max_bytes` of output or on data that is none of
// them (`problem` says which). Truncated data keeps what decoded.
bool InflateAll(std::string_view data, size_t max_bytes, std::string* out, std::string* problem);

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_INGEST_GZIP_READER_H_
