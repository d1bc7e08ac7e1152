// Where input bytes come from, for the readers of articles and web archives: a file
// descriptor (a file, a pipe, stdin) or bytes in memory, read in pieces, with seeking where
// the source allows it.
#ifndef NEWSFLOW_COMMON_BYTE_SOURCE_H_
#define NEWSFLOW_COMMON_BYTE_SOURCE_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace newsflow {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `size` bytes into `buffer`: the count (0 at the end), or -1 with errno set.
  // May return early (-1, EINTR) when a signal arrives, so that a stop request is noticed.
  virtual ptrdiff_t Read(char* buffer, size_t size) = 0;
  // The total size when known in advance (a regular file), else -1.
  virtual int64_t KnownSize() const { return -1; }
  // Moves to byte `offset` from the start; false when the source cannot seek (a pipe).
  virtual bool Seek(int64_t offset) { return false; }
};

// A file descriptor (a file, a pipe, stdin). Closes it when `owned`.
class FdSource : public ByteSource {
 public:
  FdSource(int fd, bool owned);
  ~FdSource() override;
  ptrdiff_t Read(char* buffer, size_t size) override;
  int64_t KnownSize() const override { return known_size_; }
  bool Seek(int64_t offset) override;

 private:
  int fd_;
  bool owned_;
  int64_t known_size_ = -1;
};

// Bytes held in memory (tests, and inputs already in memory).
class StringSource : public ByteSource {
 public:
  explicit StringSource(std::string bytes) : bytes_(std::move(bytes)) {}
  ptrdiff_t Read(char* buffer, size_t size) override;
  int64_t KnownSize() const override { return static_cast<int64_t>(bytes_.size()); }
  bool Seek(int64_t offset) override;

 private:
  std::string bytes_;
  size_t position_ = 0;
};

}  // namespace newsflow

#endif  // NEWSFLOW_COMMON_BYTE_SOURCE_H_
