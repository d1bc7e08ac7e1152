#include "producers/input_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "common/sha256.h"

namespace newsflow::producers {
namespace {

InputStream FromString(const std::string& bytes, const std::atomic<bool>* stop = nullptr) {
  return InputStream(std::make_unique<StringSource>(bytes), stop);
}

TEST(InputStream, ReadsLinesWithoutTheirEnds) {
  InputStream in = FromString("one\r\ntwo\n\nlast");
  Chunk line;
  ASSERT_EQ(in.ReadLine(100, &line), ReadStatus::kOk);
  EXPECT_EQ(line.bytes, "one");
  ASSERT_EQ(in.ReadLine(100, &line), ReadStatus::kOk);
  EXPECT_EQ(line.bytes, "two");
  ASSERT_EQ(in.ReadLine(100, &line), ReadStatus::kOk);
  EXPECT_EQ(line.bytes, "");
  ASSERT_EQ(in.ReadLine(100, &line), ReadStatus::kOk);
  EXPECT_EQ(line.bytes, "last");
  EXPECT_EQ(in.line_number(), 4);
  EXPECT_EQ(in.ReadLine(100, &line), ReadStatus::kEnd);
}

TEST(InputStream, CutsALongLineKeepsItsStartSizeAndHashAndGoesOnAfterIt) {
  const std::string long_line(300000, 'x');
  InputStream in = FromString(long_line + "\nnext\n");
  Chunk line;
  ASSERT_EQ(in.ReadLine(1000, &line), ReadStatus::kTooLong);
  EXPECT_EQ(line.bytes, std::string(1000, 'x'));
  EXPECT_EQ(line.size, 300000);
  EXPECT_EQ(line.sha256, Sha256Hex(long_line));
  ASSERT_EQ(in.ReadLine(1000, &line), ReadStatus::kOk);
  EXPECT_EQ(line.bytes, "next");
  EXPECT_EQ(in.line_number(), 2);
}

TEST(InputStream, StopsReadingAnEndlessStreamAtTheLimit) {
  // /dev/zero never ends and has no line ends: memory stays at the limit.
  const int fd = ::open("/dev/zero", O_RDONLY);
  ASSERT_GE(fd, 0);
  InputStream in(std::make_unique<FdSource>(fd, true), nullptr);
  Chunk all;
  ASSERT_EQ(in.ReadAll(1 << 20, &all), ReadStatus::kTooLong);
  EXPECT_EQ(all.bytes.size(), 1u << 20);
  EXPECT_TRUE(all.sha256.empty());  // not read to its end
}

TEST(InputStream, StopFlagEndsAnEndlessLine) {
  std::atomic<bool> stop{false};
  const int fd = ::open("/dev/zero", O_RDONLY);
  ASSERT_GE(fd, 0);
  InputStream in(std::make_unique<FdSource>(fd, true), &stop);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop.store(true);
  });
  Chunk line;
  EXPECT_EQ(in.ReadLine(1 << 20, &line), ReadStatus::kStopped);
  stopper.join();
  EXPECT_LE(line.bytes.size(), 1u << 20);
}

TEST(InputStream, WholeRegularFileOverTheLimitIsHashedToItsEnd) {
  char path[] = "/tmp/newsflow-input-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string content(5000, 'a');
  ASSERT_EQ(write(fd, content.data(), content.size()), 5000);
  lseek(fd, 0, SEEK_SET);
  InputStream in(std::make_unique<FdSource>(fd, true), nullptr);
  Chunk all;
  ASSERT_EQ(in.ReadAll(100, &all), ReadStatus::kTooLong);
  EXPECT_EQ(all.size, 5000);
  EXPECT_EQ(all.sha256, Sha256Hex(content));
  unlink(path);
}

std::string Utf16(const std::u16string& text, bool little_endian, bool bom) {
  std::string bytes = bom ? (little_endian ? "\xFF\xFE" : "\xFE\xFF") : "";
  for (char16_t c : text) {
    const char hi = static_cast<char>(c >> 8), lo = static_cast<char>(c & 0xFF);
    bytes.push_back(little_endian ? lo : hi);
    bytes.push_back(little_endian ? hi : lo);
  }
  return bytes;
}

TEST(InputStream, RecognisesUtf16WithoutAByteOrderMark) {
  const std::u16string text = u"{\"id\": \"a\", \"body\": \"Stra\u00DFe and more text\"}\n";
  for (bool little : {true, false}) {
    InputStream in = FromString(Utf16(text, little, /*bom=*/false));
    EXPECT_EQ(in.DetectEncoding(), little ? "utf-16le" : "utf-16be");
    Chunk line;
    ASSERT_EQ(in.ReadLine(1000, &line), ReadStatus::kOk);
    EXPECT_EQ(line.bytes, "{\"id\": \"a\", \"body\": \"Stra\u00DFe and more text\"}");
  }
}

TEST(InputStream, DecodesSurrogatePairsAcrossReadsAndReplacesLoneOnes) {
  std::u16string text(40000, u'a');  // longer than one read: pairs straddle buffer ends
  text += u"\U0001F600";
  text += static_cast<char16_t>(0xD800);  // lone high surrogate at the end
  InputStream in = FromString(Utf16(text, true, true));
  EXPECT_EQ(in.DetectEncoding(), "utf-16le");
  Chunk all;
  ASSERT_EQ(in.ReadAll(1 << 20, &all), ReadStatus::kOk);
  EXPECT_EQ(all.bytes, std::string(40000, 'a') + "\U0001F600" + "\xEF\xBF\xBD");
}

TEST(InputStream, DropsAUtf8ByteOrderMarkAndLeavesUtf8Alone) {
  InputStream in = FromString("\xEF\xBB\xBFplain text");
  EXPECT_EQ(in.DetectEncoding(), "utf-8");
  Chunk all;
  ASSERT_EQ(in.ReadAll(100, &all), ReadStatus::kOk);
  EXPECT_EQ(all.bytes, "plain text");
}

}  // namespace
}  // namespace newsflow::producers
