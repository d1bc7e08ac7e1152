#include "ingest/gzip_reader.h"

#include <isa-l/igzip_lib.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace newsflow::ingest {
namespace {

constexpr size_t kInputCapacity = 256 * 1024;

bool IsGzipMagic(const char* p) {
  return static_cast<unsigned char>(p[0]) == 0x1F && static_cast<unsigned char>(p[1]) == 0x8B &&
         static_cast<unsigned char>(p[2]) == 0x08;
}

}  // namespace

absl::Status ParseInflater(const std::string& name, Inflater* inflater) {
  if (name == "zlib") {
    *inflater = Inflater::kZlib;
  } else if (name == "isal") {
    *inflater = Inflater::kIsal;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown inflater '", name, "' (expected zlib or isal)"));
  }
  return absl::OkStatus();
}

struct DecompressingReader::ZlibState {
  z_stream stream = {};
  bool initialized = false;
  ~ZlibState() {
    if (initialized) inflateEnd(&stream);
  }
};

struct DecompressingReader::IsalState {
  inflate_state state;
};

DecompressingReader::DecompressingReader(ByteSource* source, Inflater inflater,
                                         int64_t start_offset)
    : source_(source),
      inflater_(inflater),
      buffer_offset_(start_offset),
      member_offset_(start_offset) {
  input_.resize(kInputCapacity);
}

DecompressingReader::~DecompressingReader() = default;

std::string DecompressingReader::TakeProblem() {
  std::string problem;
  problem.swap(problem_);
  return problem;
}

bool DecompressingReader::FillInput() {
  if (input_done_) return false;
  if (in_pos_ > 0) {
    std::memmove(input_.data(), input_.data() + in_pos_, in_end_ - in_pos_);
    buffer_offset_ += static_cast<int64_t>(in_pos_);
    in_end_ -= in_pos_;
    in_pos_ = 0;
  }
  if (in_end_ == input_.size()) return true;  // full already
  const ptrdiff_t n = source_->Read(input_.data() + in_end_, input_.size() - in_end_);
  if (n > 0) {
    in_end_ += static_cast<size_t>(n);
    return true;
  }
  if (n < 0) {
    if (errno == EINTR) return false;  // the caller looks at its stop flag and calls again
    error_ = absl::DataLossError(absl::StrCat("read error: ", std::strerror(errno)));
  }
  input_done_ = true;
  return false;
}

ptrdiff_t DecompressingReader::Read(char* out, size_t size, Position* where) {
  if (!error_.ok()) return -1;
  if (!sniffed_) {
    while (in_end_ - in_pos_ < 3 && FillInput()) {
    }
    if (!error_.ok()) return -1;
    if (in_end_ - in_pos_ < 3 && !input_done_) return -1;  // interrupted; errno is EINTR
    sniffed_ = true;
    gzip_ = in_end_ - in_pos_ >= 3 && IsGzipMagic(input_.data() + in_pos_);
  }
  return gzip_ ? ReadGzip(out, size, where) : ReadPlain(out, size, where);
}

ptrdiff_t DecompressingReader::ReadPlain(char* out, size_t size, Position* where) {
  if (in_pos_ == in_end_ && !FillInput()) {
    if (!error_.ok()) return -1;
    if (!input_done_) return -1;  // interrupted
    return 0;
  }
  const size_t n = std::min(size, in_end_ - in_pos_);
  where->offset = buffer_offset_ + static_cast<int64_t>(in_pos_);
  where->inner = 0;
  std::memcpy(out, input_.data() + in_pos_, n);
  in_pos_ += n;
  return static_cast<ptrdiff_t>(n);
}

bool DecompressingReader::StartMember() {
  while (in_end_ - in_pos_ < 3 && FillInput()) {
  }
  if (in_end_ - in_pos_ < 3 || !IsGzipMagic(input_.data() + in_pos_)) return false;
  member_offset_ = buffer_offset_ + static_cast<int64_t>(in_pos_);
  member_inner_ = 0;
  if (inflater_ == Inflater::kZlib) {
    if (zlib_ == nullptr) {
      zlib_ = std::make_unique<ZlibState>();
      inflateInit2(&zlib_->stream, 16 + MAX_WBITS);  // gzip wrapper only
      zlib_->initialized = true;
    } else {
      inflateReset(&zlib_->stream);
    }
  } else {
    if (isal_ == nullptr) isal_ = std::make_unique<IsalState>();
    isal_inflate_init(&isal_->state);
    isal_->state.crc_flag = ISAL_GZIP;
  }
  in_member_ = true;
  return true;
}

void DecompressingReader::SkipToNextMember(const std::string& why) {
  if (problem_.empty()) {
    problem_ = why;
    problem_offset_ = in_member_ ? member_offset_ : buffer_offset_ + static_cast<int64_t>(in_pos_);
  }
  // Look for the next gzip header after the start of the bad member (an inflater may have
  // taken input beyond the point where it noticed the damage).
  size_t from = in_pos_ + 1;
  if (in_member_) {
    from = member_offset_ >= buffer_offset_
               ? static_cast<size_t>(member_offset_ - buffer_offset_) + 1
               : 0;
  }
  in_member_ = false;
  while (true) {
    for (size_t i = from; i + 3 <= in_end_; ++i) {
      if (IsGzipMagic(input_.data() + i)) {
        in_pos_ = i;
        return;
      }
    }
    // Keep the last two bytes: a header may straddle the refill.
    in_pos_ = in_end_ >= 2 ? in_end_ - 2 : in_end_;
    from = 0;
    if (!FillInput()) {
      in_pos_ = in_end_;
      return;
    }
  }
}

ptrdiff_t DecompressingReader::ReadGzip(char* out, size_t size, Position* where) {
  size_t produced = 0;
  while (produced == 0) {
    if (!in_member_) {
      if (in_pos_ == in_end_ && !FillInput()) {
        if (!error_.ok()) return -1;
        return input_done_ ? 0 : -1;
      }
      if (!StartMember()) {
        if (in_end_ - in_pos_ == 0) return input_done_ ? 0 : -1;
        const bool zeros = std::all_of(input_.data() + in_pos_, input_.data() + in_end_,
                                       [](char c) { return c == 0; });
        if (input_done_ && zeros) {  // padding after the last member
          in_pos_ = in_end_;
          return 0;
        }
        SkipToNextMember("data that is not a gzip member skipped");
        continue;
      }
    }
    if (in_pos_ == in_end_ && !FillInput()) {
      if (!error_.ok()) return -1;
      if (!input_done_) return -1;  // interrupted
      truncated_ = true;  // the input ended inside this member
      in_member_ = false;
      return 0;
    }
    bool member_end = false;
    bool corrupt = false;
    const size_t available = in_end_ - in_pos_;
    if (inflater_ == Inflater::kZlib) {
      z_stream& z = zlib_->stream;
      z.next_in = reinterpret_cast<Bytef*>(input_.data() + in_pos_);
      z.avail_in = static_cast<uInt>(available);
      z.next_out = reinterpret_cast<Bytef*>(out);
      z.avail_out = static_cast<uInt>(size);
      const int result = inflate(&z, Z_NO_FLUSH);
      in_pos_ += available - z.avail_in;
      produced = size - z.avail_out;
      member_end = result == Z_STREAM_END;
      corrupt = result == Z_DATA_ERROR || result == Z_NEED_DICT || result == Z_MEM_ERROR ||
                result == Z_STREAM_ERROR;
    } else {
      inflate_state& s = isal_->state;
      s.next_in = reinterpret_cast<uint8_t*>(input_.data() + in_pos_);
      s.avail_in = static_cast<uint32_t>(available);
      s.next_out = reinterpret_cast<uint8_t*>(out);
      s.avail_out = static_cast<uint32_t>(size);
      const int result = isal_inflate(&s);
      produced = size - s.avail_out;
      member_end = s.block_state == ISAL_BLOCK_FINISH;
      corrupt = result < 0;
      // At the end of a member igzip may hold bytes of the next one in its bit buffer.
      const size_t unused = s.avail_in + (member_end ? static_cast<size_t>(s.read_in_length / 8) : 0);
      in_pos_ += available - unused;
    }
    if (corrupt) {
      SkipToNextMember("corrupt gzip data skipped");
      produced = 0;  // what came out of a corrupt member is not trusted
      continue;
    }
    if (member_end) in_member_ = false;  // the next Read starts the next member
  }
  where->offset = member_offset_;
  where->inner = member_inner_;
  member_inner_ += static_cast<int64_t>(produced);
  return static_cast<ptrdiff_t>(produced);
}

bool InflateAll(std::string_view data, size_t max_bytes, std::string* out, std::string* problem) {
  for (int window : {15 + 32, -15}) {  // gzip or zlib (detected), then raw deflate
    z_stream z = {};
    if (inflateInit2(&z, window) != Z_OK) break;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    out->clear();
    int result = Z_OK;
    char buffer[64 * 1024];
    while (result == Z_OK) {
      z.next_out = reinterpret_cast<Bytef*>(buffer);
      z.avail_out = sizeof(buffer);
      result = inflate(&z, Z_NO_FLUSH);
      out->append(buffer, sizeof(buffer) - z.avail_out);
      if (out->size() > max_bytes) {
        inflateEnd(&z);
        *problem = absl::StrCat("body larger than ", max_bytes, " bytes once decoded");
        return false;
      }
      if (result == Z_BUF_ERROR && z.avail_in == 0) break;  // truncated: keep what decoded
    }
    inflateEnd(&z);
    if (result == Z_STREAM_END || (result == Z_BUF_ERROR && !out->empty())) return true;
  }
  *problem = "body does not decode as its Content-Encoding says";
  return false;
}

}  // namespace newsflow::ingest
