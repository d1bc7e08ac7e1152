#include "proto/dead_letter.h"

#include <string>

#include <gtest/gtest.h>

#include "common/sha256.h"

namespace newsflow {
namespace {

TEST(DeadLetter, KeepsOriginReasonAndOriginalBytes) {
  RecordOrigin origin;
  origin.input = "feed.jsonl";
  origin.line = 7;
  v1::DeadLetter letter =
      MakeDeadLetter("{\"id\": 1,", "produce", v1::DeadLetter::MALFORMED_INPUT, "bad JSON", origin);
  EXPECT_EQ(letter.original(), "{\"id\": 1,");
  EXPECT_EQ(letter.original_size(), 9);
  EXPECT_EQ(letter.stage(), "produce");
  EXPECT_EQ(letter.reason(), v1::DeadLetter::MALFORMED_INPUT);
  EXPECT_EQ(letter.input(), "feed.jsonl");
  EXPECT_EQ(letter.line(), 7);
  EXPECT_GT(letter.failed_at_ms(), 0);
}

TEST(DeadLetter, TruncatesHugeOriginalButKeepsItsSizeAndHash) {
  const std::string huge(kMaxDeadLetterOriginalBytes + 100, 'x');
  v1::DeadLetter letter = MakeDeadLetter(huge, "read", v1::DeadLetter::TOO_LARGE, "too big", {});
  EXPECT_EQ(letter.original().size(), kMaxDeadLetterOriginalBytes);
  EXPECT_EQ(letter.original_size(), static_cast<int64_t>(huge.size()));
  EXPECT_TRUE(letter.original_truncated());
  EXPECT_EQ(letter.original_sha256(), Sha256Hex(huge));
}

TEST(DeadLetter, WholeOriginalIsNotMarkedTruncated) {
  v1::DeadLetter letter = MakeDeadLetter("abc", "read", v1::DeadLetter::MALFORMED_INPUT, "x", {});
  EXPECT_FALSE(letter.original_truncated());
  EXPECT_EQ(letter.original_sha256(), Sha256Hex("abc"));
}

TEST(DeadLetter, AnExcerptWithoutTheWholeHasNoHashUnlessGiven) {
  OriginalBytes excerpt;
  excerpt.bytes = "first bytes";
  excerpt.size = 1000000;
  v1::DeadLetter letter =
      MakeDeadLetter(excerpt, "read", v1::DeadLetter::TOO_LARGE, "line too long", {});
  EXPECT_TRUE(letter.original_truncated());
  EXPECT_EQ(letter.original_size(), 1000000);
  EXPECT_EQ(letter.original_sha256(), "");
  excerpt.sha256 = "00ff";
  EXPECT_EQ(MakeDeadLetter(excerpt, "read", v1::DeadLetter::TOO_LARGE, "x", {}).original_sha256(),
            "00ff");
}

// A JSON parser's message quotes the bytes it stopped at, which can end inside a multi-byte
// sequence; proto3 strings must be valid UTF-8 or strict decoders reject the whole record.
TEST(DeadLetter, MessageQuotingACutUtf8SequenceStillDecodes) {
  RecordOrigin origin;
  origin.input = "feed\xFF.jsonl";
  v1::DeadLetter letter = MakeDeadLetter(
      "\xE2\x80", "produce", v1::DeadLetter::MALFORMED_INPUT,
      "parse error: syntax error; last read: '\xE2\x80'", origin);
  std::string wire;
  ASSERT_TRUE(letter.SerializeToString(&wire));
  v1::DeadLetter decoded;
  ASSERT_TRUE(decoded.ParseFromString(wire));
  EXPECT_EQ(decoded.original(), "\xE2\x80");  // bytes stay as they were
  EXPECT_EQ(decoded.message(), "parse error: syntax error; last read: '\xEF\xBF\xBD\xEF\xBF\xBD'");
  EXPECT_EQ(decoded.input(), "feed\xEF\xBF\xBD.jsonl");
}

TEST(DeadLetter, FitsUnderARecordLimitByCuttingTheOriginal) {
  std::string random(1 << 20, '\0');
  uint32_t state = 1;
  for (char& c : random) c = static_cast<char>((state = state * 1664525u + 1013904223u) >> 24);
  RecordOrigin origin;
  origin.topic = "news.raw";
  origin.offset = 42;
  v1::DeadLetter letter =
      MakeDeadLetter(random, "decode", v1::DeadLetter::TOO_LARGE, "too large", origin);
  ASSERT_GT(letter.ByteSizeLong(), 1000000u);
  ASSERT_TRUE(FitDeadLetter(&letter, 1000000));
  EXPECT_LE(letter.ByteSizeLong(), 1000000u);
  EXPECT_GT(letter.ByteSizeLong(), 999000u);  // as much of the original as fits
  EXPECT_TRUE(letter.original_truncated());
  EXPECT_EQ(letter.original_size(), 1 << 20);
  EXPECT_EQ(letter.original_sha256(), Sha256Hex(random));
  EXPECT_EQ(letter.original(), random.substr(0, letter.original().size()));
}

TEST(DeadLetter, ReportsWhenNothingCanMakeItFit) {
  v1::DeadLetter letter = MakeDeadLetter("abc", "decode", v1::DeadLetter::TOO_LARGE,
                                         std::string(500, 'm'), {});
  EXPECT_FALSE(FitDeadLetter(&letter, 100));
}

}  // namespace
}  // namespace newsflow
