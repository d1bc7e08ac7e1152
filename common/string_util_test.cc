#include "common/string_util.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace newsflow {
namespace {

// Contains answers what string_view::find answers: random texts over a small alphabet (so that
// needles, their first and last bytes and near misses occur) of 0 to 60 bytes, around the
// sixteen-position blocks, with needles of 0 to 20 bytes.
TEST(Contains, AnswersWhatFindAnswers) {
  std::mt19937 random(3);
  const std::string alphabet = "abt \xC3\xA9";
  for (int round = 0; round < 50000; ++round) {
    std::string text;
    const size_t length = random() % 61;
    for (size_t k = 0; k < length; ++k) text += alphabet[random() % alphabet.size()];
    std::string needle;
    if (random() % 2 == 0 && !text.empty()) {  // a piece of the text, often at its ends
      const size_t at = random() % text.size();
      needle = text.substr(at, random() % 21);
    } else {
      const size_t n = random() % 8;
      for (size_t k = 0; k < n; ++k) needle += alphabet[random() % alphabet.size()];
    }
    ASSERT_EQ(Contains(text, needle), text.find(needle) != std::string::npos)
        << "text '" << text << "' needle '" << needle << "'";
  }
  EXPECT_TRUE(Contains("Enlarge this image toggle caption Jane Doe/NPR", "toggle caption"));
  EXPECT_FALSE(Contains("toggle captio", "toggle caption"));
}

}  // namespace
}  // namespace newsflow
