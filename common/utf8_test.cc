#include "common/utf8.h"

#include <gtest/gtest.h>

#include <random>

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

TEST(Utf8, RandomBytesLookBinary) {
  std::mt19937 random(7);
  std::string bytes(64 * 1024, '\0');
  for (char& c : bytes) c = static_cast<char>(random() & 0xFF);
  EXPECT_TRUE(LooksBinary(bytes));
  EXPECT_GT(CountGarbage(bytes).share(), 0.4);
}

TEST(Utf8, TextWithAFewBrokenCharactersIsStillText) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "Le pr\xE9sident a parl\xE9 hier soir \xE0 Paris. ";
  // Three broken characters in every 45: about 7%.
  EXPECT_FALSE(LooksBinary(text));
  EXPECT_FALSE(LooksBinary("short \x01\x02 text"));  // too few to judge
}

TEST(Utf8, Utf16ReadAsBytesLooksBinary) {
  std::string utf16;
  for (char c : std::string(200, 'a')) {
    utf16.push_back(c);
    utf16.push_back('\0');
  }
  EXPECT_TRUE(LooksBinary(utf16));
}

TEST(Utf8, EscapeForTerminalKeepsALineOneLine) {
  EXPECT_EQ(EscapeForTerminal("story\nERROR forged line"), "story\\nERROR forged line");
  EXPECT_EQ(EscapeForTerminal("a\x1b[31mred\tb\\c"), "a\\x1b[31mred\\tb\\\\c");
  EXPECT_EQ(EscapeForTerminal("caf\xE9 “ok”"), "caf\xEF\xBF\xBD “ok”");
}

}  // namespace
}  // namespace newsflow
