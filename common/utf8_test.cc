#include "common/utf8.h"

#include <gtest/gtest.h>

namespace newsflow {
namespace {

TEST(Utf8, LeavesValidTextUntouched) {
  std::string text = "Kyiv’s allies — “progress”";
  EXPECT_EQ(RepairUtf8(&text), 0);
  EXPECT_EQ(text, "Kyiv’s allies — “progress”");
}

TEST(Utf8, ReplacesEachInvalidByteWithReplacementCharacter) {
  std::string text = "caf\xE9 au lait \xFF";  // latin-1 é and a stray 0xFF
  EXPECT_FALSE(IsValidUtf8(text));
  EXPECT_EQ(RepairUtf8(&text), 2);
  EXPECT_EQ(text, "caf\xEF\xBF\xBD au lait \xEF\xBF\xBD");
  EXPECT_TRUE(IsValidUtf8(text));
}

TEST(Utf8, RejectsTruncatedSequenceAtEnd) {
  std::string text = "abc\xE2\x80";
  EXPECT_EQ(RepairUtf8(&text), 2);
  EXPECT_TRUE(IsValidUtf8(text));
}

TEST(Utf8, RejectsOverlongEncoding) {
  std::string text = "\xC0\xAF";
  EXPECT_FALSE(IsValidUtf8(text));
}

}  // namespace
}  // namespace newsflow
