#include "common/utf8.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include <utf8proc.h>

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

// CountGarbage's eight-byte steps count what a character-by-character reading counts: random
// mixes of printable ASCII, line ends, controls, DEL, UTF-8 (valid and cut short), C1 and
// U+FFFD, around the block edges.
TEST(Utf8, CountGarbageCountsAsACharacterByCharacterReading) {
  const std::vector<std::string> pieces = {"a", "word ", "0123456789abcdefg", "\n", "\t", "\r",
                                           "\x01", "\x7F", "\xC3\xA9", "\xE2\x80\x9C",
                                           "\xF0\x9F\x98\x80", "\xC2\x85", "\xEF\xBF\xBD",
                                           "\xC3", "\xFF", " "};
  std::mt19937 random(11);
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const int count = static_cast<int>(random() % 30);
    for (int k = 0; k < count; ++k) text += pieces[random() % pieces.size()];
    GarbageCount expected;
    for (size_t i = 0; i < text.size();) {
      const unsigned char c = static_cast<unsigned char>(text[i]);
      ++expected.code_points;
      if (c < 0x80) {
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) ++expected.garbage;
        ++i;
        continue;
      }
      utf8proc_int32_t cp = 0;
      const utf8proc_ssize_t n =
          utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + i),
                           static_cast<utf8proc_ssize_t>(text.size() - i), &cp);
      if (n <= 0) {
        ++expected.garbage;
        ++i;
        continue;
      }
      if (cp == 0xFFFD || (cp >= 0x80 && cp < 0xA0)) ++expected.garbage;
      i += static_cast<size_t>(n);
    }
    const GarbageCount got = CountGarbage(text);
    ASSERT_EQ(got.code_points, expected.code_points) << text;
    ASSERT_EQ(got.garbage, expected.garbage) << text;
  }
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
