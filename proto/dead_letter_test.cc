#include "proto/dead_letter.h"

#include <string>

#include <gtest/gtest.h>

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

TEST(DeadLetter, TruncatesHugeOriginalButKeepsItsSize) {
  const std::string huge(kMaxDeadLetterOriginalBytes + 100, 'x');
  v1::DeadLetter letter = MakeDeadLetter(huge, "read", v1::DeadLetter::TOO_LARGE, "too big", {});
  EXPECT_EQ(letter.original().size(), kMaxDeadLetterOriginalBytes);
  EXPECT_EQ(letter.original_size(), static_cast<int64_t>(huge.size()));
}

}  // namespace
}  // namespace newsflow
