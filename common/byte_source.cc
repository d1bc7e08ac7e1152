#include "common/byte_source.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace newsflow {

FdSource::FdSource(int fd, bool owned) : fd_(fd), owned_(owned) {
  struct stat info;
  if (fstat(fd_, &info) == 0 && S_ISREG(info.st_mode)) known_size_ = info.st_size;
}

FdSource::~FdSource() {
  if (owned_ && fd_ >= 0) close(fd_);
}

ptrdiff_t FdSource::Read(char* buffer, size_t size) { return ::read(fd_, buffer, size); }

bool FdSource::Seek(int64_t offset) {
  return known_size_ >= 0 && lseek(fd_, static_cast<off_t>(offset), SEEK_SET) == offset;
}

ptrdiff_t StringSource::Read(char* buffer, size_t size) {
  const size_t n = std::min(size, bytes_.size() - position_);
  std::memcpy(buffer, bytes_.data() + position_, n);
  position_ += n;
  return static_cast<ptrdiff_t>(n);
}

bool StringSource::Seek(int64_t offset) {
  if (offset < 0 || static_cast<size_t>(offset) > bytes_.size()) return false;
  position_ = static_cast<size_t>(offset);
  return true;
}

}  // namespace newsflow
