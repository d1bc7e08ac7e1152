#include "producers/input_stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/sha256.h"

namespace newsflow::producers {
namespace {

constexpr size_t kReadSize = 64 * 1024;

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

constexpr uint32_t kReplacement = 0xFFFD;

}  // namespace

InputStream::InputStream(std::unique_ptr<ByteSource> source, const std::atomic<bool>* stop)
    : source_(std::move(source)), stop_(stop) {}

bool InputStream::FillRaw() {
  std::string& target = encoding_ == Encoding::kUtf8 ? buffer_ : raw_;
  const size_t old_size = target.size();
  target.resize(old_size + kReadSize);
  while (true) {
    if (stop_ != nullptr && stop_->load(std::memory_order_relaxed)) {
      stopped_ = true;
      target.resize(old_size);
      return false;
    }
    const ptrdiff_t n = source_->Read(target.data() + old_size, kReadSize);
    if (n > 0) {
      target.resize(old_size + static_cast<size_t>(n));
      return true;
    }
    if (n < 0 && errno == EINTR) continue;  // a signal: look at the stop flag again
    target.resize(old_size);
    if (n < 0) {
      error_ = absl::DataLossError(absl::StrCat("read error: ", std::strerror(errno)));
    } else {
      at_end_ = true;
    }
    return false;
  }
}

void InputStream::DecodeUtf16() {
  const bool little = encoding_ == Encoding::kUtf16Le;
  size_t i = 0;
  for (; i + 1 < raw_.size(); i += 2) {
    const auto b0 = static_cast<unsigned char>(raw_[i]);
    const auto b1 = static_cast<unsigned char>(raw_[i + 1]);
    const uint32_t unit = little ? (b1 << 8 | b0) : (b0 << 8 | b1);
    if (pending_high_surrogate_ != 0) {
      if (unit >= 0xDC00 && unit <= 0xDFFF) {
        AppendUtf8(0x10000 + ((pending_high_surrogate_ - 0xD800) << 10) + (unit - 0xDC00),
                   &buffer_);
        pending_high_surrogate_ = 0;
        continue;
      }
      AppendUtf8(kReplacement, &buffer_);
      pending_high_surrogate_ = 0;
    }
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      pending_high_surrogate_ = unit;
    } else {
      AppendUtf8(unit >= 0xDC00 && unit <= 0xDFFF ? kReplacement : unit, &buffer_);
    }
  }
  raw_.erase(0, i);
  if (at_end_ && (!raw_.empty() || pending_high_surrogate_ != 0)) {
    AppendUtf8(kReplacement, &buffer_);  // an odd trailing byte or an unpaired surrogate
    raw_.clear();
    pending_high_surrogate_ = 0;
  }
}

bool InputStream::Fill() {
  if (position_ > 0 && position_ >= buffer_.size() / 2) {
    buffer_.erase(0, position_);
    position_ = 0;
  }
  const size_t before = buffer_.size();
  while (buffer_.size() == before) {
    if (at_end_ || stopped_ || !error_.ok()) return false;
    const bool more = FillRaw();
    if (encoding_ != Encoding::kUtf8) DecodeUtf16();
    if (!more && buffer_.size() == before) return false;
  }
  return true;
}

std::string InputStream::DetectEncoding() {
  while (buffer_.size() < 4096 && Fill()) {
  }
  std::string_view head(buffer_.data() + position_, buffer_.size() - position_);
  auto starts = [&](std::string_view prefix) { return head.substr(0, prefix.size()) == prefix; };
  if (starts("\xEF\xBB\xBF")) {
    position_ += 3;
    return "utf-8";
  }
  bool bom = false;
  if (starts("\xFF\xFE")) {
    encoding_ = Encoding::kUtf16Le;
    bom = true;
  } else if (starts("\xFE\xFF")) {
    encoding_ = Encoding::kUtf16Be;
    bom = true;
  } else {
    const size_t pairs = std::min<size_t>(head.size(), 4096) / 2;
    size_t even_nul = 0, odd_nul = 0;
    for (size_t i = 0; i < pairs; ++i) {
      even_nul += head[2 * i] == '\0';
      odd_nul += head[2 * i + 1] == '\0';
    }
    if (pairs >= 8 && odd_nul * 10 >= pairs * 4 && even_nul * 10 <= pairs) {
      encoding_ = Encoding::kUtf16Le;
    } else if (pairs >= 8 && even_nul * 10 >= pairs * 4 && odd_nul * 10 <= pairs) {
      encoding_ = Encoding::kUtf16Be;
    }
  }
  if (encoding_ == Encoding::kUtf8) return "utf-8";
  raw_.assign(head.substr(bom ? 2 : 0));
  buffer_.clear();
  position_ = 0;
  DecodeUtf16();
  return encoding_ == Encoding::kUtf16Le ? "utf-16le" : "utf-16be";
}

int InputStream::PeekNonBlank() {
  for (size_t i = position_; i < position_ + 64 * 1024; ++i) {
    if (i == buffer_.size()) {
      // Fill may move the unread bytes to the front of the buffer.
      const size_t offset = i - position_;
      if (!Fill()) return -1;
      i = position_ + offset;
    }
    const char c = buffer_[i];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return static_cast<unsigned char>(c);
  }
  return -1;
}

namespace {

constexpr size_t kTailBytes = 4096;

void KeepTail(std::string_view segment, std::string* tail) {
  if (segment.size() >= kTailBytes) {
    tail->assign(segment.substr(segment.size() - kTailBytes));
    return;
  }
  tail->append(segment);
  if (tail->size() > kTailBytes) tail->erase(0, tail->size() - kTailBytes);
}

}  // namespace

ReadStatus InputStream::ReadLine(size_t limit, Chunk* line) {
  line->bytes.clear();
  line->size = 0;
  line->sha256.clear();
  line->tail.clear();
  // Only an oversized line is hashed: setting up a digest costs ~1 us a line, and the first
  // one ~1 ms of OpenSSL initialisation, which most runs never need.
  std::optional<Sha256> hash;
  bool too_long = false, consumed = false;
  while (true) {
    if (position_ == buffer_.size() && !Fill()) {
      if (stopped_) return ReadStatus::kStopped;
      if (!error_.ok()) return ReadStatus::kError;
      if (!consumed) return ReadStatus::kEnd;
      break;  // the last line has no line end
    }
    consumed = true;
    const char* start = buffer_.data() + position_;
    const size_t available = buffer_.size() - position_;
    const void* newline = std::memchr(start, '\n', available);
    const size_t length =
        newline != nullptr ? static_cast<const char*>(newline) - start : available;
    std::string_view segment(start, length);
    if (!too_long && line->bytes.size() + length > limit) {
      too_long = true;
      hash.emplace();
      hash->Update(line->bytes);
      line->bytes.append(segment.substr(0, limit - line->bytes.size()));
    } else if (!too_long) {
      line->bytes.append(segment);
    }
    if (too_long) {
      hash->Update(segment);
      KeepTail(segment, &line->tail);
    }
    line->size += static_cast<int64_t>(length);
    position_ += length;
    if (newline != nullptr) {
      ++position_;
      break;
    }
  }
  ++line_number_;
  if (too_long) {
    line->sha256 = hash->Finish();
    return ReadStatus::kTooLong;
  }
  if (!line->bytes.empty() && line->bytes.back() == '\r') {
    line->bytes.pop_back();
    --line->size;
  }
  return ReadStatus::kOk;
}

ReadStatus InputStream::ReadAll(size_t limit, Chunk* all) {
  all->bytes.clear();
  all->size = 0;
  all->sha256.clear();
  all->tail.clear();
  std::optional<Sha256> hash;  // only for an oversized input, as in ReadLine
  bool too_long = false;
  const bool read_through = source_->KnownSize() >= 0;
  while (true) {
    if (position_ == buffer_.size() && !Fill()) {
      if (stopped_) return ReadStatus::kStopped;
      if (!error_.ok()) return ReadStatus::kError;
      break;
    }
    std::string_view segment(buffer_.data() + position_, buffer_.size() - position_);
    position_ = buffer_.size();
    all->size += static_cast<int64_t>(segment.size());
    if (!too_long && all->bytes.size() + segment.size() > limit) {
      too_long = true;
      hash.emplace();
      hash->Update(all->bytes);
      all->bytes.append(segment.substr(0, limit - all->bytes.size()));
      if (!read_through) return ReadStatus::kTooLong;  // size: what was seen
    } else if (!too_long) {
      all->bytes.append(segment);
    }
    if (too_long) {
      hash->Update(segment);
      KeepTail(segment, &all->tail);
    }
  }
  if (too_long) {
    all->sha256 = hash->Finish();
    return ReadStatus::kTooLong;
  }
  return ReadStatus::kOk;
}

}  // namespace newsflow::producers
