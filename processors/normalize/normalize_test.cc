#include "processors/normalize/normalize.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#ifdef NEWSFLOW_HAVE_ZLIB
#include <zlib.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <utf8proc.h>

#include "common/status_matchers.h"
#include "common/utf8.h"
#include "processors/normalize/charset.h"
#include "processors/normalize/html_extract.h"
#include "processors/normalize/structure.h"
#include "processors/normalize/text.h"

namespace newsflow::normalize {
namespace {

using ::newsflow::testing::IsOk;
using ::newsflow::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

v1::RawArticle TextArticle(const std::string& body, const std::string& title = "A title") {
  v1::RawArticle raw;
  raw.set_id("test-1");
  raw.set_title(title);
  raw.set_body(body);
  return raw;
}

v1::RawArticle HtmlArticle(const std::string& html, const std::string& charset = "") {
  v1::RawArticle raw;
  raw.set_id("html-1");
  raw.set_html(html);
  raw.set_charset(charset);
  return raw;
}

NormalizedArticle MustNormalize(const v1::RawArticle& raw, NormalizeOptions options = {}) {
  Normalizer normalizer(options);
  absl::StatusOr<NormalizedArticle> result = normalizer.Normalize(raw);
  EXPECT_THAT(result, IsOk());
  return result.ok() ? *std::move(result) : NormalizedArticle();
}

const char kLongEnglish[] =
    "The city council voted on Tuesday to approve a new budget for public transport, "
    "after months of debate about fares, bus routes and the cost of maintaining the "
    "ageing tram network that carries thousands of commuters every day.";

// ---------------------------------------------------------------------------------------
// Seed article.

// The seed file minus what the producer splits off: header line and title.
std::string SeedBody(std::string* title) {
  const char* env = std::getenv("NEWSFLOW_SHARED_DATA");
  if (env == nullptr || !std::filesystem::is_directory(env)) return "";
  std::ifstream in(std::filesystem::path(env) / "seed" / "000_0e671241e7bca262.txt");
  if (!in) return "";
  std::string line;
  std::getline(in, line);  // "date 2026-01-07 ETV Bharat / international"
  while (std::getline(in, line) && line.empty()) {
  }
  *title = line;
  std::stringstream rest;
  rest << in.rdbuf();
  return rest.str();
}

TEST(Normalize, SplitsSeedCaptionFromBody) {
  std::string title;
  std::string body = SeedBody(&title);
  if (body.empty()) GTEST_SKIP() << "NEWSFLOW_SHARED_DATA/seed not available";
  v1::RawArticle raw = TextArticle(body, title);
  raw.set_published_at("2026-01-07");
  NormalizedArticle a = MustNormalize(raw);
  ASSERT_EQ(a.captions.size(), 1u);
  EXPECT_THAT(a.captions[0], AllOf(HasSubstr("Tuesday, Jan 6, 2026."), EndsWith("( AP )")));
  for (const std::string& p : a.paragraphs) EXPECT_THAT(p, Not(HasSubstr("( AP )")));
  EXPECT_EQ(a.title,
            "Ukraine's Allies Praise Major Progress On Defense Guarantees If A Peace Deal Is "
            "Struck With Russia");
  EXPECT_EQ(a.published_at, "2026-01-07T00:00:00Z");
  EXPECT_EQ(a.language, "en");
}

TEST(Normalize, SplitsSeedDatelineAndSubheadings) {
  std::string title;
  std::string body = SeedBody(&title);
  if (body.empty()) GTEST_SKIP() << "NEWSFLOW_SHARED_DATA/seed not available";
  NormalizedArticle a = MustNormalize(TextArticle(body, title));
  EXPECT_EQ(a.dateline.text, "Paris:");
  EXPECT_EQ(a.dateline.place, "Paris");
  EXPECT_EQ(a.dateline.agency, "");
  ASSERT_FALSE(a.paragraphs.empty());
  EXPECT_THAT(a.paragraphs[0], StartsWith("Ukraine\u2019s allies said they made major progress"));
  EXPECT_THAT(a.subheadings, ElementsAre("Details of the plan were not disclosed",
                                         "Zelenskyy agreed progress was made"));
  // 10 text paragraphs plus the 2 sub-headings, which stay in the body in place.
  EXPECT_EQ(a.paragraphs.size(), 12u);
  EXPECT_EQ(std::count(a.paragraphs.begin(), a.paragraphs.end(), a.subheadings[0]), 1);
  EXPECT_EQ(std::count(a.paragraphs.begin(), a.paragraphs.end(), a.subheadings[1]), 1);
  EXPECT_THAT(a.paragraphs.back(), StartsWith("\u201CWe determined what countries"));
  EXPECT_EQ(a.byline, "");
  EXPECT_EQ(a.word_count, internal::CountWords(a.Body()));
  EXPECT_GT(a.word_count, 400);
}

// The same structure in miniature, without the shared data.
TEST(Normalize, SplitsSeedLikeStructureInline) {
  const std::string body =
      "Leaders pose after the signing of the declaration at the Elysee Palace in Paris "
      "Tuesday, Jan 6, 2026. ( AP )\n\n"
      "Paris: Ukraine\u2019s allies said they made major progress Tuesday toward agreeing on "
      "how to defend the country if a peace deal is struck with Russia.\n\n"
      "Plans discussed at a key meeting in Paris included having the U.S. lead an effort to "
      "monitor any ceasefire.\n\n"
      "Details of the plan were not disclosed\n\n"
      "The size of the supporting forces was not made public, and many of the details of the "
      "plan remain unclear.\n\n"
      "Zelenskyy agreed progress was made\n\n"
      "Ukrainian President Volodymyr Zelenskyy agreed progress was made in the talks, although "
      "commitments need to be ratified by each country.\n";
  NormalizedArticle a = MustNormalize(TextArticle(body));
  ASSERT_EQ(a.captions.size(), 1u);
  EXPECT_THAT(a.captions[0], EndsWith("Tuesday, Jan 6, 2026. ( AP )"));
  EXPECT_EQ(a.dateline.text, "Paris:");
  EXPECT_EQ(a.dateline.place, "Paris");
  EXPECT_THAT(a.subheadings, ElementsAre("Details of the plan were not disclosed",
                                         "Zelenskyy agreed progress was made"));
  // Sub-headings are paragraphs of their own, in place, listed in `subheadings`.
  ASSERT_EQ(a.paragraphs.size(), 6u);
  EXPECT_THAT(a.paragraphs[0], StartsWith("Ukraine\u2019s allies said"));
  EXPECT_EQ(a.paragraphs[2], "Details of the plan were not disclosed");
  EXPECT_THAT(a.paragraphs[3], StartsWith("The size of the supporting forces"));
  EXPECT_EQ(a.paragraphs[4], "Zelenskyy agreed progress was made");
  EXPECT_THAT(a.Body(), HasSubstr("in Paris included having the U.S. lead an effort to "
                                  "monitor any ceasefire.\n\nDetails of the plan were not "
                                  "disclosed\n\nThe size"));
}

// ---------------------------------------------------------------------------------------
// Datelines.

struct DatelineCase {
  std::string paragraph;
  std::string text, place, agency, rest;
};

class DatelineTest : public ::testing::TestWithParam<DatelineCase> {};

TEST_P(DatelineTest, SplitsWireDateline) {
  const DatelineCase& c = GetParam();
  NormalizedArticle a = MustNormalize(TextArticle(c.paragraph + "\n\n" + kLongEnglish));
  EXPECT_EQ(a.dateline.text, c.text);
  EXPECT_EQ(a.dateline.place, c.place);
  EXPECT_EQ(a.dateline.agency, c.agency);
  ASSERT_FALSE(a.paragraphs.empty());
  EXPECT_EQ(a.paragraphs[0], c.rest);
}

INSTANTIATE_TEST_SUITE_P(
    Styles, DatelineTest,
    ::testing::Values(
        DatelineCase{"PARIS (AP) \u2014 Ukraine's allies said they made progress.", "PARIS (AP) \u2014",
                     "PARIS", "AP", "Ukraine's allies said they made progress."},
        DatelineCase{"WASHINGTON (Reuters) - The Senate passed the bill on Friday.",
                     "WASHINGTON (Reuters) -", "WASHINGTON", "Reuters",
                     "The Senate passed the bill on Friday."},
        DatelineCase{"WASHINGTON -- The Senate passed the bill on Friday.", "WASHINGTON --",
                     "WASHINGTON", "", "The Senate passed the bill on Friday."},
        DatelineCase{"BEIJING -- China on Friday said it opposes the launch.", "BEIJING --",
                     "BEIJING", "", "China on Friday said it opposes the launch."},
        DatelineCase{"SALVADOR, Feb 26 - Showers continued throughout the week.",
                     "SALVADOR, Feb 26 -", "SALVADOR", "", "Showers continued throughout the week."},
        DatelineCase{"LAKE FOREST, Ill. \u2014 Chicago Bears fire coach John Fox.",
                     "LAKE FOREST, Ill. \u2014", "LAKE FOREST, Ill.", "",
                     "Chicago Bears fire coach John Fox."},
        DatelineCase{"WASHINGTON, Jan 6 (Reuters) - Stocks rose on Tuesday.",
                     "WASHINGTON, Jan 6 (Reuters) -", "WASHINGTON", "Reuters",
                     "Stocks rose on Tuesday."},
        DatelineCase{"(CNN) In a major show of defiance, North Korea fired a missile.", "(CNN)", "",
                     "CNN", "In a major show of defiance, North Korea fired a missile."},
        DatelineCase{"New Delhi: The government announced new rules for drones on Monday.",
                     "New Delhi:", "New Delhi", "",
                     "The government announced new rules for drones on Monday."},
        // Reuters-21578: a dated wire dateline whatever follows it (a <Ticker>).
        DatelineCase{"NEW YORK, Feb 26 - <Parlux Fragrances Inc> said it bought a rival.",
                     "NEW YORK, Feb 26 -", "NEW YORK", "",
                     "<Parlux Fragrances Inc> said it bought a rival."}));

TEST(Normalize, OrdinarySentencesAreNotDatelines) {
  for (const std::string& first :
       {std::string("However, the council did not say when the vote would take place."),
        std::string("However: the council did not say when the vote would take place."),
        std::string("FILE - In this May 18, 2017 file photo, the actress poses for photographers."),
        std::string("NATO - the alliance said - will meet again next week in Brussels."),
        std::string("THIS is the dramatic moment North Korea launches its missile."),
        std::string("The U.S. \u2014 which has led the talks \u2014 said nothing."),
        std::string("Note: this story has been updated with a statement from the company."),
        std::string("International Coffee Organization (ICO) members failed to agree.")}) {
    NormalizedArticle a = MustNormalize(TextArticle(first + "\n\n" + kLongEnglish));
    EXPECT_EQ(a.dateline.text, "") << first;
  }
}

TEST(Normalize, WireCopyWithSlashesIsNotACreditLine) {
  NormalizedArticle a = MustNormalize(TextArticle(
      std::string(kLongEnglish) + "\n\nMarch/April shipment, traders said.\n\nMeat/Meal\n\n" +
      "Rotterdam/Karachi\n\nJae C. Hong/AP\n\n" + kLongEnglish));
  EXPECT_THAT(a.captions, ElementsAre("Jae C. Hong/AP"));
}

TEST(Normalize, UsesDatelineAttributeWhenTextHasNone) {
  v1::RawArticle raw = TextArticle("Showers continued throughout the week in the Bahia cocoa zone.");
  (*raw.mutable_attributes())["dateline"] = "SALVADOR, Feb 26 -";
  NormalizedArticle a = MustNormalize(raw);
  EXPECT_EQ(a.dateline.text, "SALVADOR, Feb 26 -");
  EXPECT_EQ(a.dateline.place, "SALVADOR");
  EXPECT_THAT(a.paragraphs[0], StartsWith("Showers continued"));
}

TEST(Normalize, FindsDatelineAfterShortHeaderLines) {
  NormalizedArticle a = MustNormalize(TextArticle(
      "China opposes DPRK's missile launch: FM spokesperson\n"
      "Xinhua | Updated: 2017-09-15 17:52\n"
      "BEIJING -- China on Friday said it opposes ballistic missile launches by the DPRK.\n"
      "Foreign Ministry spokesperson Hua Chunying made the remarks at a daily news briefing.",
      "China opposes DPRK's missile launch: FM spokesperson"));
  EXPECT_EQ(a.dateline.text, "BEIJING --");
  EXPECT_THAT(a.paragraphs, ElementsAre("Xinhua | Updated: 2017-09-15 17:52",
                                        StartsWith("China on Friday said"),
                                        StartsWith("Foreign Ministry spokesperson")));
}

// ---------------------------------------------------------------------------------------
// Bylines and captions.

TEST(Normalize, SplitsBylineParagraph) {
  NormalizedArticle a = MustNormalize(
      TextArticle("By Jane Doe\n\nPARIS (AP) \u2014 Leaders met on Tuesday.\n\n" +
                  std::string(kLongEnglish)));
  EXPECT_EQ(a.byline, "By Jane Doe");
  EXPECT_EQ(a.dateline.agency, "AP");
  EXPECT_EQ(a.paragraphs[0], "Leaders met on Tuesday.");
}

TEST(Normalize, SplitsBylineFirstLineWithAgency) {
  NormalizedArticle a = MustNormalize(TextArticle(
      "By JANE DOE, Associated Press\nWASHINGTON (AP) \u2014 The Senate passed the bill.\n\n" +
      std::string(kLongEnglish)));
  EXPECT_EQ(a.byline, "By JANE DOE, Associated Press");
  EXPECT_EQ(a.dateline.text, "WASHINGTON (AP) \u2014");
  EXPECT_EQ(a.paragraphs[0], "The Senate passed the bill.");
}

TEST(Normalize, SentenceStartingWithByIsNotAByline) {
  EXPECT_FALSE(internal::LooksLikeByline("By contrast, the city spent less."));
  EXPECT_FALSE(internal::LooksLikeByline("By Tuesday, Officials Had Left"));
  EXPECT_FALSE(internal::LooksLikeByline("By 2030, the city will be carbon neutral."));
  EXPECT_TRUE(internal::LooksLikeByline("By Jane Doe and John Roe"));
  EXPECT_TRUE(internal::LooksLikeByline("By The Associated Press"));
  NormalizedArticle a = MustNormalize(TextArticle(
      "By contrast, the city spent less on roads this year than it did last year.\n\n" +
      std::string(kLongEnglish)));
  EXPECT_EQ(a.byline, "");
}

TEST(Normalize, SplitsPhotoCaptions) {
  EXPECT_TRUE(internal::LooksLikeCaption(
      "President Joe Biden speaks in the East Room of the White House, Monday, Jan. 5, 2026, "
      "in Washington. (AP Photo/Evan Vucci)",
      /*leading=*/false));
  EXPECT_TRUE(internal::LooksLikeCaption(
      "The Telegram app was removed from the Apple store Dado Ruvic/Reuters", true));
  EXPECT_FALSE(internal::LooksLikeCaption(
      "The Telegram app was removed from the Apple store Dado Ruvic/Reuters", false));
  EXPECT_FALSE(internal::LooksLikeCaption("The minister spoke to reporters on Monday. (AP)", false));
  EXPECT_TRUE(internal::LooksLikeCaption("The minister arrives for talks in Brussels (Reuters)", false));
  NormalizedArticle a = MustNormalize(TextArticle(
      std::string(kLongEnglish) +
      "\n\nFILE - In this May 18, 2017 file photo, an actress poses for photographers in "
      "Cannes, France. (Photo by Joel Ryan/Invision/AP, File)\n\n" + kLongEnglish));
  EXPECT_EQ(a.captions.size(), 1u);
  EXPECT_EQ(a.paragraphs.size(), 2u);
}

// A headline that says what it comes with is the item's text, not a photo caption.
TEST(Normalize, AHeadlineTaggedPhotosOrVideoIsBodyNotCaption) {
  for (const char* headline :
       {"Stars get colorful at the movie awards and it's amazing (PHOTOS)",
        "Boy flies like Iron Man thanks to a charity (VIDEO/PHOTOS)",
        "The 10 fastest-growing cities in the country (Photos, Video)"}) {
    EXPECT_FALSE(internal::LooksLikeCaption(headline, /*leading=*/false)) << headline;
    NormalizedArticle a = MustNormalize(TextArticle(headline, ""));
    EXPECT_THAT(a.paragraphs, ElementsAre(headline));
    EXPECT_TRUE(a.captions.empty());
  }
  // A credit that names a photographer or agency still marks a caption.
  EXPECT_TRUE(internal::LooksLikeCaption("Fans gather outside the stadium (Photo: Jane Doe)",
                                         /*leading=*/false));
  EXPECT_TRUE(internal::LooksLikeCaption("Fans gather outside the stadium (Getty Images)",
                                         /*leading=*/false));
}

// ---------------------------------------------------------------------------------------
// Text clean-up.

TEST(Normalize, RejoinsReutersWrappedLines) {
  const std::string body =
      "Showers continued throughout the week in\n"
      "the Bahia cocoa zone, alleviating the drought since early\n"
      "January and improving prospects for the coming temporao,\n"
      "although normal humidity levels have not been restored,\n"
      "Comissaria Smith said in its weekly review.\n"
      "    The dry period means the temporao will be late this year.\n"
      "    Arrivals for the week ended February 22 were 155,221 bags\n"
      "of 60 kilos making a cumulative total for the season of 5.93\n"
      "mln against 5.81 at the same stage last year.\n";
  NormalizedArticle a = MustNormalize(TextArticle(body, "BAHIA COCOA REVIEW"));
  EXPECT_THAT(a.paragraphs,
              ElementsAre("Showers continued throughout the week in the Bahia cocoa zone, "
                          "alleviating the drought since early January and improving prospects "
                          "for the coming temporao, although normal humidity levels have not "
                          "been restored, Comissaria Smith said in its weekly review.",
                          "The dry period means the temporao will be late this year.",
                          "Arrivals for the week ended February 22 were 155,221 bags of 60 kilos "
                          "making a cumulative total for the season of 5.93 mln against 5.81 at "
                          "the same stage last year."));
}

TEST(Normalize, SplitsOnSingleNewlinesWithoutBlankLines) {
  NormalizedArticle a = MustNormalize(TextArticle(
      std::string(kLongEnglish) + "\n" + kLongEnglish + "\nA third, shorter paragraph here."));
  EXPECT_EQ(a.paragraphs.size(), 3u);
}

TEST(Normalize, JoinsSingleNewlinesInsideBlankLineParagraphs) {
  NormalizedArticle a = MustNormalize(
      TextArticle("First line of the paragraph\ncontinues here.\n\nSecond paragraph.\n"));
  EXPECT_THAT(a.paragraphs,
              ElementsAre("First line of the paragraph continues here.", "Second paragraph."));
}

TEST(Normalize, RepairsAndCountsInvalidUtf8) {
  v1::RawArticle raw = TextArticle(std::string("Caf\xE9 prices rose \xFF\xFE sharply today."));
  raw.set_title(std::string("Bad \xC3 title"));
  NormalizedArticle a = MustNormalize(raw);
  EXPECT_EQ(a.invalid_utf8_replaced, 4);
  EXPECT_EQ(a.paragraphs[0], "Caf\uFFFD prices rose \uFFFD\uFFFD sharply today.");
  EXPECT_EQ(a.title, "Bad \uFFFD title");
}

TEST(Normalize, DecodesEntitiesRemovesControlsAndComposesNfc) {
  NormalizedArticle a = MustNormalize(TextArticle(
      "AT&T said &quot;caf&eacute;&quot; &amp; cre\u0300me&#8217;s\x01 price\t\t rose&nbsp;"
      "\u200B 5&#x25;.\x7F"));
  EXPECT_EQ(a.paragraphs[0], "AT&T said \"caf\u00E9\" & cr\u00E8me\u2019s price rose 5%.");
}

TEST(Normalize, CountsWordsAndCodePoints) {
  NormalizedArticle a = MustNormalize(TextArticle("Caf\u00E9 au lait.\n\nZwei W\u00F6rter."));
  EXPECT_EQ(a.word_count, 5);
  EXPECT_EQ(a.char_count, 13 + 2 + 12);
  EXPECT_EQ(a.Body(), "Caf\u00E9 au lait.\n\nZwei W\u00F6rter.");
}

TEST(Normalize, NfcQuickCheckAgreesWithUtf8proc) {
  // Every BMP code point the quick check lets through must be stable under NFC, alone and
  // after starters that compose with a following character.
  const char32_t starters[] = {'a', 'e', 0x1100, 0xAC00, 0x0B47, 0x0DD9, 0x0CC6, 0x0BC6};
  int checked = 0;
  for (char32_t cp = 0x80; cp < 0x10000; ++cp) {
    if ((cp >= 0xD800 && cp < 0xE000) || !internal::IsNfcStable(cp)) continue;
    if (cp % 7 != 0 && cp >= 0x3400) continue;  // sample the large CJK / Hangul blocks
    for (char32_t starter : starters) {
      std::string s;
      internal::AppendUtf8(starter, &s);
      internal::AppendUtf8(cp, &s);
      std::string nfc = s;
      internal::NfcInPlace(&nfc);
      ASSERT_EQ(nfc, s) << std::hex << "U+" << static_cast<uint32_t>(cp) << " after U+"
                        << static_cast<uint32_t>(starter);
    }
    ++checked;
  }
  EXPECT_GT(checked, 10000);
  EXPECT_FALSE(internal::IsNfcStable(0x0301));  // combining acute
  EXPECT_FALSE(internal::IsNfcStable(0x212B));  // angstrom sign
  EXPECT_FALSE(internal::IsNfcStable(0x1161));  // hangul medial vowel
}

// ---------------------------------------------------------------------------------------
// Rejections.

TEST(Normalize, RejectsTooLargeBody) {
  NormalizeOptions options;
  options.max_text_bytes = 100;
  Normalizer normalizer(options);
  absl::StatusOr<NormalizedArticle> result = normalizer.Normalize(TextArticle(std::string(101, 'a')));
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(std::string(result.status().message()), AllOf(HasSubstr("101"), HasSubstr("100")));
}

TEST(Normalize, RejectsTooLargeHtml) {
  NormalizeOptions options;
  options.max_text_bytes = 1000;
  Normalizer normalizer(options);
  EXPECT_THAT(normalizer.Normalize(HtmlArticle("<p>" + std::string(2000, 'x') + "</p>")),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST(Normalize, RejectsEmptyContent) {
  Normalizer normalizer({});
  EXPECT_THAT(normalizer.Normalize(TextArticle("")), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(normalizer.Normalize(TextArticle(" \n\n\t\u00A0\n \x01")),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(normalizer.Normalize(HtmlArticle("<html><body><nav><a href=/>Home</a></nav>"
                                               "<script>var x = 1;</script></body></html>")),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(Normalize, RejectsMissingId) {
  v1::RawArticle raw = TextArticle(kLongEnglish);
  raw.clear_id();
  Normalizer normalizer({});
  EXPECT_THAT(normalizer.Normalize(raw), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Normalize, ValidatesOptions) {
  NormalizeOptions options;
  EXPECT_THAT(options.Validate(), IsOk());
  options.min_language_confidence = 1.5;
  EXPECT_THAT(options.Validate(), StatusIs(absl::StatusCode::kInvalidArgument));
  options = NormalizeOptions();
  options.max_text_bytes = 0;
  EXPECT_THAT(options.Validate(), StatusIs(absl::StatusCode::kInvalidArgument));
}

// ---------------------------------------------------------------------------------------
// Language.

TEST(Normalize, DetectsEnglishGermanFrench) {
  NormalizedArticle en = MustNormalize(TextArticle(kLongEnglish));
  EXPECT_EQ(en.language, "en");
  EXPECT_GE(en.language_confidence, 0.5f);
  NormalizedArticle de = MustNormalize(TextArticle(
      "Die Bundesregierung hat am Dienstag beschlossen, die Hilfen f\u00FCr die Ukraine "
      "deutlich auszuweiten. Der Kanzler sagte, man werde das Land weiter unterst\u00FCtzen, "
      "solange es n\u00F6tig sei.",
      "Regierung weitet Hilfen aus"));
  EXPECT_EQ(de.language, "de");
  NormalizedArticle fr = MustNormalize(TextArticle(
      "Le gouvernement a annonc\u00E9 mardi de nouvelles mesures pour soutenir les "
      "agriculteurs touch\u00E9s par la s\u00E9cheresse, apr\u00E8s plusieurs semaines de "
      "manifestations dans tout le pays.",
      "Nouvelles mesures pour les agriculteurs"));
  EXPECT_EQ(fr.language, "fr");
}

TEST(Normalize, ReportsUndeterminedOrDeclaredLanguageWhenUnsure) {
  v1::RawArticle raw = TextArticle("12345 678 90 !!! ---", "");
  EXPECT_EQ(MustNormalize(raw).language, "und");
  raw.set_language("pt-BR");
  EXPECT_EQ(MustNormalize(raw).language, "pt");
}

// ---------------------------------------------------------------------------------------
// Dates.

struct DateCase {
  std::string input;
  std::string rfc3339;
  int64_t unix_ms;
};

class PublishedAtTest : public ::testing::TestWithParam<DateCase> {};

TEST_P(PublishedAtTest, ParsesToUtc) {
  std::string out;
  int64_t ms = -1;
  ASSERT_TRUE(ParsePublishedAt(GetParam().input, &out, &ms)) << GetParam().input;
  EXPECT_EQ(out, GetParam().rfc3339);
  EXPECT_EQ(ms, GetParam().unix_ms);
}

INSTANTIATE_TEST_SUITE_P(
    Formats, PublishedAtTest,
    ::testing::Values(
        DateCase{"2026-01-07", "2026-01-07T00:00:00Z", 1767744000000},
        DateCase{"2017-09-15T00:00:00", "2017-09-15T00:00:00Z", 1505433600000},
        DateCase{"2026-01-07T14:03:00Z", "2026-01-07T14:03:00Z", 1767794580000},
        DateCase{"2026-01-07T15:03:00+01:00", "2026-01-07T14:03:00Z", 1767794580000},
        DateCase{"2026-01-07T09:03:00.250-0500", "2026-01-07T14:03:00.250Z", 1767794580250},
        DateCase{"2017-09-15 17:52:00", "2017-09-15T17:52:00Z", 1505497920000},
        DateCase{"Tue, 06 Jan 2026 14:03:00 GMT", "2026-01-06T14:03:00Z", 1767708180000},
        DateCase{"Tue, 06 Jan 2026 14:03:00 +0000", "2026-01-06T14:03:00Z", 1767708180000},
        DateCase{"Tue, 6 Jan 2026 09:03:00 EST", "2026-01-06T14:03:00Z", 1767708180000},
        DateCase{"26-FEB-1987 15:01:01.79", "1987-02-26T15:01:01.790Z", 541350061790},
        DateCase{"27-MAR-1987 00:02:59.13RM", "1987-03-27T00:02:59.130Z", 543801779130},
        DateCase{"January 6, 2026 2:03 PM", "2026-01-06T14:03:00Z", 1767708180000},
        DateCase{"1767744000", "2026-01-07T00:00:00Z", 1767744000000}));

TEST(Normalize, RejectsUnparsableDates) {
  std::string out;
  int64_t ms = 0;
  for (const char* bad : {"", "yesterday", "2026-13-01", "2026-02-30", "Tue, 32 Jan 2026",
                          "2026-01-07T25:00:00Z", "12/13/2026 noon"}) {
    EXPECT_FALSE(ParsePublishedAt(bad, &out, &ms)) << bad;
  }
  v1::RawArticle raw = TextArticle(kLongEnglish);
  raw.set_published_at("sometime last week");
  NormalizedArticle a = MustNormalize(raw);
  EXPECT_EQ(a.published_at, "");
  EXPECT_EQ(a.published_at_unix_ms, 0);
  EXPECT_EQ(a.published_at_original, "sometime last week");
}

// ---------------------------------------------------------------------------------------
// URLs.

TEST(CanonicalizeUrl, LowerCasesSchemeAndHost) {
  EXPECT_EQ(CanonicalizeUrl("HTTPS://WWW.Example.COM/News/Story"),
            "https://www.example.com/News/Story");
}

TEST(CanonicalizeUrl, DropsDefaultPortsOnly) {
  EXPECT_EQ(CanonicalizeUrl("http://example.com:80/a"), "http://example.com/a");
  EXPECT_EQ(CanonicalizeUrl("https://example.com:443/a"), "https://example.com/a");
  EXPECT_EQ(CanonicalizeUrl("https://example.com:8443/a"), "https://example.com:8443/a");
  EXPECT_EQ(CanonicalizeUrl("http://example.com:443/a"), "http://example.com:443/a");
}

TEST(CanonicalizeUrl, DropsFragment) {
  EXPECT_EQ(CanonicalizeUrl("https://example.com/a#comments"), "https://example.com/a");
}

TEST(CanonicalizeUrl, RemovesTrackingParameters) {
  EXPECT_EQ(CanonicalizeUrl("https://example.com/a?utm_source=tw&id=5&utm_medium=social&fbclid="
                            "abc&gclid=x&dclid=y&msclkid=z&mc_cid=1&mc_eid=2&igshid=3&ref=home"
                            "&ref_src=twsrc&cmpid=rss"),
            "https://example.com/a?id=5");
  EXPECT_EQ(CanonicalizeUrl("https://example.com/a?UTM_Campaign=x"), "https://example.com/a");
}

TEST(CanonicalizeUrl, SortsParametersStably) {
  EXPECT_EQ(CanonicalizeUrl("https://example.com/search?q=b&page=2&q=a"),
            "https://example.com/search?page=2&q=b&q=a");
}

TEST(CanonicalizeUrl, MapsAmpVariants) {
  EXPECT_EQ(CanonicalizeUrl("https://example.com/amp/news/story-1"), "https://example.com/news/story-1");
  EXPECT_EQ(CanonicalizeUrl("https://example.com/news/story-1/amp"), "https://example.com/news/story-1");
  EXPECT_EQ(CanonicalizeUrl("https://example.com/news/story-1/amp/"), "https://example.com/news/story-1/");
  EXPECT_EQ(CanonicalizeUrl("https://example.com/news/story-1?amp=1"), "https://example.com/news/story-1");
  EXPECT_EQ(CanonicalizeUrl("https://example.com/news/story-1?outputType=amp&id=2"),
            "https://example.com/news/story-1?id=2");
  EXPECT_EQ(CanonicalizeUrl("https://amp.theguardian.com/world/2026/jan/06/story"),
            "https://theguardian.com/world/2026/jan/06/story");
  EXPECT_EQ(CanonicalizeUrl("https://www-example-com.cdn.ampproject.org/c/s/www.example.com/news/story-1"),
            "https://www.example.com/news/story-1");
}

TEST(CanonicalizeUrl, RemovesTrailingQuestionMarkAndNormalizesPath) {
  EXPECT_EQ(CanonicalizeUrl("https://example.com/a?"), "https://example.com/a");
  EXPECT_EQ(CanonicalizeUrl("https://example.com/a?utm_source=x"), "https://example.com/a");
  EXPECT_EQ(CanonicalizeUrl("https://example.com"), "https://example.com/");
  EXPECT_EQ(CanonicalizeUrl("https://example.com/a/./b/../c%7e%2f"), "https://example.com/a/c~%2F");
}

TEST(CanonicalizeUrl, ReturnsTrimmedInputWhenNotHttp) {
  EXPECT_EQ(CanonicalizeUrl("  urn:isbn:123 "), "urn:isbn:123");
  EXPECT_EQ(CanonicalizeUrl("ftp://example.com/a"), "ftp://example.com/a");
  EXPECT_EQ(CanonicalizeUrl("/relative/path"), "/relative/path");
  EXPECT_EQ(CanonicalizeUrl(""), "");
}

TEST(Normalize, KeyIsCanonicalUrlElseId) {
  v1::RawArticle raw = TextArticle(kLongEnglish);
  NormalizedArticle a = MustNormalize(raw);
  EXPECT_EQ(a.canonical_url, "");
  EXPECT_EQ(a.key, "test-1");
  raw.set_url("HTTPS://Example.com/story?utm_source=x#top");
  a = MustNormalize(raw);
  EXPECT_EQ(a.url, "HTTPS://Example.com/story?utm_source=x#top");
  EXPECT_EQ(a.canonical_url, "https://example.com/story");
  EXPECT_EQ(a.key, "https://example.com/story");
}

// ---------------------------------------------------------------------------------------
// Matching form.

TEST(MatchingForm, FoldsCaseAccentsAndPunctuation) {
  EXPECT_EQ(MatchingForm("Caf\u00E9 \u2014 CAF\u00C9!"), "cafe cafe");
  EXPECT_EQ(MatchingForm("  Stra\u00DFe, \uFB01le No. 5\u00B2  "), "strasse file no 52");
  EXPECT_EQ(MatchingForm("cre\u0300me br\u00FBl\u00E9e's"), "creme brulee s");
  EXPECT_EQ(MatchingForm("\u041C\u043E\u0441\u043A\u0432\u0430\u2019s \u0419"), "\u043C\u043E\u0441\u043A\u0432\u0430 s \u0438");
  EXPECT_EQ(MatchingForm("!!!"), "");
}

// The whole text through utf8proc in one call, then letters and digits kept and everything
// else one space: what the matching form is, without its fast paths (16 ASCII bytes at a
// time, common punctuation without a call, runs of non-ASCII text per call).
std::string ReferenceMatchingForm(const std::string& text) {
  utf8proc_uint8_t* mapped = nullptr;
  const utf8proc_ssize_t n = utf8proc_map(
      reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
      static_cast<utf8proc_ssize_t>(text.size()), &mapped,
      static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
                                     UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_IGNORE));
  std::string out;
  bool space = false;
  for (utf8proc_ssize_t i = 0; i < n;) {
    utf8proc_int32_t cp = 0;
    i += utf8proc_iterate(mapped + i, n - i, &cp);
    const utf8proc_category_t category = utf8proc_category(cp);
    const bool keep = (category >= UTF8PROC_CATEGORY_LU && category <= UTF8PROC_CATEGORY_LO) ||
                      (category >= UTF8PROC_CATEGORY_ND && category <= UTF8PROC_CATEGORY_NO);
    if (!keep) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    utf8proc_uint8_t bytes[4];
    out.append(reinterpret_cast<const char*>(bytes), utf8proc_encode_char(cp, bytes));
  }
  free(mapped);
  return out;
}

TEST(MatchingForm, FastPathsGiveTheSameFormAsUtf8procOnTheWholeText) {
  // Words of every length around 16 bytes, mixed case, digits, ASCII punctuation, curly
  // quotes, dashes, no-break spaces, accents (composed and combining), Cyrillic, a ligature.
  const std::vector<std::string> pieces = {
      "a", "Zebra", "UNITED", "Nations", "2024", "x9Y", "abcdefghijklmnopqrstuvwxyz0123456789",
      "ABCDEFGHIJKLMNOPQRSTUV", " ", "  ", ", ", ".", "@", "[", "`", "{", "-", "'s", "\u2019",
      "\u201C", "\u201D", "\u2014", "\u2013", "\u2026", "\u00A0", "caf\u00E9", "e\u0301",
      "\u041C\u043E\u0441\u043A\u0432\u0430", "\uFB01", "\u00B2", "\u2018", "\t", "\n"};
  std::mt19937 random(7);
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const int count = static_cast<int>(random() % 24);
    for (int k = 0; k < count; ++k) {
      text += pieces[random() % pieces.size()];
    }
    EXPECT_EQ(MatchingForm(text), ReferenceMatchingForm(text)) << text;
  }
}

// What CleanText does to ASCII: whitespace runs become one space (none at the ends), other
// control characters and DEL are dropped without separating what surrounds them.
std::string ReferenceCleanAscii(std::string_view text) {
  std::string out;
  bool space = false;
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (b == ' ' || (b >= 0x09 && b <= 0x0D)) {
      space = true;
    } else if (b >= 0x21 && b <= 0x7E) {
      if (space && !out.empty()) out.push_back(' ');
      space = false;
      out.push_back(c);
    }
  }
  return out;
}

TEST(CleanText, SixteenByteRunsGiveTheSameTextAsTheByteRules) {
  // Runs of every length around 16 bytes, single and double spaces (also at block edges),
  // tabs, newlines, dropped controls and DEL.
  const std::vector<std::string> pieces = {
      "a", "Word", "abcdefghijklmnop", "ABCDEFGHIJKLMNOPQRS", "0123456789abcdef0", " ", "  ",
      "\t", "\n", "\r\n", "\x01", "\x7F", "\x1F", ".", ",", "~", "!", " x", "x "};
  std::mt19937 random(11);
  for (int round = 0; round < 5000; ++round) {
    std::string text;
    const int count = static_cast<int>(random() % 20);
    for (int k = 0; k < count; ++k) text += pieces[random() % pieces.size()];
    EXPECT_EQ(internal::CleanText(text), ReferenceCleanAscii(text)) << text;
  }
  // Non-ASCII stops a run and is kept, spaced like any other character.
  EXPECT_EQ(internal::CleanText("abcdefghijklmnopqr caf\u00E9  abcdefghijklmnopqrstu \u00A0x"),
            "abcdefghijklmnopqr caf\u00E9 abcdefghijklmnopqrstu x");
}

// What the matching form's byte rules give for text made of the pieces below: letters and
// digits lower-cased (the few non-ASCII ones folded as NFKC + case fold + no accents do), any
// run of other characters one space, none at the ends.
std::string ReferenceMatchingForm(const std::vector<std::pair<std::string, std::string>>& parts) {
  std::string out;
  bool pending = false;
  for (const auto& [text, folded] : parts) {
    if (folded.empty()) {
      pending = true;
      continue;
    }
    if (pending && !out.empty()) out += ' ';
    pending = false;
    out += folded;
  }
  return out;
}

TEST(MatchingForm, SixteenByteBlocksGiveTheSameFormAsTheByteRules) {
  // Each piece with its folded form ("" = a separator): words of every length around 16
  // bytes, single and double separators (also across block edges), controls, and non-ASCII
  // letters and punctuation that stop a block.
  const std::vector<std::pair<std::string, std::string>> pieces = {
      {"a", "a"}, {"Word", "word"}, {"abcdefghijklmnop", "abcdefghijklmnop"},
      {"ABCDEFGHIJKLMNOPQRS", "abcdefghijklmnopqrs"}, {"0123456789abcdef0", "0123456789abcdef0"},
      {"Zz9", "zz9"}, {" ", ""}, {"  ", ""}, {",", ""}, {".", ""}, {"\t", ""}, {"\n", ""},
      {"\x01", ""}, {"\x7F", ""}, {"-", ""}, {"'", ""}, {"\u2014", ""}, {"\u2019", ""},
      {"\u00A0", ""}, {"\u00C9", "e"}, {"caf\u00E9", "cafe"}, {"\u4E2D", "\u4E2D"}};
  std::mt19937 random(17);
  for (int round = 0; round < 20000; ++round) {
    std::vector<std::pair<std::string, std::string>> parts;
    std::string text;
    const int count = static_cast<int>(random() % 24);
    for (int k = 0; k < count; ++k) {
      const auto& piece = pieces[random() % pieces.size()];
      // Adjacent word pieces merge into one word, as they would in the text.
      parts.push_back(piece);
      text += piece.first;
    }
    EXPECT_EQ(MatchingForm(text), ReferenceMatchingForm(parts)) << text;
  }
}

// The pipeline skips folding a plain-text body again when SameTextUpToWhitespace says it is
// its paragraphs: that must only ever be said when the two matching forms are equal, and it
// must be said for the usual joins (else the test could pass by always saying no).
TEST(MatchingForm, SameTextUpToWhitespaceOnlyWhenTheFormsAreEqual) {
  const std::vector<std::string> words = {
      "a", "Word", "abcdefghijklmnopq", "U.S.", "caf\u00E9", "\u4E2D\u56FD", "-", "\u2014",
      "end.", "x,y", "\u00A0", "'", "2.5%", "ABC", "\xCC\x81", "e"};
  const std::vector<std::string> whitespace = {" ",  "  ",   "\n",        "\n\n",
                                               "\t", " \n ", "\r\n", "\u00A0", " \u00A0"};
  std::mt19937 random(29);
  int same = 0;
  for (int round = 0; round < 20000; ++round) {
    std::vector<std::string> paragraphs(1 + random() % 4);
    for (std::string& paragraph : paragraphs) {
      const int count = 1 + static_cast<int>(random() % 12);
      for (int k = 0; k < count; ++k) {
        if (k > 0) paragraph += ' ';
        paragraph += words[random() % words.size()];
      }
    }
    // The text: the paragraphs joined by whitespace, their spaces sometimes replaced by
    // other whitespace; in a third of the rounds one byte inserted, dropped or changed.
    std::string text = random() % 4 == 0 ? "\n" : "";
    for (size_t p = 0; p < paragraphs.size(); ++p) {
      if (p > 0) text += whitespace[1 + random() % (whitespace.size() - 1)];
      for (char c : paragraphs[p]) {
        text += c == ' ' && random() % 4 == 0 ? whitespace[random() % whitespace.size()]
                                              : std::string(1, c);
      }
    }
    if (random() % 3 == 0 && !text.empty()) {
      const size_t at = random() % text.size();
      switch (random() % 3) {
        case 0:  // a stray lead byte of a no-break space, or a space, period, letter, newline
          text.insert(at, random() % 5 == 0 ? "\xC2" : std::string(1, " .a\n"[random() % 4]));
          break;
        case 1: text.erase(at, 1); break;
        default: text[at] = " .a\n"[random() % 4];
      }
    }
    std::string joined;
    for (const std::string& paragraph : paragraphs) {
      internal::AppendMatchingForm(paragraph, &joined);
    }
    if (SameTextUpToWhitespace(text, paragraphs)) {
      ++same;
      ASSERT_EQ(MatchingForm(text), joined) << text;
    }
  }
  EXPECT_GT(same, 10000);
  EXPECT_TRUE(SameTextUpToWhitespace("One two.\n\nThree  four\n", {"One two.", "Three four"}));
  EXPECT_FALSE(SameTextUpToWhitespace("One two.Three four", {"One two.", "Three four"}));
  EXPECT_FALSE(SameTextUpToWhitespace("One two. Three", {"One two."}));
  EXPECT_FALSE(SameTextUpToWhitespace("", {}));
}

TEST(Normalize, MatchingTextCoversBodyOnly) {
  NormalizedArticle a = MustNormalize(TextArticle("First, para.\n\nSecond \u2014 PARA!", "Title"));
  EXPECT_EQ(a.matching_text, "first para second para");
}

// ---------------------------------------------------------------------------------------
// HTML.

TEST(Normalize, DecodesWindows1252Html) {
  const std::string html =
      "<html><head><meta charset=\"windows-1252\"><title>Caf\xE9 news</title></head><body>"
      "<article><p>The caf\xE9 \x93Le Proc\xE9pe\x94 re-opened \x96 guests were d\xE9lighted "
      "and the owners said business was good.</p></article></body></html>";
  NormalizedArticle a = MustNormalize(HtmlArticle(html));
  EXPECT_EQ(a.charset, "windows-1252");
  EXPECT_EQ(a.title, "Caf\u00E9 news");
  ASSERT_EQ(a.paragraphs.size(), 1u);
  EXPECT_EQ(a.paragraphs[0],
            "The caf\u00E9 \u201CLe Proc\u00E9pe\u201D re-opened \u2013 guests were "
            "d\u00E9lighted and the owners said business was good.");
  EXPECT_EQ(a.invalid_utf8_replaced, 0);
  // The charset field wins over the page, and latin-1 means windows-1252.
  NormalizedArticle b = MustNormalize(HtmlArticle(
      "<p>Cr\xE8me br\xFBl\xE9\x65 is served every day at the caf\xE9 near the station.</p>",
      "ISO-8859-1"));
  EXPECT_THAT(b.paragraphs[0], StartsWith("Cr\u00E8me br\u00FBl\u00E9\x65 is served"));
}

TEST(Normalize, DropsHtmlBoilerplate) {
  const std::string html = R"(<!doctype html>
<html lang="en"><head>
<title>Council approves budget | Daily Planet</title>
<meta property="og:title" content="Council approves transport budget">
<meta property="article:published_time" content="2026-01-06T14:03:00+01:00">
<link rel="canonical" href="https://www.dailyplanet.example/news/budget?utm_source=rss">
<script>window.dataLayer = [];</script><style>p { color: red }</style>
</head><body>
<div id="cookie-banner"><p>We use cookies to improve your experience. Accept all cookies?</p></div>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav></header>
<main>
<article>
<h1>Council approves transport budget</h1>
<p class="byline">By Jane Doe</p>
<figure><img src="a.jpg"><figcaption>The tram depot in the city centre. (Photo: Jane Doe)</figcaption></figure>
<p>The city council voted on Tuesday to approve a new budget for public transport, after months of debate.</p>
<div class="ad-slot"><p>Advertisement: buy the best shoes in town today, limited offer.</p></div>
<h2>What changes for riders</h2>
<p>Fares will stay the same, but <a href="/buses">bus routes</a> will be reorganised in the spring.</p>
<ul><li>Night buses return on weekends across the whole city.</li></ul>
<div class="share-tools"><p>Share this article on social media with your friends and family.</p></div>
<section class="related-links"><h3>Related</h3><ul><li><a href="/x">Another story about the council budget vote</a></li></ul></section>
</article>
<aside><p>Most read stories of the week are listed here for your convenience.</p></aside>
</main>
<div class="comments"><p>Great article! I totally agree with the council on this issue.</p></div>
<footer><p>Copyright 2026 Daily Planet. All rights reserved.</p></footer>
<script>trackPageView();</script>
</body></html>)";
  NormalizedArticle a = MustNormalize(HtmlArticle(html));
  EXPECT_EQ(a.content_format, "html");
  EXPECT_EQ(a.title, "Council approves transport budget");
  EXPECT_THAT(a.paragraphs,
              ElementsAre(StartsWith("The city council voted on Tuesday"),
                          "What changes for riders",
                          "Fares will stay the same, but bus routes will be reorganised in the spring.",
                          "Night buses return on weekends across the whole city."));
  EXPECT_THAT(a.subheadings, ElementsAre("What changes for riders"));
  EXPECT_THAT(a.captions, ElementsAre("The tram depot in the city centre. (Photo: Jane Doe)"));
  EXPECT_EQ(a.byline, "By Jane Doe");
  std::string all = a.Body();
  for (const char* junk : {"cookies", "Home", "Advertisement", "Share this", "Another story",
                           "Most read", "Great article", "Copyright", "dataLayer", "color"}) {
    EXPECT_THAT(all, Not(HasSubstr(junk))) << junk;
  }
  EXPECT_EQ(a.published_at, "2026-01-06T13:03:00Z");
  EXPECT_EQ(a.canonical_url, "https://www.dailyplanet.example/news/budget");
  EXPECT_EQ(a.key, a.canonical_url);
  EXPECT_EQ(a.language, "en");
}

TEST(Normalize, FindsDensestBlockWithoutArticleElement) {
  std::string paragraphs;
  for (int i = 0; i < 4; ++i) paragraphs += "<p>" + std::string(kLongEnglish) + "</p>\n";
  const std::string html =
      "<html><head><title>Budget vote - Daily Planet</title></head><body>"
      "<div class=\"menu\"><a href=\"/\">Home</a> <a href=\"/a\">World</a></div>"
      "<div id=\"wrap\"><div class=\"left\"><p>Short teaser text for something else.</p></div>"
      "<div class=\"main-col\"><div class=\"txt\">" +
      paragraphs +
      "</div></div></div>"
      "<div class=\"bottom\"><p>Contact us at the newsroom for tips and corrections.</p></div>"
      "</body></html>";
  NormalizedArticle a = MustNormalize(HtmlArticle(html));
  EXPECT_EQ(a.paragraphs.size(), 4u);
  EXPECT_EQ(a.title, "Budget vote - Daily Planet");
  EXPECT_THAT(a.Body(), Not(HasSubstr("teaser")));
  EXPECT_THAT(a.Body(), Not(HasSubstr("Contact us")));
}

TEST(Normalize, TreatsHtmlBodyAsHtml) {
  NormalizedArticle a = MustNormalize(TextArticle(
      "<p>First paragraph of the story, with <b>bold</b> text.</p><p>Second paragraph of "
      "the story.</p><script>alert(1)</script>"));
  EXPECT_EQ(a.content_format, "html");
  EXPECT_THAT(a.paragraphs, ElementsAre("First paragraph of the story, with bold text.",
                                        "Second paragraph of the story."));
}

// ----- Encodings ------------------------------------------------------------------------

TEST(Encoding, DecodesWindows1252HtmlByMetaCharset) {
  // 0x93 / 0x94 are windows-1252 smart quotes, 0xE9 is e-acute: not valid UTF-8.
  NormalizedArticle a = MustNormalize(HtmlArticle(
      "<html><head><meta charset=\"windows-1252\"></head><body><p>Le caf\xE9 dit \x93oui\x94 "
      "aujourd'hui, comme hier et comme demain dans la ville.</p></body></html>"));
  EXPECT_EQ(a.charset, "windows-1252");
  EXPECT_EQ(a.invalid_utf8_replaced, 0);
  EXPECT_THAT(a.Body(), HasSubstr("caf\u00E9 dit \u201Coui\u201D"));
}

TEST(Encoding, ReadsDeclaredLatin1AsWindows1252) {
  NormalizedArticle a = MustNormalize(
      HtmlArticle("<p>Prix: 5 \x80, na\xEFve r\xE9sum\xE9 of the long paragraph here.</p>",
                  "ISO-8859-1"));
  EXPECT_EQ(a.charset, "windows-1252");
  EXPECT_THAT(a.Body(), HasSubstr("5 \u20AC, na\u00EFve r\u00E9sum\u00E9"));
}

TEST(Encoding, FallsBackToWindows1252ForUnlabelledLegacyHtml) {
  NormalizedArticle a = MustNormalize(HtmlArticle(
      "<p>M\xFCnchen und K\xF6ln sind gro\xDF, sagte die Stadt am Dienstag.</p>"));
  EXPECT_EQ(a.charset, "windows-1252");
  EXPECT_THAT(a.Body(), HasSubstr("M\u00FCnchen und K\u00F6ln sind gro\u00DF"));
}

std::string Utf16Bytes(const std::u16string& text, bool little_endian) {
  std::string bytes = little_endian ? "\xFF\xFE" : "\xFE\xFF";
  for (char16_t c : text) {
    char hi = static_cast<char>(c >> 8), lo = static_cast<char>(c & 0xFF);
    bytes.push_back(little_endian ? lo : hi);
    bytes.push_back(little_endian ? hi : lo);
  }
  return bytes;
}

TEST(Encoding, DecodesUtf16HtmlWithBom) {
  for (bool little_endian : {true, false}) {
    NormalizedArticle a = MustNormalize(HtmlArticle(Utf16Bytes(
        u"<p>Stra\u00DFe \u201Czitiert\u201D \U0001F600 and a sentence long enough.</p>",
        little_endian)));
    EXPECT_EQ(a.charset, little_endian ? "utf-16le" : "utf-16be");
    EXPECT_THAT(a.Body(), HasSubstr("Stra\u00DFe \u201Czitiert\u201D \U0001F600"));
  }
}

TEST(Encoding, ReplacesAndCountsInvalidUtf8InText) {
  NormalizedArticle a = MustNormalize(
      TextArticle("Broken \xC3\x28 bytes \xFF and a lone \x82 continuation end."));
  EXPECT_EQ(a.invalid_utf8_replaced, 3);
  EXPECT_THAT(a.Body(), HasSubstr("Broken \uFFFD( bytes \uFFFD and"));
  EXPECT_EQ(a.charset, "");
}

// ----- HTML extraction rules --------------------------------------------------------------

TEST(Extraction, DropsHeadingsLeftWithoutText) {
  NormalizedArticle a = MustNormalize(HtmlArticle(
      "<article><h1>Headline</h1><p>" + std::string(kLongEnglish) + "</p>"
      "<h2>Mehr zum Thema</h2><ul class=\"teaser-list\"><li><a href=\"/a\">Another story "
      "about the budget</a></li></ul><h3>Schlagworte</h3></article>"));
  EXPECT_THAT(a.subheadings, IsEmpty());
  EXPECT_THAT(a.Body(), Not(HasSubstr("Mehr zum Thema")));
  EXPECT_THAT(a.Body(), Not(HasSubstr("Schlagworte")));
}

// Attributes the extractor never reads are dropped before parsing (for speed); the ones it
// reads must survive whatever their neighbours hold: '>' in a quoted value, unquoted values,
// upper case names, a self-closing slash.
TEST(Extraction, UnreadAttributesAreDroppedWithoutLosingTheReadOnes) {
  NormalizedArticle a = MustNormalize(HtmlArticle(
      "<div data-config='{\"a\": \"<b>\"}' CLASS=\"site-footer\" data-x=1>Footer links and "
      "the copyright line of the site</div><div data-track=\"a>b\" class=\"article-body\" "
      "onclick=\"go()\"><p data-id=7>" + std::string(kLongEnglish) + "</p><p srcset=\"a.jpg 1x\" "
      "style=\"display: none\">Hidden teaser</p><img src=\"x.jpg\" data-lazy=\"1\"/>"
      "<p hidden data-y='z'>Also hidden</p></div>"));
  EXPECT_THAT(a.Body(), HasSubstr("The city council voted"));
  EXPECT_THAT(a.Body(), Not(HasSubstr("Footer links")));
  EXPECT_THAT(a.Body(), Not(HasSubstr("Hidden teaser")));
  EXPECT_THAT(a.Body(), Not(HasSubstr("Also hidden")));
  EXPECT_THAT(a.Body(), Not(HasSubstr("data-")));
}

// libxml2's HTML parser, the faster alternative, feeds the same extractor: a page with
// HTML5 sections, a custom element, boilerplate and metadata comes out the same.
TEST(Extraction, TheLibxml2TreeGivesTheSameArticleAsGumbos) {
  const v1::RawArticle raw = HtmlArticle(
      "<!doctype html><html lang=\"en\"><head><title>Council approves budget | Planet</title>"
      "<meta property=\"article:published_time\" content=\"2026-01-07T10:00:00Z\">"
      "<link rel=\"canonical\" href=\"https://planet.example/budget\"></head><body>"
      "<nav><a href=\"/\">Home</a><a href=\"/world\">World</a></nav><main><article>"
      "<h1>Council approves budget</h1><p>" + std::string(kLongEnglish) + "</p>"
      "<amp-ad class=\"ad\">Advertisement</amp-ad><section><h2>What changes</h2><p>Fares "
      "will stay the same, but routes will be reorganised in the spring &amp; summer.</p>"
      "</section></article></main><footer class=\"site-footer\">Copyright Planet</footer>"
      "</body></html>");
  NormalizeOptions libxml2;
  libxml2.html_parser = HtmlParser::kLibxml2;
  const NormalizedArticle a = MustNormalize(raw);
  const NormalizedArticle b = MustNormalize(raw, libxml2);
  EXPECT_EQ(a.title, b.title);
  EXPECT_EQ(a.paragraphs, b.paragraphs);
  EXPECT_EQ(a.subheadings, b.subheadings);
  EXPECT_EQ(a.canonical_url, b.canonical_url);
  EXPECT_EQ(a.published_at, b.published_at);
  EXPECT_EQ(b.language, "en");
  EXPECT_THAT(b.Body(), HasSubstr("spring & summer"));
  EXPECT_THAT(b.Body(), Not(HasSubstr("Advertisement")));
  EXPECT_THAT(b.Body(), Not(HasSubstr("Copyright")));
}

TEST(Extraction, BodyNeverStartsWithTheHeadline) {
  NormalizedArticle a = MustNormalize(HtmlArticle(
      "<html><head><title>Council approves budget | Planet</title></head><body><article>"
      "<h1>Council approves budget</h1><p>Council approves budget</p><p>" +
      std::string(kLongEnglish) + "</p></article></body></html>"));
  EXPECT_EQ(a.title, "Council approves budget");
  EXPECT_THAT(a.paragraphs.front(), StartsWith("The city council voted"));
}

TEST(Extraction, SeparatesSentenceLongStandfirstAsSubtitle) {
  NormalizedArticle a = MustNormalize(HtmlArticle(
      "<article><h1>Council approves budget</h1><h2>The vote ends months of debate over "
      "fares and routes</h2><p>" + std::string(kLongEnglish) + "</p><h2>What changes</h2><p>"
      "Fares will stay the same, but routes will be reorganised in the spring.</p></article>"));
  EXPECT_EQ(a.subtitle, "The vote ends months of debate over fares and routes");
  EXPECT_THAT(a.Body(), Not(HasSubstr("months of debate over fares")));
  EXPECT_THAT(a.subheadings, ElementsAre("What changes"));
}

TEST(Extraction, TakesSubtitleAttribute) {
  v1::RawArticle raw = TextArticle(kLongEnglish);
  (*raw.mutable_attributes())["subtitle"] = "A dek from the feed";
  EXPECT_EQ(MustNormalize(raw).subtitle, "A dek from the feed");
}

TEST(Extraction, KeepsLeadParagraphNextToTheBodyContainer) {
  NormalizedArticle a = MustNormalize(HtmlArticle(
      "<div class=\"news-single\"><div class=\"teaser-text\"><p>The lead paragraph sums up "
      "the story before the body starts.</p></div><div class=\"news-text-wrap\"><p>" +
      std::string(kLongEnglish) + "</p><p>" + kLongEnglish + "</p></div></div>"
      "<div class=\"sidebar\"><p>Other things to read this week on the site.</p></div>"));
  ASSERT_FALSE(a.paragraphs.empty());
  EXPECT_THAT(a.paragraphs[0], StartsWith("The lead paragraph sums up"));
  EXPECT_THAT(a.Body(), Not(HasSubstr("Other things to read")));
}

TEST(Extraction, KeepsLeadNestedInTheArticleHeaderBlock) {
  NormalizedArticle a = MustNormalize(HtmlArticle(
      "<article><div class=\"article-header\"><div class=\"meta\"><span>12.03.2024</span>"
      "</div><div><p class=\"article-excerpt\">The lead paragraph sums up the story before "
      "the body starts.</p></div></div><div class=\"entry-content\"><p>" +
      std::string(kLongEnglish) + "</p><p>" + kLongEnglish + "</p><p>" + kLongEnglish +
      "</p></div></article>"));
  ASSERT_FALSE(a.paragraphs.empty());
  EXPECT_THAT(a.paragraphs[0], StartsWith("The lead paragraph sums up"));
}

TEST(Extraction, KeepsArticleHeaderWithText) {
  NormalizedArticle a = MustNormalize(HtmlArticle(
      "<header class=\"site\"><nav><a href=\"/\">Home</a></nav></header><main><section>"
      "<header><p>" + std::string(kLongEnglish) + "</p><p>" + kLongEnglish + "</p></header>"
      "<p>A last paragraph after the section head, with a full sentence.</p></section></main>"));
  EXPECT_THAT(a.Body(), HasSubstr("The city council voted"));
  EXPECT_THAT(a.Body(), Not(HasSubstr("Home")));
}

TEST(Extraction, DropsAuthorBoxes) {
  NormalizedArticle a = MustNormalize(HtmlArticle(
      "<article><p>" + std::string(kLongEnglish) + "</p><div class=\"author-box\"><div "
      "class=\"author-description\"><p>Jane Doe is a reporter who has covered the city for "
      "twenty years, after studying history and working abroad in several newsrooms. She "
      "writes about transport and housing.</p>"
      "</div></div></article>"));
  EXPECT_THAT(a.Body(), Not(HasSubstr("Jane Doe is a reporter")));
}

TEST(Extraction, DropsTrailingOutletBoilerplate) {
  NormalizedArticle a = MustNormalize(HtmlArticle(
      "<article><p>" + std::string(kLongEnglish) + "</p><p>Second paragraph of the story "
      "with more detail.</p><p>Weitere Informationen:</p><p>Follow us on Twitter and "
      "Instagram for the latest news.</p><p>\xC2\xA9 2026 Daily Planet. All rights "
      "reserved.</p></article>"));
  EXPECT_THAT(a.paragraphs.back(), StartsWith("Second paragraph of the story"));
}

TEST(Extraction, UsesJsonLdArticleBodyWhenMarkupHasNoText) {
  std::string body = std::string(kLongEnglish) + "\\n" + kLongEnglish + "\\nThird line.";
  NormalizedArticle a = MustNormalize(HtmlArticle(
      "<html><head><script type=\"application/ld+json\">{\"@type\": \"NewsArticle\", "
      "\"headline\": \"Budget\", \"articleBody\": \"" + body + "\"}</script></head><body>"
      "<div id=\"app\"><p>Loading the story, please wait a moment.</p></div></body></html>"));
  EXPECT_EQ(a.title, "Budget");
  ASSERT_EQ(a.paragraphs.size(), 3u);
  EXPECT_EQ(a.paragraphs[2], "Third line.");
  EXPECT_THAT(a.Body(), Not(HasSubstr("Loading the story")));
}

TEST(Extraction, DropsCommentThreadOutweighingTheArticle) {
  std::string comments;
  for (int i = 0; i < 8; ++i) {
    comments += "<li class=\"member\"><p>Reader " + std::to_string(i) + " writes: " +
                kLongEnglish + "</p></li>";
  }
  NormalizedArticle a = MustNormalize(HtmlArticle(
      "<div class=\"full commentary\"><article><p>" + std::string(kLongEnglish) + "</p><p>" +
      kLongEnglish + "</p><p>" + kLongEnglish + "</p><p>" + kLongEnglish + "</p></article></div>"
      "<div class=\"community\"><ol>" + comments + "</ol></div>"));
  EXPECT_THAT(a.Body(), Not(HasSubstr("Reader 3 writes")));
  EXPECT_EQ(a.paragraphs.size(), 4u);
}

TEST(Extraction, KeepsShortPostAboveALongerCommentForm) {
  std::string form = "<div id=\"respond\" class=\"comment-respond\"><form class=\"comment-form\">";
  for (int i = 0; i < 3; ++i) {
    form += "<p>Enter your details below or click an icon to log in, your address is never "
            "published and is only used for replies.</p>";
  }
  form += "<textarea></textarea></form></div>";
  NormalizedArticle a = MustNormalize(HtmlArticle(
      "<div id=\"content\"><div class=\"post\"><p>I know I am drunk and should not say "
      "this.</p><p>Then do not say it.</p><p>Okay. A short post, a dialogue of three lines "
      "and no more than that.</p></div>" + form + "</div><aside><p>" + kLongEnglish +
      "</p><p>Archive, categories and the blogroll of this site.</p></aside>"));
  EXPECT_THAT(a.Body(), HasSubstr("I know I am drunk"));
  EXPECT_THAT(a.Body(), Not(HasSubstr("Enter your details")));
}

TEST(Extraction, KeepsForumPostsWhenThePageIsMadeOfThem) {
  std::string posts;
  for (int i = 0; i < 4; ++i) {
    posts += "<div class=\"comment\"><div class=\"comment-text\"><p>Post " + std::to_string(i) +
             ": " + kLongEnglish + "</p></div></div>";
  }
  NormalizedArticle a = MustNormalize(
      HtmlArticle("<nav><a href=\"/\">Forum home</a></nav><div id=\"thread\">" + posts +
                  "</div><footer><p>Forum rules and imprint of this site.</p></footer>"));
  EXPECT_EQ(a.paragraphs.size(), 4u);
  EXPECT_THAT(a.Body(), Not(HasSubstr("Forum rules")));
}

TEST(Extraction, DropsTeaserCardsWrappedInLinks) {
  NormalizedArticle a = MustNormalize(HtmlArticle(
      "<article><p>" + std::string(kLongEnglish) + "</p><p>" + kLongEnglish + "</p>"
      "<h2>You may also like</h2><ul><li><a href=\"/other\"><figure><div class=\"title\">"
      "Mayor opens a new bridge</div><p>The mayor opened the bridge on Monday after two "
      "years of work on the river crossing.</p></figure></a></li></ul></article>"));
  EXPECT_THAT(a.Body(), Not(HasSubstr("The mayor opened the bridge")));
  EXPECT_THAT(a.Body(), Not(HasSubstr("You may also like")));
  EXPECT_THAT(a.Body(), HasSubstr("The city council voted"));
}

TEST(Extraction, DropsLinkDenseTeaserListsInsideTheArticle) {
  NormalizedArticle a = MustNormalize(HtmlArticle(
      "<article><p>" + std::string(kLongEnglish) + "</p><p>" + kLongEnglish + "</p>"
      "<div class=\"more\"><div><a href=\"/1\">Mayor opens a new bridge over the river</a>"
      "<p>After two years.</p></div><div><a href=\"/2\">Schools close early for the summer "
      "holidays</a><p>Heat wave.</p></div><div><a href=\"/3\">Train fares rise again in "
      "the region</a><p>Third time.</p></div></div></article>"));
  EXPECT_THAT(a.Body(), Not(HasSubstr("After two years")));
  EXPECT_THAT(a.Body(), Not(HasSubstr("Heat wave")));
  EXPECT_THAT(a.Body(), HasSubstr("The city council voted"));
}

TEST(Extraction, TakesCaptionClassedElementsAndCreditsOutOfTheBody) {
  NormalizedArticle a = MustNormalize(HtmlArticle(
      "<article><p>" + std::string(kLongEnglish) + "</p><div class=\"wp-caption\"><img "
      "src=\"a.jpg\"><p class=\"wp-caption-text\">The new bridge at dawn.</p></div><p>"
      "Second paragraph of the story with more detail.<span class=\"photo-credit\">Jane "
      "Roe/Agency</span></p><div class=\"image-legend\">The old bridge in 1950.</div>"
      "</article>"));
  EXPECT_THAT(a.Body(), Not(HasSubstr("The old bridge in 1950")));
  EXPECT_THAT(a.captions, Contains(HasSubstr("The new bridge at dawn.")));
  EXPECT_THAT(a.Body(), Not(HasSubstr("The new bridge at dawn")));
  EXPECT_THAT(a.Body(), Not(HasSubstr("Jane Roe")));
  EXPECT_THAT(a.Body(), HasSubstr("Second paragraph of the story with more detail."));
}

TEST(Extraction, CutsClosingSectionWithCapitalisedUmlautLabel) {
  NormalizedArticle a = MustNormalize(HtmlArticle(
      "<article><p>" + std::string(kLongEnglish) + "</p><p>" + kLongEnglish + "</p><p>" +
      kLongEnglish + "</p><h3>\xC3\x84hnliche Beitr\xC3\xA4ge</h3><p>Another story about "
      "the budget and the fares.</p></article>"));
  EXPECT_THAT(a.Body(), Not(HasSubstr("hnliche Beitr")));
  EXPECT_THAT(a.Body(), Not(HasSubstr("Another story about the budget")));
}

TEST(Extraction, KeepsLinksWhenThePageIsMadeOfThem) {
  NormalizedArticle a = MustNormalize(HtmlArticle(
      "<article><h1>Reading list</h1><div class=\"entry\"><p><a href=\"/1\">Press subsidies: "
      "a study doubts the support from the state</a></p><p><a href=\"/2\">Why the new data "
      "law changes little for readers</a></p><p><a href=\"/3\">Three questions about the "
      "budget vote</a></p></div></article>"));
  EXPECT_THAT(a.Body(), HasSubstr("Press subsidies"));
}

TEST(Extraction, DropsCommentsBelowAnArticle) {
  NormalizedArticle a = MustNormalize(HtmlArticle(
      "<article><p>" + std::string(kLongEnglish) + "</p><p>" + kLongEnglish + "</p></article>"
      "<ol class=\"commentlist\"><li class=\"comment\"><p>I disagree with every word of this "
      "article and will say so at length here.</p></li></ol>"));
  EXPECT_THAT(a.Body(), Not(HasSubstr("I disagree")));
}

TEST(Charset, SniffsMetaCharset) {
  EXPECT_EQ(internal::SniffMetaCharset("<html><head><META HTTP-EQUIV=\"Content-Type\" "
                                       "CONTENT=\"text/html; charset=ISO-8859-2\">"),
            "iso-8859-2");
  EXPECT_EQ(internal::SniffMetaCharset("<meta charset='utf-8'>"), "utf-8");
  EXPECT_EQ(internal::SniffMetaCharset("<html><body><meta charset=koi8-r>"), "");
  internal::DecodedText d = internal::DecodeToUtf8("\xB1\xB3\xEA", "iso-8859-2");
  EXPECT_EQ(d.text, "\u0105\u0142\u0119");
  // Unlabelled, not UTF-8: windows-1252.
  d = internal::DecodeToUtf8("caf\xE9", "");
  EXPECT_EQ(d.text, "caf\u00E9");
  EXPECT_EQ(d.charset, "windows-1252");
}

// gumbo is quadratic in nesting depth: 10,000 levels would take seconds per page.
TEST(Normalize, FlattensPathologicallyDeepHtmlQuickly) {
  std::string html;
  for (int i = 0; i < 20000; ++i) html += "<div><span>";
  html += "<p>Deep inside the page there is a paragraph of text that should be found.</p>";
  auto start = std::chrono::steady_clock::now();
  NormalizedArticle a = MustNormalize(HtmlArticle(html));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_THAT(a.paragraphs, ElementsAre(StartsWith("Deep inside the page")));
}

TEST(Normalize, IsSafeToCallFromManyThreads) {
  const v1::RawArticle raw = TextArticle(
      "PARIS (AP) \u2014 Caf\u00E9 owners said on Tuesday that business was good.\n\n" +
      std::string(kLongEnglish));
  Normalizer normalizer({});
  const NormalizedArticle expected = MustNormalize(raw);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        auto result = normalizer.Normalize(raw);
        if (!result.ok() || result->matching_text != expected.matching_text ||
            result->language != expected.language || result->dateline.text != "PARIS (AP) \u2014") {
          ++mismatches[static_cast<size_t>(t)];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_THAT(mismatches, ::testing::Each(0));
}

// Real pages from the trafilatura benchmark, when the shared data is there: extraction
// keeps most of the text that must appear and little of the boilerplate that must not.
TEST(Normalize, ExtractsMainTextFromRealPages) {
#ifndef NEWSFLOW_HAVE_ZLIB
  GTEST_SKIP() << "built without zlib";
#else
  const char* env = std::getenv("NEWSFLOW_SHARED_DATA");
  std::filesystem::path dir;
  if (env != nullptr) dir = std::filesystem::path(env) / "extraction" / "trafilatura-eval";
  if (env == nullptr || !std::filesystem::exists(dir / "evaldata.json")) {
    GTEST_SKIP() << "NEWSFLOW_SHARED_DATA/extraction/trafilatura-eval not available";
  }
  std::ifstream in(dir / "evaldata.json");
  nlohmann::json eval = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(eval.is_discarded());
  auto squash = [](const std::string& s) {
    std::string out;
    for (char c : s) {
      bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
      if (space && (out.empty() || out.back() == ' ')) continue;
      out.push_back(space ? ' ' : c);
    }
    return out;
  };
  Normalizer normalizer({});
  int pages = 0, rejected = 0, tp = 0, fn = 0, fp = 0;
  for (auto& [url, entry] : eval.items()) {
    if (pages == 150) break;
    std::string html;
    gzFile f = gzopen((dir / "html" / (entry["file"].get<std::string>() + ".gz")).c_str(), "rb");
    if (f == nullptr) continue;
    char buffer[1 << 16];
    int n;
    while ((n = gzread(f, buffer, sizeof(buffer))) > 0) html.append(buffer, static_cast<size_t>(n));
    gzclose(f);
    ++pages;
    v1::RawArticle raw;
    raw.set_id(entry["file"].get<std::string>());
    raw.set_html(html);
    auto result = normalizer.Normalize(raw);
    std::string text;
    if (result.ok()) {
      text = result->title + "\n" + result->Body();
      for (const auto& s : result->subheadings) text += "\n" + s;
      for (const auto& s : result->captions) text += "\n" + s;
      EXPECT_TRUE(IsValidUtf8(text)) << raw.id();
    } else {
      ++rejected;
    }
    text = squash(text);
    for (const auto& s : entry["with"]) {
      text.find(squash(s.get<std::string>())) != std::string::npos ? ++tp : ++fn;
    }
    for (const auto& s : entry["without"]) {
      if (text.find(squash(s.get<std::string>())) != std::string::npos) ++fp;
    }
  }
  ASSERT_GT(pages, 100);
  double recall = static_cast<double>(tp) / (tp + fn);
  double precision = static_cast<double>(tp) / (tp + fp);
  EXPECT_LE(rejected, 2);
  EXPECT_GE(recall, 0.85) << "tp " << tp << " fn " << fn;
  EXPECT_GE(precision, 0.80) << "tp " << tp << " fp " << fp;
  std::cout << "first " << pages << " pages: precision " << precision << ", recall " << recall
            << "\n";
#endif
}

}  // namespace
}  // namespace newsflow::normalize
