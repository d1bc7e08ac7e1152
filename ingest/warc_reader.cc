#include "ingest/warc_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/string_util.h"

namespace newsflow::ingest {
namespace {

constexpr size_t kReadSize = 128 * 1024;
constexpr size_t kMaxHeaderBytes = 64 * 1024;

std::string_view FieldOf(const std::vector<std::pair<std::string, std::string>>& fields,
                         std::string_view name) {
  for (const auto& [key, value] : fields) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

bool ParseInt(std::string_view text, int64_t* value) {
  text = StripWhitespace(text);
  if (text.empty()) return false;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return error == std::errc() && end == text.data() + text.size() && *value >= 0;
}

}  // namespace

std::string_view WarcHeader::Field(std::string_view name) const { return FieldOf(fields, name); }

std::string WarcHeader::Type() const { return AsciiLower(Field("WARC-Type")); }

WarcReader::WarcReader(ByteSource* source, const WarcReaderOptions& options,
                       const std::atomic<bool>* stop, WarcPosition start)
    : input_(source, options.inflater, start.offset),
      options_(options),
      stop_(stop),
      skip_(start.inner) {}

WarcReader::Fill WarcReader::FillBuffer() {
  if (ended_) return Fill::kEnd;
  if (position_ > 0 && position_ >= buffer_.size() / 2) {
    buffer_.erase(0, position_);
    buffer_stream_offset_ += static_cast<int64_t>(position_);
    position_ = 0;
    while (chunks_.size() > 1 && chunks_[1].stream_offset <= buffer_stream_offset_) {
      chunks_.pop_front();
    }
  }
  while (true) {
    if (stop_ != nullptr && stop_->load(std::memory_order_relaxed)) return Fill::kStopped;
    const size_t old_size = buffer_.size();
    buffer_.resize(old_size + kReadSize);
    WarcPosition where;
    const ptrdiff_t n = input_.Read(buffer_.data() + old_size, kReadSize, &where);
    buffer_.resize(old_size + std::max<ptrdiff_t>(n, 0));
    const std::string skipped = input_.TakeProblem();
    if (!skipped.empty() && problem_.empty()) {
      // Corrupt gzip data was skipped: what follows does not continue what came before.
      problem_ = skipped;
      problem_offset_ = input_.problem_offset();
      resync_at_ = buffer_stream_offset_ + static_cast<int64_t>(old_size);
    }
    if (n > 0) {
      chunks_.push_back({buffer_stream_offset_ + static_cast<int64_t>(old_size), where});
      return Fill::kMore;
    }
    if (n == 0) {
      ended_ = true;
      return Fill::kEnd;
    }
    if (!input_.error().ok()) {
      problem_ = std::string(input_.error().message());
      return Fill::kError;
    }
    // EINTR: look at the stop flag, then read again.
  }
}

WarcPosition WarcReader::PositionOf(int64_t stream_position) const {
  const Chunk* chunk = nullptr;
  for (const Chunk& c : chunks_) {
    if (c.stream_offset <= stream_position) chunk = &c;
  }
  if (chunk == nullptr) return {};
  const int64_t delta = stream_position - chunk->stream_offset;
  if (input_.gzip()) return {chunk->from.offset, chunk->from.inner + delta};
  return {chunk->from.offset + delta, 0};
}

WarcPosition WarcReader::next_position() const {
  return PositionOf(buffer_stream_offset_ + static_cast<int64_t>(position_));
}

bool WarcReader::Resync() {
  // The next record starts with "WARC/1." at the start of a line.
  size_t from = position_ + 1;
  while (true) {
    const std::string_view view(buffer_);
    for (size_t at = view.find("\nWARC/1.", from); at != std::string_view::npos;
         at = view.find("\nWARC/1.", at + 1)) {
      position_ = at + 1;
      return true;
    }
    from = buffer_.size() >= 8 ? buffer_.size() - 8 : 0;
    if (FillBuffer() != Fill::kMore) {
      position_ = buffer_.size();
      return false;
    }
    from = std::min(from, buffer_.size());
    if (from < position_) from = position_;
  }
}

WarcEvent WarcReader::Malformed(std::string problem, int64_t stream_position) {
  problem_ = std::move(problem);
  problem_offset_ = PositionOf(stream_position).offset;
  // The bytes skipped, for a dead letter: from the record's start to the next record, at most
  // kMaxProblemBytes of them.
  problem_bytes_.clear();
  const int64_t start = stream_position - buffer_stream_offset_;
  if (start >= 0 && static_cast<size_t>(start) < buffer_.size()) {
    problem_bytes_ = buffer_.substr(static_cast<size_t>(start), kMaxProblemBytes);
  }
  Resync();
  const int64_t skipped = buffer_stream_offset_ + static_cast<int64_t>(position_) - stream_position;
  if (skipped >= 0 && static_cast<size_t>(skipped) < problem_bytes_.size()) {
    problem_bytes_.resize(static_cast<size_t>(skipped));
  }
  return WarcEvent::kMalformed;
}

WarcEvent WarcReader::Fail(WarcEvent event) {
  ended_ = true;
  return event;
}

WarcEvent WarcReader::Next(WarcHeader* header, std::string* block) {
  header->fields.clear();
  header->version.clear();
  header->content_length = -1;
  block->clear();
  // A gzip member that could not be read: report it, go on with what follows it.
  auto skipped_gzip = [&]() -> bool {
    if (resync_at_ < 0) return false;
    position_ = static_cast<size_t>(std::max<int64_t>(0, resync_at_ - buffer_stream_offset_));
    resync_at_ = -1;
    return true;
  };
  if (!problem_.empty() && resync_at_ < 0) problem_.clear();
  if (skipped_gzip()) return WarcEvent::kMalformed;
  problem_.clear();
  problem_offset_ = -1;

  // The start position of this reader, inside a member.
  while (skip_ > 0) {
    if (position_ == buffer_.size()) {
      const Fill fill = FillBuffer();
      if (fill == Fill::kStopped) return WarcEvent::kStopped;
      if (fill == Fill::kError) return Fail(WarcEvent::kError);
      if (fill == Fill::kEnd) return WarcEvent::kEnd;
    }
    const size_t n = std::min<size_t>(skip_, buffer_.size() - position_);
    position_ += n;
    skip_ -= static_cast<int64_t>(n);
  }

  // Blank lines between records.
  while (true) {
    while (position_ < buffer_.size() && (buffer_[position_] == '\r' || buffer_[position_] == '\n')) {
      ++position_;
    }
    if (position_ < buffer_.size()) break;
    const Fill fill = FillBuffer();
    if (fill == Fill::kStopped) return WarcEvent::kStopped;
    if (fill == Fill::kError) return Fail(WarcEvent::kError);
    if (fill == Fill::kEnd) return WarcEvent::kEnd;
    if (skipped_gzip()) return WarcEvent::kMalformed;
  }

  // The version line first: anything else is not a record, whatever follows it.
  const int64_t record_start = buffer_stream_offset_ + static_cast<int64_t>(position_);
  auto fill_or_stop = [&](WarcEvent* event) -> bool {  // true: go on looking
    const size_t kept = position_;
    const Fill fill = FillBuffer();
    search_shift_ = kept - position_;  // the buffer may have moved
    if (fill == Fill::kStopped) *event = WarcEvent::kStopped;
    if (fill == Fill::kError) *event = Fail(WarcEvent::kError);
    if (fill == Fill::kMore && skipped_gzip()) *event = WarcEvent::kMalformed;
    if (fill == Fill::kEnd) {
      problem_ = "the file ends inside a record header";
      problem_offset_ = PositionOf(record_start).offset;
      *event = Fail(WarcEvent::kTruncated);
    }
    return fill == Fill::kMore && *event == WarcEvent::kRecord;
  };
  WarcEvent event = WarcEvent::kRecord;
  size_t version_end = buffer_.find('\n', position_);
  while (version_end == std::string::npos) {
    if (buffer_.size() - position_ > kMaxHeaderBytes) break;
    if (!fill_or_stop(&event)) {
      if (event == WarcEvent::kTruncated && buffer_.size() - position_ < 8 &&
          !StartsWith("WARC/", std::string_view(buffer_).substr(position_))) {
        problem_.clear();  // a few stray bytes at the end, not a record
        return WarcEvent::kEnd;
      }
      return event;
    }
    version_end = buffer_.find('\n', position_);
  }
  const std::string_view first_line = StripTrailingWhitespace(std::string_view(buffer_).substr(
      position_, (version_end == std::string::npos ? buffer_.size() : version_end) - position_));
  if (!StartsWith(first_line, "WARC/")) {
    return Malformed(absl::StrCat("not a WARC record (expected a WARC/1.x line, got '",
                                  std::string(first_line.substr(0, 40)), "')"),
                     record_start);
  }

  // Then the fields, up to an empty line.
  size_t header_end = std::string::npos;
  size_t search_from = version_end;
  while (true) {
    const size_t crlf = buffer_.find("\r\n\r\n", search_from);
    const size_t lf = buffer_.find("\n\n", search_from);
    if (crlf != std::string::npos || lf != std::string::npos) {
      header_end = std::min(crlf == std::string::npos ? lf + 2 : crlf + 4,
                            lf == std::string::npos ? crlf + 4 : lf + 2);
      break;
    }
    if (buffer_.size() - position_ > kMaxHeaderBytes) {
      return Malformed("record header longer than 64 KiB", record_start);
    }
    search_from = buffer_.size() >= 3 ? buffer_.size() - 3 : 0;
    if (!fill_or_stop(&event)) return event;
    search_from -= std::min(search_from, search_shift_);
  }
  std::string_view head(buffer_.data() + position_, header_end - position_);
  size_t line_end = head.find('\n');
  std::string_view version = StripTrailingWhitespace(head.substr(0, line_end));
  if (!StartsWith(version, "WARC/")) {
    return Malformed(absl::StrCat("not a WARC record (expected a WARC/1.x line, got '",
                                  std::string(version.substr(0, 40)), "')"),
                     record_start);
  }
  header->version = std::string(version);
  header->position = PositionOf(record_start);
  head.remove_prefix(line_end + 1);
  while (!head.empty()) {
    line_end = head.find('\n');
    std::string_view line = head.substr(0, line_end);
    head.remove_prefix(line_end == std::string_view::npos ? head.size() : line_end + 1);
    line = StripTrailingWhitespace(line);
    if (line.empty()) break;
    if ((line[0] == ' ' || line[0] == '\t') && !header->fields.empty()) {
      header->fields.back().second.append(" ").append(StripWhitespace(line));
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // tolerated, as warcio does
    header->fields.emplace_back(std::string(StripWhitespace(line.substr(0, colon))),
                                std::string(StripWhitespace(line.substr(colon + 1))));
  }
  if (!ParseInt(header->Field("Content-Length"), &header->content_length)) {
    return Malformed("record without a valid Content-Length", record_start);
  }
  position_ = header_end;

  // The block: kept whole up to the limit, else skipped unread.
  const bool keep = static_cast<uint64_t>(header->content_length) <= options_.max_block_bytes;
  if (keep) block->reserve(static_cast<size_t>(header->content_length));
  int64_t left = header->content_length;
  while (left > 0) {
    if (position_ == buffer_.size()) {
      const Fill fill = FillBuffer();
      if (fill == Fill::kStopped) return WarcEvent::kStopped;
      if (fill == Fill::kError) return Fail(WarcEvent::kError);
      if (skipped_gzip()) return WarcEvent::kMalformed;
      if (fill == Fill::kEnd) {
        problem_ = absl::StrCat("the file ends inside a record (", left, " of ",
                                header->content_length, " bytes missing)");
        problem_offset_ = header->position.offset;
        return Fail(WarcEvent::kTruncated);
      }
    }
    const size_t n = std::min<size_t>(static_cast<size_t>(left), buffer_.size() - position_);
    if (keep) block->append(buffer_, position_, n);
    position_ += n;
    left -= static_cast<int64_t>(n);
  }
  // The record ends with two line breaks; blank lines are skipped before the next anyway.
  return keep ? WarcEvent::kRecord : WarcEvent::kTooLarge;
}

// ---------------------------------------------------------------------------------------

std::string_view HttpResponseMessage::Header(std::string_view name) const {
  return FieldOf(headers, name);
}

namespace {

bool Dechunk(std::string_view body, std::string* out, std::string* problem) {
  out->clear();
  size_t at = 0;
  while (true) {
    const size_t line_end = body.find('\n', at);
    if (line_end == std::string_view::npos) {
      *problem = "chunked body ends inside a chunk size line";
      return false;
    }
    std::string_view size_text = body.substr(at, line_end - at);
    size_text = size_text.substr(0, size_text.find(';'));  // chunk extensions
    size_text = StripWhitespace(size_text);
    uint64_t size = 0;
    const auto [end, error] =
        std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (error != std::errc() || end != size_text.data() + size_text.size()) {
      *problem = absl::StrCat("bad chunk size '", std::string(size_text.substr(0, 20)), "'");
      return false;
    }
    at = line_end + 1;
    if (size == 0) return true;  // trailers, if any, are ignored
    if (size > body.size() - at) {
      *problem = "chunked body ends inside a chunk";
      return false;
    }
    out->append(body.substr(at, size));
    at += size;
    if (at < body.size() && body[at] == '\r') ++at;
    if (at < body.size() && body[at] == '\n') ++at;
  }
}

}  // namespace

bool ParseHttpResponse(std::string block, size_t max_body_bytes, HttpResponseMessage* message,
                       std::string* problem) {
  message->headers.clear();
  message->body.clear();
  message->status = 0;
  size_t head_end = block.find("\r\n\r\n");
  size_t body_start = head_end == std::string::npos ? std::string::npos : head_end + 4;
  const size_t lf = block.find("\n\n");
  if (lf != std::string::npos && (head_end == std::string::npos || lf < head_end)) {
    head_end = lf;
    body_start = lf + 2;
  }
  if (head_end == std::string::npos) {
    // A response whose head fills the block: no body.
    head_end = block.size();
    body_start = block.size();
  }
  std::string_view head(block.data(), head_end);
  size_t line_end = head.find('\n');
  std::string_view status_line = StripTrailingWhitespace(head.substr(0, line_end));
  if (!StartsWith(status_line, "HTTP/")) {
    *problem = absl::StrCat("not an HTTP response (status line '",
                            std::string(status_line.substr(0, 40)), "')");
    return false;
  }
  const size_t space = status_line.find(' ');
  int64_t status = 0;
  if (space == std::string_view::npos ||
      !ParseInt(status_line.substr(space + 1, 3), &status) || status < 100 || status > 999) {
    *problem = absl::StrCat("bad HTTP status line '", std::string(status_line.substr(0, 40)), "'");
    return false;
  }
  message->status = static_cast<int>(status);
  head.remove_prefix(line_end == std::string_view::npos ? head.size() : line_end + 1);
  while (!head.empty()) {
    line_end = head.find('\n');
    std::string_view line = StripTrailingWhitespace(head.substr(0, line_end));
    head.remove_prefix(line_end == std::string_view::npos ? head.size() : line_end + 1);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    message->headers.emplace_back(std::string(StripWhitespace(line.substr(0, colon))),
                                  std::string(StripWhitespace(line.substr(colon + 1))));
  }
  std::string_view body = std::string_view(block).substr(std::min(body_start, block.size()));
  std::string decoded;
  if (ContainsIgnoreCase(message->Header("Transfer-Encoding"), "chunked")) {
    // Crawlers often store the payload already de-chunked but keep the header: only a body
    // that parses as chunks is de-chunked.
    std::string chunk_problem;
    if (Dechunk(body, &decoded, &chunk_problem)) {
      block.assign(decoded);
      body = block;
    }
  }
  const std::string encoding = AsciiLower(message->Header("Content-Encoding"));
  const bool compressed_looking =
      body.size() >= 2 && ((static_cast<unsigned char>(body[0]) == 0x1F &&
                            static_cast<unsigned char>(body[1]) == 0x8B) ||
                           encoding == "deflate");
  if ((encoding == "gzip" || encoding == "x-gzip" || encoding == "deflate") && compressed_looking) {
    if (!InflateAll(body, max_body_bytes, &decoded, problem)) return false;
    message->body = std::move(decoded);
  } else {
    if (body.size() > max_body_bytes) {
      *problem = absl::StrCat("body larger than ", max_body_bytes, " bytes");
      return false;
    }
    message->body = std::string(body);
  }
  return true;
}

}  // namespace newsflow::ingest
