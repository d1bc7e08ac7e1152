// Tests for the tagging stage: tokenizer, dateline parsing, region disambiguation rules,
// topic scoring and the seed-article acceptance check.
#include "processors/tag/tagger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/status_matchers.h"
#include "processors/tag/text_scan.h"

namespace newsflow::tag {
namespace {

using ::newsflow::testing::IsOk;
using ::newsflow::testing::StatusIs;
using ::testing::Contains;
using ::testing::Field;
using ::testing::Not;

const Tagger& SharedTagger() {
  static const Tagger* tagger = [] {
    absl::StatusOr<std::unique_ptr<Tagger>> created = Tagger::Create(TaggerOptions());
    if (!created.ok()) {
      ADD_FAILURE() << created.status();
      std::abort();
    }
    return created->release();
  }();
  return *tagger;
}

TagInput Article(std::string title, std::vector<std::string> paragraphs,
                 std::string dateline = "") {
  TagInput input;
  input.title = std::move(title);
  input.paragraphs = std::move(paragraphs);
  input.dateline_place = std::move(dateline);
  input.language = "en";
  return input;
}

const RegionTag* FindRegion(const TagResult& result, const std::string& code) {
  for (const RegionTag& r : result.regions) {
    if (r.country_code == code) return &r;
  }
  return nullptr;
}

bool HasTopic(const TagResult& result, const std::string& code) {
  for (const TopicTag& t : result.topics) {
    if (t.code == code) return true;
  }
  return false;
}

std::vector<std::string> Codes(const TagResult& result) {
  std::vector<std::string> codes;
  for (const RegionTag& r : result.regions) codes.push_back(r.country_code);
  return codes;
}

TagResult TagText(const std::string& text, const std::string& title = "") {
  return SharedTagger().Tag(Article(title, {text}));
}

// ---------------------------------------------------------------- options and data

TEST(Options, DefaultsAreValid) { EXPECT_THAT(TaggerOptions().Validate(), IsOk()); }

TEST(Options, RejectsOutOfRangeValues) {
  TaggerOptions options;
  options.min_topic_score = 1.5;
  EXPECT_THAT(options.Validate(), StatusIs(absl::StatusCode::kInvalidArgument));
  options = TaggerOptions();
  options.max_topics = -1;
  EXPECT_THAT(options.Validate(), StatusIs(absl::StatusCode::kInvalidArgument));
  options = TaggerOptions();
  options.focus_ratio = 0;
  EXPECT_THAT(options.Validate(), StatusIs(absl::StatusCode::kInvalidArgument));
  options = TaggerOptions();
  options.topic_model_weight = 2;
  EXPECT_THAT(Tagger::Create(options), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Options, MissingDataFileIsNotFound) {
  TaggerOptions options;
  options.gazetteer_path = "/nonexistent/gazetteer.tsv";
  EXPECT_THAT(Tagger::Create(options), StatusIs(absl::StatusCode::kNotFound));
}

TEST(Options, MalformedGazetteerIsInvalidArgument) {
  const std::string path = ::testing::TempDir() + "/bad_gazetteer.tsv";
  {
    std::ofstream out(path);
    out << "C\tFR\tFrance\tEurope\tWestern Europe\nF\tParis\tXX\tcapital\t0.8\t\n";
  }
  TaggerOptions options;
  options.gazetteer_path = path;
  EXPECT_THAT(Tagger::Create(options), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Options, CustomDataFilesAreUsed) {
  const std::string gazetteer = ::testing::TempDir() + "/tiny_gazetteer.tsv";
  const std::string lexicon = ::testing::TempDir() + "/tiny_lexicon.tsv";
  {
    std::ofstream out(gazetteer);
    out << "# tiny\nC\tFR\tFrance\tEurope\tWestern Europe\nF\tGaul\tFR\talias\t1\t\n";
    std::ofstream lex(lexicon);
    lex << "T\tmedtop:15000000\tsport\t-\tmedtop:15000000\t0\nK\tchariot "
           "race\tmedtop:15000000\t3\n";
  }
  TaggerOptions options;
  options.gazetteer_path = gazetteer;
  options.topic_lexicon_path = lexicon;
  absl::StatusOr<std::unique_ptr<Tagger>> tagger = Tagger::Create(options);
  ASSERT_THAT(tagger, IsOk());
  const TagResult result = (*tagger)->Tag(Article("", {"A chariot race was held in Gaul."}));
  EXPECT_THAT(Codes(result), ::testing::ElementsAre("FR"));
  EXPECT_TRUE(HasTopic(result, "medtop:15000000"));
}

TEST(Options, RoleNamesMatchTheProtoEnum) {
  EXPECT_EQ(RegionRoleName(RegionRole::kFocus), "FOCUS");
  EXPECT_EQ(RegionRoleName(RegionRole::kMentioned), "MENTIONED");
  EXPECT_EQ(RegionRoleName(RegionRole::kDateline), "DATELINE");
}

// ---------------------------------------------------------------- tokenizer and datelines

std::vector<std::string> Folded(const std::string& text) {
  internal::TokenBuffer buffer;
  internal::Tokenize(text, 0, &buffer);
  std::vector<std::string> out;
  for (const internal::Token& t : buffer.tokens) out.emplace_back(buffer.Folded(t));
  return out;
}

TEST(Tokenizer, KeepsDottedAbbreviationsAndDropsPossessives) {
  EXPECT_THAT(Folded("The U.S.-led talks; Ukraine’s allies and the U.S.S.R. in the U.K."),
              ::testing::ElementsAre("the", "u.s.", "led", "talks", "ukraine", "allies", "and",
                                     "the", "u.s.s.r.", "in", "the", "u.k."));
}

TEST(Tokenizer, FoldsCaseAndAccents) {
  EXPECT_THAT(Folded("ÉLYSÉE Côte d’Ivoire São Paulo Straße"),
              ::testing::ElementsAre("elysee", "cote", "ivoire", "sao", "paulo", "strasse"));
}

// French and Italian elisions are not part of the word: "l'Allemagne" is "allemagne", with the
// capital of the word itself; other apostrophes stay ("o'brien").
TEST(Tokenizer, DropsElidedArticlesAndPrepositions) {
  EXPECT_THAT(Folded("L'Allemagne d'Israël dell'Ucraina jusqu'à O'Brien"),
              ::testing::ElementsAre("allemagne", "israel", "ucraina", "a", "o'brien"));
  internal::TokenBuffer buffer;
  internal::Tokenize("visite de l'Inde", 0, &buffer);
  ASSERT_EQ(buffer.tokens.size(), 3u);
  EXPECT_TRUE(buffer.tokens[2].flags & internal::kInitialUpper);
}

TEST(Regions, FrenchElidedCountryNamesAreFound) {
  const TagResult result = TagText("L'Allemagne et la France ont signé un accord avec l'Inde et "
                                   "la Côte d'Ivoire.");
  EXPECT_NE(FindRegion(result, "DE"), nullptr);
  EXPECT_NE(FindRegion(result, "IN"), nullptr);
  EXPECT_NE(FindRegion(result, "CI"), nullptr);
}

TEST(Tokenizer, SplitsHanIdeographs) {
  EXPECT_THAT(Folded("美国总统"), ::testing::ElementsAre("美", "国", "总", "统"));
}

TEST(Tokenizer, FlagsCapitalisation) {
  internal::TokenBuffer buffer;
  internal::Tokenize("Turkey turkey USA, Paris", 0, &buffer);
  ASSERT_EQ(buffer.tokens.size(), 4u);
  EXPECT_TRUE(buffer.tokens[0].flags & internal::kInitialUpper);
  EXPECT_TRUE(buffer.tokens[0].flags & internal::kSentenceStart);
  EXPECT_FALSE(buffer.tokens[1].flags & internal::kInitialUpper);
  EXPECT_TRUE(buffer.tokens[2].flags & internal::kAllUpper);
  EXPECT_TRUE(buffer.tokens[3].flags & internal::kPunctBefore);
}

TEST(Tokenizer, FlagsALoneCommaBeforeAToken) {
  internal::TokenBuffer buffer;
  internal::Tokenize("Paris, Texas. Dublin , Calif.; Rome Milan", 0, &buffer);
  ASSERT_EQ(buffer.tokens.size(), 6u);
  EXPECT_TRUE(buffer.tokens[1].flags & internal::kCommaBefore);   // ", Texas"
  EXPECT_FALSE(buffer.tokens[2].flags & internal::kCommaBefore);  // ". Dublin"
  EXPECT_TRUE(buffer.tokens[3].flags & internal::kCommaBefore);   // " , Calif"
  EXPECT_FALSE(buffer.tokens[4].flags & internal::kCommaBefore);  // ".; Rome"
  EXPECT_FALSE(buffer.tokens[5].flags & internal::kCommaBefore);  // " Milan"
}

// Tokens of `text` from both paths: everything a token carries, its folded text included.
std::vector<std::string> TokensOf(const std::string& text, bool fast_path) {
  internal::TokenBuffer buffer;
  (fast_path ? internal::Tokenize : internal::TokenizeWithoutFastPath)(text, 7, &buffer);
  std::vector<std::string> out;
  for (const internal::Token& t : buffer.tokens) {
    out.push_back(std::string(buffer.Folded(t)) + "|" + std::to_string(t.flags) + "|" +
                  std::to_string(t.segment) + "|" + std::to_string(t.hash));
  }
  return out;
}

// The fast path for short ASCII words must not change a token: random mixes of the cases it
// hands back to the general path (apostrophes, periods after one letter, accents, curly
// quotes, Hangul, Han, long words, words near the end of the text) and the shared corpora.
TEST(Tokenizer, FastPathGivesTheSameTokensAsTheGeneralPath) {
  const std::vector<std::string> pieces = {
      "a", "B", "the", "The", "USA", "U.S.", "x.", "I.", "9", "2.5%", "Jordan's", "allies'",
      "l'Allemagne", "d'Israël", "O'Brien", "Ukraine’s", "d’Ivoire", "naïve", "CAFÉ", "café",
      "Straße", "abcdefghijklmnop", "abcdefghijklmno", "ABCDEFGHIJKLMNOPQRS", "mid-2024",
      "e.g.", "A.B.", "한국의", "니카라과와", "美国", "カタカナ", "Ελλάδα", "—", "–", "...",
      " ", "  ", "\n", "\t", ",", ", ", ".", ". ", ";", ":", "!", "?", "(", ")", "\"", "'",
      "’", "\xC2\xA0", "123abc", "abc123", "MixedCase", "x", "\xFF", "\xE2\x80"};
  uint64_t state = 12345;
  auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>(state >> 33);
  };
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const size_t count = 1 + next() % 24;
    for (size_t k = 0; k < count; ++k) {
      text += pieces[next() % pieces.size()];
      if (next() % 3 != 0) text += ' ';
    }
    ASSERT_EQ(TokensOf(text, true), TokensOf(text, false)) << text;
  }
  const char* shared = std::getenv("NEWSFLOW_SHARED_DATA");
  if (shared == nullptr) GTEST_SKIP() << "NEWSFLOW_SHARED_DATA not set: corpora not compared";
  int lines = 0;
  for (const char* name : {"/news_cluster/news_cluster.jsonl", "/basil/articles.jsonl",
                           "/topics/masakhanews_eng_dev.jsonl"}) {
    std::ifstream in(std::string(shared) + name);
    std::string line;
    while (std::getline(in, line)) {
      ASSERT_EQ(TokensOf(line, true), TokensOf(line, false)) << name << ": " << line;
      ++lines;
    }
  }
  if (lines == 0) GTEST_SKIP() << "no shared corpus found under " << shared;
}

TEST(Datelines, ExtractsThePlaceOfCommonDatelineStyles) {
  EXPECT_EQ(internal::ExtractDatelinePlace("Paris: Allies met on Tuesday."), "Paris");
  EXPECT_EQ(internal::ExtractDatelinePlace("PARIS (AP) — Allies met on Tuesday."), "PARIS");
  EXPECT_EQ(internal::ExtractDatelinePlace("WASHINGTON -- The Senate voted."), "WASHINGTON");
  EXPECT_EQ(internal::ExtractDatelinePlace("SALVADOR, Feb 26 - Cocoa arrivals rose."), "SALVADOR");
  EXPECT_EQ(internal::ExtractDatelinePlace("NEW DELHI, India (AP) — Officials said."), "NEW DELHI");
  EXPECT_EQ(internal::ExtractDatelinePlace("SALVADOR, Feb 26 -"), "SALVADOR");
  EXPECT_EQ(internal::ExtractDatelinePlace("Leaders from many countries met."), "");
  EXPECT_EQ(internal::ExtractDatelinePlace("Starmer added: the talks went well."), "");
}

TEST(Datelines, ColonDatelineGivesFranceTheDatelineRole) {
  const TagResult result = SharedTagger().Tag(
      Article("Kyiv seeks security guarantees",
              {"Ukraine and its partners discussed a ceasefire plan, Ukrainian officials said.",
               "Ukraine wants guarantees before any deal."},
              "Paris:"));
  const RegionTag* fr = FindRegion(result, "FR");
  ASSERT_NE(fr, nullptr);
  EXPECT_EQ(fr->role, RegionRole::kDateline);
  ASSERT_FALSE(result.regions.empty());
  EXPECT_EQ(result.regions[0].country_code, "UA");
  EXPECT_EQ(result.regions[0].role, RegionRole::kFocus);
}

TEST(Datelines, AgencyDatelineInTheFirstParagraph) {
  const TagResult result = SharedTagger().Tag(
      Article("Talks resume", {"PARIS (AP) — Negotiators met again on Monday.", "No deal."}));
  const RegionTag* fr = FindRegion(result, "FR");
  ASSERT_NE(fr, nullptr);
  EXPECT_EQ(fr->role, RegionRole::kDateline);
}

TEST(Datelines, DoubleDashDateline) {
  const TagResult result = SharedTagger().Tag(
      Article("Senate vote", {"The Senate voted on the bill."}, "WASHINGTON --"));
  const RegionTag* us = FindRegion(result, "US");
  ASSERT_NE(us, nullptr);
  EXPECT_EQ(us->role, RegionRole::kDateline);
}

TEST(Datelines, ReutersStyleDatelineWithDate) {
  const TagResult result = SharedTagger().Tag(Article(
      "COCOA ARRIVALS RISE", {"Cocoa arrivals at the port rose this week."}, "SALVADOR, Feb 26 -"));
  EXPECT_NE(FindRegion(result, "BR"), nullptr);
}

TEST(Datelines, StateQualifierDecidesTheCountry) {
  const TagResult result = SharedTagger().Tag(Article(
      "COBANCO INC YEAR NET", {"Shr 34 cts vs 1.19 dlrs."}, "SANTA CRUZ, Calif., Feb 26 -"));
  ASSERT_FALSE(result.regions.empty());
  EXPECT_EQ(result.regions[0].country_code, "US");
  EXPECT_EQ(result.regions[0].role, RegionRole::kDateline);
  const TagResult reading = SharedTagger().Tag(
      Article("BANCORP SETS PAYOUT", {"Qtly div 25 cts."}, "READING, Penn., Feb 26 -"));
  ASSERT_FALSE(reading.regions.empty());
  EXPECT_EQ(reading.regions[0].country_code, "US");
}

TEST(Datelines, ParsesPlaceQualifierAndLength) {
  const internal::DatelineParts parts =
      internal::ParseDateline("SANTA CRUZ, Calif., Feb 26 - Shares rose.");
  EXPECT_EQ(parts.place, "SANTA CRUZ");
  EXPECT_EQ(parts.qualifier, "Calif., Feb 26");
  EXPECT_EQ(parts.end, std::string("SANTA CRUZ, Calif., Feb 26 -").size());
}

TEST(Datelines, AmbiguousCityCountsOnlyInTheDateline) {
  EXPECT_EQ(FindRegion(TagText("Nice weather helped the harvest. It was a nice day."), "FR"),
            nullptr);
  const TagResult result =
      SharedTagger().Tag(Article("Festival opens", {"The festival opened on Friday."}, "NICE"));
  const RegionTag* fr = FindRegion(result, "FR");
  ASSERT_NE(fr, nullptr);
  EXPECT_EQ(fr->role, RegionRole::kDateline);
}

// ---------------------------------------------------------------- region disambiguation

TEST(Regions, StateAfterACommaPlacesTheCity) {
  const TagResult result =
      TagText("The company will close its plant in Paris, Texas, and move the jobs to Dublin, "
              "Calif., next year.");
  EXPECT_NE(FindRegion(result, "US"), nullptr);
  EXPECT_EQ(FindRegion(result, "FR"), nullptr);
  EXPECT_EQ(FindRegion(result, "IE"), nullptr);
}

TEST(Regions, StateAbbreviationThatIsAlsoAWordQualifiesOnlyAtThePhraseEnd) {
  EXPECT_NE(FindRegion(TagText("In Rome, Mass was said by the pope for the pilgrims."), "IT"),
            nullptr);
  EXPECT_EQ(FindRegion(TagText("The firm, based in Manchester, Mass., hired 40 people."), "GB"),
            nullptr);
}

TEST(Regions, UsStateGeorgiaAfterACityIsTheState) {
  const TagResult result = TagText("The festival in Athens, Georgia, drew 20,000 visitors.");
  EXPECT_NE(FindRegion(result, "US"), nullptr);
  EXPECT_EQ(FindRegion(result, "GE"), nullptr);
  EXPECT_EQ(FindRegion(result, "GR"), nullptr);
}

TEST(Regions, CountryNameEndingThePhrasePlacesTheCity) {
  const TagResult result = TagText("Clashes broke out in Tripoli, Lebanon, on Monday.");
  EXPECT_NE(FindRegion(result, "LB"), nullptr);
  EXPECT_EQ(FindRegion(result, "LY"), nullptr);
}

TEST(Regions, CountryStartingAClauseAfterACityDoesNotMoveIt) {
  const TagResult result =
      TagText("At the talks in Paris, Japan promised to work out an economic package.");
  EXPECT_NE(FindRegion(result, "FR"), nullptr);
  EXPECT_NE(FindRegion(result, "JP"), nullptr);
}

TEST(Regions, ListedCitiesAreNotQualifiedByTheirNeighbours) {
  const TagResult result =
      TagText("The bank has offices in Tokyo, Hong Kong, Moscow and Zurich.");
  EXPECT_NE(FindRegion(result, "JP"), nullptr);
  EXPECT_NE(FindRegion(result, "HK"), nullptr);
}

TEST(Regions, AmbiguousCityAfterMayorOfIsThePlace) {
  EXPECT_NE(FindRegion(TagText("The mayor of Nice said the city needed more police."), "FR"),
            nullptr);
  EXPECT_EQ(FindRegion(TagText("The mayor said it was a nice gesture."), "FR"), nullptr);
}

TEST(Regions, TurkeyTheBirdIsNotACountry) {
  EXPECT_EQ(FindRegion(TagText("We roasted a turkey and ate turkey sandwiches for a week."), "TR"),
            nullptr);
  EXPECT_NE(FindRegion(TagText("Turkey said it would reopen the border crossing."), "TR"), nullptr);
}

TEST(Regions, TurkeyInATitleCaseTitleNeedsBodySupport) {
  const TagResult bird =
      SharedTagger().Tag(Article("Turkey Prices Soar Before The Holidays",
                                 {"Shoppers paid more for a whole turkey this year."}));
  EXPECT_EQ(FindRegion(bird, "TR"), nullptr);
  const TagResult country = SharedTagger().Tag(Article(
      "Turkey Raises Interest Rates Again", {"Turkey's central bank raised its key rate."}));
  EXPECT_NE(FindRegion(country, "TR"), nullptr);
}

TEST(Regions, TurkeyAtASentenceStartInAPoultryStoryIsTheBird) {
  const TagResult result = SharedTagger().Tag(
      Article("Turkey prices soar before Thanksgiving",
              {"Turkey prices in US supermarkets have soared ahead of Thanksgiving as bird flu "
               "cut flocks in Minnesota and Iowa."}));
  EXPECT_EQ(FindRegion(result, "TR"), nullptr);
  EXPECT_NE(FindRegion(result, "US"), nullptr);
}

TEST(Regions, TurkeyInAPoultryStoryWithOtherEvidenceIsTheCountry) {
  EXPECT_NE(FindRegion(TagText("Turkey banned poultry imports from three countries, the "
                               "agriculture ministry in Ankara said."),
                       "TR"),
            nullptr);
  EXPECT_NE(FindRegion(TagText("Farmers expect record turkey sales this Thanksgiving. Exports "
                               "to Turkey rose too."),
                       "TR"),
            nullptr);  // mid-sentence, the capital tells
}

TEST(Regions, JordanFollowedBySurnameIsAPerson) {
  EXPECT_EQ(FindRegion(TagText("Jordan Peterson spoke to students at the event."), "JO"), nullptr);
}

TEST(Regions, JordanPrecededByFirstNameIsAPerson) {
  EXPECT_EQ(
      FindRegion(TagText("Fans still compare every player to Michael Jordan at his peak."), "JO"),
      nullptr);
}

// A surname that is also a town (Henderson, Nevada; Johnson City) still makes a person.
TEST(Regions, JordanFollowedBySurnameThatIsAlsoATownIsAPerson) {
  EXPECT_EQ(FindRegion(TagText("Jordan Henderson has signed for Ajax."), "JO"), nullptr);
  EXPECT_EQ(FindRegion(TagText("Chad Johnson caught two passes."), "TD"), nullptr);
  EXPECT_NE(FindRegion(TagText("Israel West Bank settlements grew again."), "IL"), nullptr);
}

TEST(Regions, JordanTheCountryStillMatches) {
  EXPECT_NE(FindRegion(TagText("Jordan's King Abdullah met officials in Amman."), "JO"), nullptr);
  EXPECT_NE(FindRegion(TagText("Farmers in the Jordan Valley lost their crops."), "JO"), nullptr);
  EXPECT_NE(FindRegion(TagText("Refugees crossed into Jordan, officials said."), "JO"), nullptr);
}

TEST(Regions, ParisHiltonIsNotFrance) {
  EXPECT_EQ(FindRegion(TagText("Paris Hilton launched a new fragrance line."), "FR"), nullptr);
  EXPECT_NE(FindRegion(TagText("Ministers met in Paris on Tuesday."), "FR"), nullptr);
}

TEST(Regions, GeorgiaIsTheCountryWithoutUsContext) {
  const TagResult result =
      TagText("Protesters gathered in Tbilisi as Georgia's parliament debated the law.");
  EXPECT_NE(FindRegion(result, "GE"), nullptr);
  EXPECT_EQ(FindRegion(result, "US"), nullptr);
}

TEST(Regions, GeorgiaIsTheUsStateNearUsContext) {
  TagResult result = TagText("Voters in Georgia and Arizona will decide the race.");
  EXPECT_EQ(FindRegion(result, "GE"), nullptr);
  EXPECT_NE(FindRegion(result, "US"), nullptr);
  result = TagText("Storms hit the state of Georgia overnight.");
  EXPECT_EQ(FindRegion(result, "GE"), nullptr);
  result = TagText("The company moved its headquarters to Atlanta. Georgia offered tax breaks.");
  EXPECT_EQ(FindRegion(result, "GE"), nullptr);
  EXPECT_NE(FindRegion(result, "US"), nullptr);
}

TEST(Regions, DottedAbbreviationsAreRecognised) {
  const TagResult result = TagText("U.S. and U.K. officials met their counterparts.");
  EXPECT_NE(FindRegion(result, "US"), nullptr);
  EXPECT_NE(FindRegion(result, "GB"), nullptr);
}

TEST(Regions, UpperCaseUsIsTheCountryButLowerCaseIsAPronoun) {
  EXPECT_NE(FindRegion(TagText("The US imposed new tariffs."), "US"), nullptr);
  EXPECT_EQ(FindRegion(TagText("Let us know what you think, and tell us more."), "US"), nullptr);
}

TEST(Regions, DemonymsCountForTheirCountry) {
  const TagResult result = TagText("French and German officials met Russian diplomats.");
  EXPECT_NE(FindRegion(result, "FR"), nullptr);
  EXPECT_NE(FindRegion(result, "DE"), nullptr);
  EXPECT_NE(FindRegion(result, "RU"), nullptr);
}

TEST(Regions, OrganisationsAndLandmarksImplyACountry) {
  const TagResult result =
      TagText("The Kremlin, Downing Street and the White House all declined to comment.");
  EXPECT_NE(FindRegion(result, "RU"), nullptr);
  EXPECT_NE(FindRegion(result, "GB"), nullptr);
  EXPECT_NE(FindRegion(result, "US"), nullptr);
}

TEST(Regions, UsStateNamesMeanTheUnitedStates) {
  const TagResult result =
      TagText("Wildfires spread across California while floods hit Texas and Ohio.");
  const RegionTag* us = FindRegion(result, "US");
  ASSERT_NE(us, nullptr);
  EXPECT_EQ(us->role, RegionRole::kFocus);
  EXPECT_EQ(us->mentions, 3);
  EXPECT_EQ(result.regions.size(), 1u);
}

TEST(Regions, TheElyseeImpliesFrance) {
  const TagResult result = TagText("The Elysee said the president would travel next week.");
  EXPECT_NE(FindRegion(result, "FR"), nullptr);
}

TEST(Regions, CountryNamesInOtherLanguagesAreFound) {
  const TagResult de = TagText("Frankreich und Deutschland verhandeln mit Russland.");
  EXPECT_NE(FindRegion(de, "FR"), nullptr);
  EXPECT_NE(FindRegion(de, "DE"), nullptr);
  EXPECT_NE(FindRegion(de, "RU"), nullptr);
  const TagResult es = TagText("Alemania y Estados Unidos firmaron el acuerdo.");
  EXPECT_NE(FindRegion(es, "DE"), nullptr);
  EXPECT_NE(FindRegion(es, "US"), nullptr);
}

TEST(Regions, BlocsAreReportedApartFromCountries) {
  const TagResult result = TagText(
      "NATO and European Union leaders met. The EU and OPEC said the U.N. should act.");
  std::vector<std::string> codes;
  for (const BlocTag& b : result.blocs) codes.push_back(b.code);
  EXPECT_THAT(codes, ::testing::UnorderedElementsAre("NATO", "EU", "OPEC", "UN"));
  ASSERT_FALSE(result.blocs.empty());
  EXPECT_EQ(result.blocs[0].code, "EU");  // two mentions
  EXPECT_EQ(result.blocs[0].mentions, 2);
  EXPECT_EQ(result.blocs[0].region, "Europe");
  EXPECT_TRUE(result.regions.empty());  // a bloc is no country
}

TEST(Regions, LowerCaseUnIsNotTheUnitedNations) {
  EXPECT_TRUE(TagText("Il y a un accord entre les deux parties.").blocs.empty());
}

TEST(Regions, HistoricNamesMapToTodaysCountries) {
  const TagResult result = TagText("West Germany and the Soviet Union signed the accord.");
  EXPECT_NE(FindRegion(result, "DE"), nullptr);
  EXPECT_NE(FindRegion(result, "RU"), nullptr);
}

TEST(Regions, LatinAmericaIsNotTheUnitedStates) {
  const TagResult result = TagText("Growth in Latin America and South America slowed.");
  EXPECT_EQ(FindRegion(result, "US"), nullptr);
}

TEST(Regions, LongestMatchWins) {
  const TagResult result = TagText("Officials in New Mexico and Papua New Guinea responded.");
  EXPECT_NE(FindRegion(result, "US"), nullptr);
  EXPECT_NE(FindRegion(result, "PG"), nullptr);
  EXPECT_EQ(FindRegion(result, "MX"), nullptr);
  EXPECT_EQ(FindRegion(result, "GN"), nullptr);
}

TEST(Regions, TitleMentionsOutweighLateMentions) {
  const TagResult result = SharedTagger().Tag(Article(
      "Brazil cuts coffee export quota",
      {"The government announced the measure on Monday.", "Traders said the move was expected.",
       "Colombia, another producer, did not comment."}));
  ASSERT_GE(result.regions.size(), 2u);
  EXPECT_EQ(result.regions[0].country_code, "BR");
  EXPECT_EQ(result.regions[0].role, RegionRole::kFocus);
  EXPECT_FLOAT_EQ(result.regions[0].score, 1.0f);
  const RegionTag* co = FindRegion(result, "CO");
  ASSERT_NE(co, nullptr);
  EXPECT_EQ(co->role, RegionRole::kMentioned);
  EXPECT_LT(co->score, 1.0f);
}

TEST(Regions, TheHeadlinesFirstCountryRanksFirst) {
  const TagResult result = SharedTagger().Tag(
      Article("Kenya signs grain deal with Egypt",
              {"Kenya and Egypt agreed on the terms.", "Egypt will ship wheat, Egypt said."}));
  ASSERT_GE(result.regions.size(), 2u);
  EXPECT_EQ(result.regions[0].country_code, "KE");
  EXPECT_EQ(result.regions[0].role, RegionRole::kFocus);
  const RegionTag* eg = FindRegion(result, "EG");
  ASSERT_NE(eg, nullptr);
  EXPECT_EQ(eg->role, RegionRole::kFocus);  // the bonus does not push others out of focus
}

TEST(Regions, RegionAndSubregionComeFromTheCountryRows) {
  const TagResult result = TagText("Ukraine and Kenya signed a grain deal.");
  const RegionTag* ua = FindRegion(result, "UA");
  ASSERT_NE(ua, nullptr);
  EXPECT_EQ(ua->name, "Ukraine");
  EXPECT_EQ(ua->region, "Europe");
  EXPECT_EQ(ua->subregion, "Eastern Europe");
  const RegionTag* ke = FindRegion(result, "KE");
  ASSERT_NE(ke, nullptr);
  EXPECT_EQ(ke->region, "Africa");
}

TEST(Regions, TwoProminentCountriesAreBothFocus) {
  const TagResult result = SharedTagger().Tag(
      Article("India and Pakistan trade fire",
              {"India accused Pakistan of shelling.", "Pakistan blamed India."}));
  const RegionTag* in = FindRegion(result, "IN");
  const RegionTag* pk = FindRegion(result, "PK");
  ASSERT_NE(in, nullptr);
  ASSERT_NE(pk, nullptr);
  EXPECT_EQ(in->role, RegionRole::kFocus);
  EXPECT_EQ(pk->role, RegionRole::kFocus);
}

TEST(Regions, NonEnglishInputDoesNotCrash) {
  const TagResult zh = TagText("美国总统与俄罗斯总统在日本会面。");
  EXPECT_NE(FindRegion(zh, "US"), nullptr);
  EXPECT_NE(FindRegion(zh, "RU"), nullptr);
  const TagResult ru = TagText("Россия и Украина провели переговоры в Стамбуле.");
  EXPECT_NE(FindRegion(ru, "RU"), nullptr);
  TagText("مرحبا بالعالم — هذا نص عربي قصير");
  TagText("Ελλάδα και Κύπρος");
  TagText(std::string("broken \xC3\x28 utf8 \xFF\xFE and a lone \xE2\x82 byte"));
  TagText(std::string(5000, 'x'));
  TagText("");
  SUCCEED();
}

// Arabic writes "and", "in" and "to" as prefixes of the next word: "والأردن" (and Jordan),
// "بمصر" (in Egypt); three-letter names ("مصر", "قطر") are names there, not codes.
TEST(Regions, ArabicNamesWithAttachedConjunctionsAreFound) {
  const TagResult result = TagText("وقعت مصر والأردن اتفاقية في القاهرة، ورحبت قطر بالاتفاق.");
  EXPECT_NE(FindRegion(result, "EG"), nullptr);
  EXPECT_NE(FindRegion(result, "JO"), nullptr);
  EXPECT_NE(FindRegion(result, "QA"), nullptr);
}

// Korean writes particles onto names ("미국과" and the US, "러시아에" to Russia); two-syllable
// names stay whole ("인도" India), and a word with a particle-like end is left alone.
TEST(Regions, KoreanNamesWithParticlesAreFound) {
  const TagResult result =
      TagText("미국과 중국의 정상이 북한 문제를 논의했고, 러시아에 대한 제재와 인도도 다뤘다.");
  for (const char* code : {"US", "CN", "KP", "RU", "IN"}) {
    EXPECT_NE(FindRegion(result, code), nullptr) << code;
  }
  EXPECT_EQ(FindRegion(TagText("사랑이란 무엇인가"), "IR"), nullptr);
}

TEST(Regions, EmptyInputGivesNoTags) {
  const TagResult result = SharedTagger().Tag(TagInput());
  EXPECT_TRUE(result.regions.empty());
  EXPECT_TRUE(result.topics.empty());
}

// ---------------------------------------------------------------- topics

TEST(Topics, MultiLabelArticle) {
  const TagResult result = SharedTagger().Tag(Article(
      "Ceasefire talks stall as election nears",
      {"Negotiators failed to agree on a ceasefire after fresh shelling along the front line.",
       "The prime minister, facing a general election next month, told parliament that voters "
       "would judge the government on the peace talks.",
       "Opposition lawmakers called for new sanctions."}));
  EXPECT_TRUE(HasTopic(result, "medtop:16000000"));
  EXPECT_TRUE(HasTopic(result, "medtop:11000000"));
}

TEST(Topics, EconomyArticle) {
  const TagResult result = TagText(
      "The central bank raised interest rates by 50 basis points as inflation hit a ten-year high, "
      "and economists expect slower economic growth.",
      "Central bank raises rates");
  ASSERT_FALSE(result.topics.empty());
  EXPECT_EQ(result.topics[0].code, "medtop:04000000");
  EXPECT_EQ(result.topics[0].label, "economy, business and finance");
}

TEST(Topics, SportArticleIncludesTheDiscipline) {
  const TagResult result = TagText(
      "The striker scored twice as the home side won the Premier League match, and the goalkeeper "
      "saved a late penalty to keep the title race open.",
      "Late goals settle league match");
  EXPECT_TRUE(HasTopic(result, "medtop:15000000"));
  EXPECT_TRUE(HasTopic(result, "medtop:20001065"));
}

TEST(Topics, DisasterArticle) {
  const TagResult result = TagText(
      "A magnitude 6.8 earthquake struck the region; rescuers searched collapsed buildings "
      "as the death toll rose.",
      "Earthquake kills dozens");
  ASSERT_FALSE(result.topics.empty());
  EXPECT_EQ(result.topics[0].code, "medtop:03000000");
}

TEST(Topics, ScoresAreBoundedSortedAndLimited) {
  TaggerOptions options;
  options.max_topics = 2;
  options.min_topic_score = 0.1;
  absl::StatusOr<std::unique_ptr<Tagger>> tagger = Tagger::Create(options);
  ASSERT_THAT(tagger, IsOk());
  const TagResult result = (*tagger)->Tag(
      Article("War, elections and football", {"The war dragged on while voters went to the polls "
                                              "and the football team won the cup final."}));
  ASSERT_LE(result.topics.size(), 2u);
  ASSERT_FALSE(result.topics.empty());
  for (size_t i = 0; i < result.topics.size(); ++i) {
    EXPECT_GE(result.topics[i].score, 0.1f);
    EXPECT_LE(result.topics[i].score, 1.0f);
    if (i > 0) {
      EXPECT_GE(result.topics[i - 1].score, result.topics[i].score);
    }
  }
}

TEST(Topics, TopLevelOnlyWhenDepthIsZero) {
  TaggerOptions options;
  options.max_topic_depth = 0;
  absl::StatusOr<std::unique_ptr<Tagger>> tagger = Tagger::Create(options);
  ASSERT_THAT(tagger, IsOk());
  const TagResult result =
      (*tagger)->Tag(Article("Striker scores", {"The striker scored in the Premier League."}));
  ASSERT_FALSE(result.topics.empty());
  EXPECT_THAT(result.topics, Not(Contains(Field(&TopicTag::code, "medtop:20001065"))));
  EXPECT_THAT(result.topics, Contains(Field(&TopicTag::code, "medtop:15000000")));
}

// IPTC top level of general news vocabulary: the best-scoring topic (always a top level, since
// evidence is propagated to ancestors) must be the subject's IPTC top level.
std::string TopTopic(const TagResult& result) {
  return result.topics.empty() ? "none" : result.topics[0].code;
}

TEST(Tagger, SpaceProgrammeStoryIsScienceNotBusiness) {
  // "satellite" is also IPTC's satellite-technology industry (economy); space words decide.
  const TagResult result = SharedTagger().Tag(Article(
      "Space agency loses contact with new communications satellite",
      {"Engineers of the national space programme said the satellite, built by a state-owned "
       "company, stopped responding hours after liftoff from the spaceport.",
       "A cosmonaut on the space station said the launch vehicle performed normally."}));
  EXPECT_EQ(TopTopic(result), "medtop:13000000");
}

TEST(Tagger, ConsoleSystemUpdateIsTechnologyNotSport) {
  // "players" and "game" are sport words; console names and software updates are technology.
  const TagResult result = SharedTagger().Tag(Article(
      "PlayStation system update adds new features for players",
      {"Sony released a firmware update for the PS4 console on Tuesday.",
       "Players can now hide games from their library and change the user interface."}));
  EXPECT_EQ(TopTopic(result), "medtop:13000000");
  EXPECT_TRUE(HasTopic(result, "medtop:10000000"));  // video games: lifestyle and leisure
}

TEST(Tagger, ParadeIsAFestiveCulturalEvent) {
  const TagResult result = SharedTagger().Tag(Article(
      "Thousands line the streets for New Year parade",
      {"Marching bands and flower-covered floats rolled down the boulevard on Monday morning.",
       "Spectators camped overnight to watch the parade, which ended with fireworks."}));
  EXPECT_EQ(TopTopic(result), "medtop:01000000");
}

TEST(Tagger, RammingAttackIsTerrorNotATrafficAccident) {
  const TagResult result = SharedTagger().Tag(Article(
      "Truck rams into crowd, dozens dead",
      {"A truck drove through a crowd watching fireworks on Thursday night in what the president "
       "called a ramming attack.",
       "The driver was shot to death by police; prosecutors opened a terror investigation."}));
  // Terror (conflict) or crime, both right; a traffic accident (disaster) would be wrong.
  EXPECT_NE(TopTopic(result), "medtop:03000000");
  EXPECT_TRUE(HasTopic(result, "medtop:20000053"));  // act of terror
}

TEST(Tagger, GunViolenceIsCrimeNotWar) {
  // "violence" alone is evidence for conflict, war and peace; "gun violence" is crime.
  const TagResult result = SharedTagger().Tag(Article(
      "Mayor calls for an end to gun violence",
      {"The mayor spoke after a weekend of gun violence in which shots fired near a school "
       "wounded two teenagers."}));
  EXPECT_EQ(TopTopic(result), "medtop:02000000");
}

TEST(Tagger, SexTraffickingIsCrime) {
  const TagResult result = SharedTagger().Tag(Article(
      "Police break up sex trafficking ring",
      {"Detectives said the trafficking victims were moved between three cities."}));
  EXPECT_EQ(TopTopic(result), "medtop:02000000");
}

TEST(Tagger, ChipMakerProductNewsIsTechnology) {
  // Major technology companies and products are technology evidence, not only their industry's.
  const TagResult result = SharedTagger().Tag(Article(
      "Nvidia and AMD unveil faster chips for laptops",
      {"Nvidia said its new graphics processor would ship in laptops from Lenovo and Dell next "
       "month, while AMD showed a chip for the iPad's rivals.",
       "Intel, which supplies most personal computer makers, is expected to answer this year."}));
  EXPECT_EQ(TopTopic(result), "medtop:13000000");
}

TEST(Tagger, DataBreachIsTechnologyWithCyberCrime) {
  // Computer-security stories are technology news; the crime reading stays among the topics.
  const TagResult result = SharedTagger().Tag(Article(
      "Hackers steal customer passwords in data breach",
      {"The company said a cyberattack exposed the personal data of two million customers "
       "after hackers planted malware on its servers.",
       "Security researchers said the flaw had been known for months."}));
  EXPECT_EQ(TopTopic(result), "medtop:13000000");
  EXPECT_TRUE(HasTopic(result, "medtop:02000000"));
}

TEST(Tagger, DataBreachCrimeEvidenceIsCyberCrime) {
  TaggerOptions options;
  options.max_topic_depth = 3;
  options.max_topics = 30;
  absl::StatusOr<std::unique_ptr<Tagger>> tagger = Tagger::Create(options);
  ASSERT_THAT(tagger, IsOk());
  const TagResult result = (*tagger)->Tag(Article(
      "Hackers behind phishing emails arrested",
      {"Police said the hackers used phishing and malware to commit identity theft."}));
  EXPECT_TRUE(HasTopic(result, "medtop:20000086"));  // crime > cyber crime
}

TEST(Tagger, DigitalCurrencyIsTechnologyAndEconomy) {
  const TagResult result = SharedTagger().Tag(Article(
      "Ethereum and other cryptocurrencies extend their slide",
      {"Digital currency traders said the blockchain network's upgrade had been delayed."}));
  EXPECT_TRUE(HasTopic(result, "medtop:13000000"));
  EXPECT_TRUE(HasTopic(result, "medtop:04000000"));
}

TEST(Tagger, FranchiseTrailerIsEntertainmentNotWar) {
  // A film franchise's name is one phrase: the "wars" of "Star Wars" is not conflict.
  const TagResult result = SharedTagger().Tag(Article(
      "Disney releases new Star Wars trailer",
      {"The studio's trailer for the next Star Wars film, starring the original cast, drew "
       "millions of views in a day.",
       "Pixar and Marvel films are also due before the summer."}));
  EXPECT_EQ(TopTopic(result), "medtop:01000000");
  EXPECT_FALSE(HasTopic(result, "medtop:16000000"));
}

TEST(Tagger, AwardShowRedCarpetIsEntertainment) {
  // IPTC files celebrities under human interest; award shows and the red carpet are
  // entertainment, and together they decide.
  const TagResult result = SharedTagger().Tag(Article(
      "Celebrities dazzle on the Golden Globes red carpet",
      {"The awards show drew movie stars and television hosts; the biggest celebrity of the "
       "night arrived last."}));
  EXPECT_EQ(TopTopic(result), "medtop:01000000");
}

TEST(Tagger, CancelledFlightIsAirlineBusiness) {
  const TagResult result = SharedTagger().Tag(Article(
      "Budget airline cancels flight after crew shortage",
      {"The low cost carrier said flight attendants were unavailable and offered refunds."}));
  EXPECT_EQ(TopTopic(result), "medtop:04000000");
}

// "Strike" is a labor dispute only in its own phrases; other senses are their own topics.
TEST(Tagger, LightningStrikesAreWeatherNotALaborDispute) {
  const TagResult result = SharedTagger().Tag(Article(
      "Lightning strikes kill three farmers",
      {"Lightning strikes killed three farmers in rice fields on Monday, officials said."}));
  EXPECT_EQ(TopTopic(result), "medtop:17000000");
  EXPECT_FALSE(HasTopic(result, "medtop:09000000"));
}

TEST(Tagger, MilitaryStrikesAreConflictNotALaborDispute) {
  const TagResult result = SharedTagger().Tag(Article(
      "Rocket strikes hit border towns",
      {"Rocket strikes and artillery strikes hit three border towns overnight, the army said."}));
  EXPECT_EQ(TopTopic(result), "medtop:16000000");
  EXPECT_FALSE(HasTopic(result, "medtop:09000000"));
}

TEST(Tagger, WorkersOnStrikeAreALaborDispute) {
  const TagResult result = SharedTagger().Tag(Article(
      "Dockworkers go on strike",
      {"Dockworkers went on strike on Monday, shutting the port, and the union called a general "
       "strike for Friday."}));
  EXPECT_EQ(TopTopic(result), "medtop:09000000");
  EXPECT_TRUE(HasTopic(result, "medtop:20000529"));
}

TEST(Tagger, RenewedStreamingSeriesIsTelevisionNotSport) {
  const TagResult result = SharedTagger().Tag(Article(
      "Streaming series renewed for second season",
      {"The streaming service renewed its hit fantasy series for a second season after it drew "
       "record audiences."}));
  EXPECT_EQ(TopTopic(result), "medtop:01000000");
  EXPECT_TRUE(HasTopic(result, "medtop:20000051"));
}

TEST(Tagger, HandballFoulInAFootballReportIsSoccerNotHandball) {
  const TagResult result = SharedTagger().Tag(Article(
      "Late header sends Valencia top",
      {"Sevilla equalised through a penalty after a handball in the area, but a header in "
       "stoppage time won it for Valencia."}));
  EXPECT_EQ(TopTopic(result), "medtop:15000000");
  EXPECT_TRUE(HasTopic(result, "medtop:20001065"));   // soccer
  EXPECT_FALSE(HasTopic(result, "medtop:20000958"));  // handball, the sport
}

TEST(Tagger, PlaneCrashToldWithAirlineWordsIsAnAccident) {
  const TagResult result = SharedTagger().Tag(Article(
      "Small plane crashes after take-off, killing 12",
      {"The charter airline's flight crashed into a mountain shortly after leaving the airport, "
       "and aviation officials said the wreckage was found at the crash site.",
       "The airline said it was cooperating with investigators and that the flight recorder had "
       "been recovered. Tourists and two pilots perished."}));
  EXPECT_EQ(TopTopic(result), "medtop:03000000");
  EXPECT_TRUE(HasTopic(result, "medtop:20000143"));
}

TEST(Tagger, SnowLeopardIsWildlifeNotWeather) {
  const TagResult result = SharedTagger().Tag(Article(
      "Rare snow leopard spotted",
      {"A rare snow leopard was spotted by camera traps in the mountains, conservationists said, "
       "raising hopes for the endangered species."}));
  EXPECT_EQ(TopTopic(result), "medtop:06000000");
  EXPECT_FALSE(HasTopic(result, "medtop:17000000"));
}

TEST(Tagger, FigureOfSpeechCountsForNothingAndListsNoTopicTwice) {
  const TagResult result = SharedTagger().Tag(Article(
      "Minister under fire over expenses",
      {"The finance minister came under fire on Tuesday, and the prime minister came under fire "
       "too, as opposition lawmakers called for a vote in parliament."}));
  EXPECT_EQ(TopTopic(result), "medtop:11000000");
  EXPECT_FALSE(HasTopic(result, "medtop:03000000"));  // no fire, no disaster
  std::vector<std::string> codes;
  for (const TopicTag& topic : result.topics) codes.push_back(topic.code);
  std::sort(codes.begin(), codes.end());
  EXPECT_EQ(std::adjacent_find(codes.begin(), codes.end()), codes.end());
}

TEST(Tagger, GolfRoundReportWithoutTheWordGolfIsGolf) {
  const TagResult result = SharedTagger().Tag(Article(
      "Leader stretches advantage to three shots",
      {"She carded a 65 with six birdies and one bogey to move to 11 under par after the second "
       "round, holing a long putt on the last."}));
  EXPECT_EQ(TopTopic(result), "medtop:15000000");
  EXPECT_TRUE(HasTopic(result, "medtop:20000940"));
}

TEST(Tagger, MotorRaceReportIsMotorRacing) {
  const TagResult result = SharedTagger().Tag(Article(
      "Champion wins from pole after late pit stop drama",
      {"The champion started from pole position and led most laps; his team-mate lost the lead "
       "in the pit lane and set the fastest lap."}));
  EXPECT_EQ(TopTopic(result), "medtop:15000000");
  EXPECT_TRUE(HasTopic(result, "medtop:20000991"));
}

TEST(Tagger, NursesWalkingOutOverPayIsALaborDispute) {
  const TagResult result = SharedTagger().Tag(Article(
      "Nurses vote to walk out over pay",
      {"Nurses will stage a 48-hour walkout after union members rejected the pay offer, and "
       "hospitals are preparing for the walk out."}));
  EXPECT_EQ(TopTopic(result), "medtop:09000000");
  EXPECT_TRUE(HasTopic(result, "medtop:20000529"));
}

TEST(Tagger, ArmySeizingPowerIsACoup) {
  const TagResult result = SharedTagger().Tag(Article(
      "Army seizes power",
      {"Soldiers seized power overnight and detained the president, an army spokesman said on "
       "state television."}));
  EXPECT_EQ(TopTopic(result), "medtop:16000000");
  EXPECT_TRUE(HasTopic(result, "medtop:20000070"));
}

TEST(Tagger, GuitaristLeavingTheBandIsMusic) {
  const TagResult result = SharedTagger().Tag(Article(
      "Guitarist quits rock band before reunion tour",
      {"The guitarist said he would not join the tour dates; the frontman thanked him."}));
  EXPECT_EQ(TopTopic(result), "medtop:01000000");
  EXPECT_TRUE(HasTopic(result, "medtop:20000018"));
}

TEST(Tagger, RadioPresentersLastShowIsMedia) {
  const TagResult result = SharedTagger().Tag(Article(
      "Radio presenter signs off after 30 years",
      {"The DJ hosted his final breakfast show on the station, thanking listeners."}));
  EXPECT_EQ(TopTopic(result), "medtop:01000000");
  EXPECT_TRUE(HasTopic(result, "medtop:20000050"));
}

TEST(Tagger, PatchedSecurityHoleIsComputingNews) {
  const TagResult result = SharedTagger().Tag(Article(
      "Software maker patches critical flaw",
      {"The company released a security update for a security hole in its operating system."}));
  EXPECT_EQ(TopTopic(result), "medtop:13000000");
  EXPECT_TRUE(HasTopic(result, "medtop:20000763"));
}

TEST(Tagger, JunkEmailIsComputingNews) {
  const TagResult result = SharedTagger().Tag(
      Article("Spam reaches record levels", {"Junk e-mail makes up most of all e-mail traffic."}));
  EXPECT_EQ(TopTopic(result), "medtop:13000000");
}

// Five slots: a second subject past 0.2 (sport, one mention) is reported rather than a
// sixth weak topic of the first, while the first subject's strong deeper topics stay.
TEST(Tagger, ASecondSubjectGetsASlotBeforeWeakDeeperTopicsOfTheFirst) {
  const TagResult result = SharedTagger().Tag(Article(
      "Parliament passes budget as election nears",
      {"Parliament passed the government's budget on Tuesday after the finance minister "
       "defended the tax plan, and lawmakers voted 210 to 180 ahead of the general election. "
       "The prime minister's cabinet also sent a new ambassador to the peace talks, and the "
       "opposition party chose a new leader for the election campaign. The minister later "
       "watched the football match."}));
  ASSERT_EQ(result.topics.size(), 5u);
  EXPECT_EQ(TopTopic(result), "medtop:11000000");
  EXPECT_TRUE(HasTopic(result, "medtop:15000000"));  // sport, the second subject
  EXPECT_TRUE(HasTopic(result, "medtop:20000574"));  // election, strong
  EXPECT_TRUE(HasTopic(result, "medtop:20000615"));  // legislative body, strong
}

TEST(Tagger, HyphenatedHalfTimeShowIsMusicNotSport) {
  const TagResult result = SharedTagger().Tag(Article(
      "Singer's half-time show divides viewers",
      {"The half-time show mixed old hits and new songs; critics called the half-time "
       "performance flat."}));
  EXPECT_EQ(TopTopic(result), "medtop:01000000");
  EXPECT_FALSE(HasTopic(result, "medtop:15000000"));
}

class FixedModel : public TopicModel {
 public:
  void Predict(const TagInput& input, std::vector<TopicTag>* out) const override {
    out->push_back({"medtop:17000000", "", 1.0f});
  }
};

TEST(Topics, ATopicModelIsBlendedWithTheLexicon) {
  TaggerOptions options;
  options.topic_model = std::make_shared<FixedModel>();
  options.topic_blend = "linear";
  options.topic_model_weight = 0.5;
  options.lexicon_only_topics.clear();
  absl::StatusOr<std::unique_ptr<Tagger>> tagger = Tagger::Create(options);
  ASSERT_THAT(tagger, IsOk());
  const TagResult result = (*tagger)->Tag(Article("Quiet day", {"Nothing much happened."}));
  ASSERT_THAT(result.topics, Contains(Field(&TopicTag::code, "medtop:17000000")));
  EXPECT_EQ(result.topics[0].label, "weather");
  EXPECT_GE(result.topics[0].score, 0.5f);
}

// Weather is one of the top levels no training corpus labels: by default the model counts
// half there, so that a model that knows little of them cannot drown the lexicon's evidence.
TEST(Topics, TheModelCountsHalfOnTopicsNoCorpusLabels) {
  TaggerOptions options;
  options.topic_model = std::make_shared<FixedModel>();
  options.topic_blend = "linear";
  options.topic_model_weight = 0.5;
  absl::StatusOr<std::unique_ptr<Tagger>> tagger = Tagger::Create(options);
  ASSERT_THAT(tagger, IsOk());
  const TagResult result = (*tagger)->Tag(Article("Quiet day", {"Nothing much happened."}));
  ASSERT_FALSE(result.topics.empty());
  EXPECT_EQ(result.topics[0].code, "medtop:17000000");
  EXPECT_FLOAT_EQ(result.topics[0].score, 0.25f);  // the model's 1.0 at weight 0.5 / 2
}

// The calibrated blend (the default): with no keyword evidence at all, the model's certainty
// on weather against nothing on the 16 other top levels is softmax(b * ln(p + 0.001)).
TEST(Topics, CalibratedBlendTurnsTheModelsCertaintyIntoAProbability) {
  TaggerOptions options;
  options.topic_model = std::make_shared<FixedModel>();
  absl::StatusOr<std::unique_ptr<Tagger>> tagger = Tagger::Create(options);
  ASSERT_THAT(tagger, IsOk());
  const TagResult result = (*tagger)->Tag(Article("Quiet day", {"Nothing much happened."}));
  ASSERT_EQ(result.topics.size(), 1u);
  EXPECT_EQ(result.topics[0].code, "medtop:17000000");
  const double b = options.topic_calibration_model;
  EXPECT_NEAR(result.topics[0].score, 1 / (1 + 16 * std::pow(0.001 / 1.001, b)), 1e-5);
}

class TwoSubjectModel : public TopicModel {
 public:
  void Predict(const TagInput& input, std::vector<TopicTag>* out) const override {
    out->push_back({"medtop:11000000", "", 0.5f});  // politics
    out->push_back({"medtop:15000000", "", 0.4f});  // sport
  }
};

// Top levels share one unit of probability; a deeper topic takes its branch's probability
// times its share of the branch's keyword evidence, so it never outranks its top level.
TEST(Topics, CalibratedTopLevelsSumToAtMostOneAndDeeperTopicsStayBelowTheirBranch) {
  TaggerOptions options;
  options.topic_model = std::make_shared<TwoSubjectModel>();
  absl::StatusOr<std::unique_ptr<Tagger>> tagger = Tagger::Create(options);
  ASSERT_THAT(tagger, IsOk());
  const TagResult result = (*tagger)->Tag(Article(
      "Parliament passes budget as election nears",
      {"Lawmakers voted 210 to 180 ahead of the general election; the opposition party chose "
       "a new leader for the election campaign. The minister later watched the football "
       "match, where the striker scored twice in the league game."}));
  ASSERT_FALSE(result.topics.empty());
  EXPECT_EQ(result.topics[0].code, "medtop:11000000");
  double top_levels = 0;
  float politics = 0;
  float election = -1;
  for (const TopicTag& t : result.topics) {
    if (t.code.size() == 15 && t.code.compare(9, 6, "000000") == 0) top_levels += t.score;
    if (t.code == "medtop:11000000") politics = t.score;
    if (t.code == "medtop:20000574") election = t.score;
  }
  EXPECT_LE(top_levels, 1.0 + 1e-5);
  EXPECT_TRUE(HasTopic(result, "medtop:15000000"));  // sport, the second subject
  EXPECT_GT(election, 0);
  EXPECT_LE(election, politics);
}

class PoliticsModel : public TopicModel {
 public:
  void Predict(const TagInput& input, std::vector<TopicTag>* out) const override {
    out->push_back({"medtop:11000000", "", 0.8f});  // knows no "conflict", as the real one
  }
};

// No corpus labels conflict, so the model all but never says it; the calibrated blend lets it
// speak there through politics, where sections file war news, and the lexicon's evidence of
// a war is reported instead of drowned.
TEST(Topics, AWarStoryKeepsConflictWhenTheModelOnlyKnowsPolitics) {
  const TagInput war = Article(
      "Troops advance as talks stall",
      {"Troops shelled the city overnight and the army said its soldiers had taken two "
       "villages, as the war entered its third year. The foreign minister said ceasefire talks "
       "had stalled."});
  TaggerOptions options;
  options.topic_model = std::make_shared<PoliticsModel>();
  absl::StatusOr<std::unique_ptr<Tagger>> tagger = Tagger::Create(options);
  ASSERT_THAT(tagger, IsOk());
  EXPECT_TRUE(HasTopic((*tagger)->Tag(war), "medtop:16000000"));

  options.topic_model_proxies.clear();
  absl::StatusOr<std::unique_ptr<Tagger>> without = Tagger::Create(options);
  ASSERT_THAT(without, IsOk());
  const TagResult drowned = (*without)->Tag(war);
  EXPECT_EQ(TopTopic(drowned), "medtop:11000000");
  EXPECT_FALSE(HasTopic(drowned, "medtop:16000000"));
}

TEST(Topics, AnUnknownBlendIsRejected) {
  TaggerOptions options;
  options.topic_blend = "geometric";
  const absl::Status status = options.Validate();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_NE(status.message().find("topic_blend"), std::string::npos);
}

// ---------------------------------------------------------------- acceptance

void ExpectSeedAcceptance(const TagResult& result) {
  const RegionTag* ua = FindRegion(result, "UA");
  ASSERT_NE(ua, nullptr);
  EXPECT_EQ(ua->role, RegionRole::kFocus);
  for (const char* code : {"RU", "FR", "GB", "US", "CA"}) {
    EXPECT_NE(FindRegion(result, code), nullptr)
        << code << " missing; got " << ::testing::PrintToString(Codes(result));
  }
  EXPECT_THAT(result.regions, Contains(Field(&RegionTag::region, "Europe")));
  EXPECT_TRUE(HasTopic(result, "medtop:16000000"));
  EXPECT_TRUE(HasTopic(result, "medtop:11000000"));
}

// Written for this test (not article text): the seed's situation in a few sentences.
TEST(Acceptance, InlineSeedLikeArticle) {
  const TagResult result = SharedTagger().Tag(Article(
      "Ukraine's Partners Outline Guarantees For A Future Ceasefire With Russia",
      {"Ukraine's partners said on Tuesday they had agreed how a post-ceasefire force could "
       "protect the country if a peace deal with Russia is reached.",
       "The U.S. would help monitor any truce, officials said after the meeting hosted by France.",
       "Leaders from European countries and Canada joined the talks, along with NATO officials.",
       "The U.K. prime minister said Russian attacks on Ukraine continue, while Moscow gave no "
       "immediate response.",
       "Ukrainian officials said parliament in Kyiv would have to ratify any commitments."},
      "Paris"));
  ExpectSeedAcceptance(result);
}

TEST(Acceptance, SeedArticle) {
  const char* shared = std::getenv("NEWSFLOW_SHARED_DATA");
  if (shared == nullptr || !std::filesystem::is_directory(shared)) {
    GTEST_SKIP() << "NEWSFLOW_SHARED_DATA not set or missing";
  }
  const std::string path = std::string(shared) + "/seed/000_0e671241e7bca262.txt";
  std::ifstream in(path);
  if (!in) {
    GTEST_SKIP() << "seed article missing: " << path;
  }
  // Line 1: header; then the title; then body paragraphs (one per non-empty line).
  TagInput input;
  input.language = "en";
  input.dateline_place = "Paris";
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (header) {
      header = false;
    } else if (input.title.empty()) {
      input.title = line;
    } else {
      input.paragraphs.push_back(line);
    }
  }
  ASSERT_FALSE(input.paragraphs.empty());
  const TagResult result = SharedTagger().Tag(input);
  for (const RegionTag& r : result.regions) {
    std::cout << "region " << r.country_code << " " << RegionRoleName(r.role) << " " << r.score
              << " x" << r.mentions << "\n";
  }
  for (const TopicTag& t : result.topics)
    std::cout << "topic " << t.code << " " << t.label << " " << t.score << "\n";
  ExpectSeedAcceptance(result);
  ASSERT_FALSE(result.regions.empty());
  EXPECT_EQ(result.regions[0].country_code, "UA");  // the headline's subject ranks first
}

TEST(Concurrency, ManyThreadsShareOneTagger) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        const TagResult r = TagText("Ukraine and Russia held talks in Turkey about a ceasefire.");
        if (FindRegion(r, "UA") == nullptr || !HasTopic(r, "medtop:16000000")) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace newsflow::tag
