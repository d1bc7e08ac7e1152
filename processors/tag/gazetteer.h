// In-memory gazetteer parsed from data/gazetteer.tsv: countries (with UN regions), surface
// forms that name them, and the context words of the disambiguation rules. Internal to tag/.
#ifndef NEWSFLOW_PROCESSORS_TAG_GAZETTEER_H_
#define NEWSFLOW_PROCESSORS_TAG_GAZETTEER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "processors/tag/phrase_table.h"

namespace newsflow::tag::internal {

struct Country {
  std::string code;  // ISO 3166-1 alpha-2
  std::string name;
  std::string region;
  std::string subregion;
};

// A bloc or international organisation (B rows): reported apart from countries.
struct Bloc {
  std::string code;  // "EU", "NATO"
  std::string name;
  std::string region;  // M49 region, "-" = worldwide
};

enum class FormKind : uint8_t {
  kName, kAlias, kCapital, kCity, kDemonym, kAdmin, kOrg, kBlock, kBloc
};

// Form flags (the gazetteer's flags column).
inline constexpr uint8_t kFormCap = 1 << 0;           // cap: capitalised as written
inline constexpr uint8_t kFormDatelineOnly = 1 << 1;  // dl: only in a dateline
inline constexpr uint8_t kFormPersonRule = 1 << 2;    // pn: not when part of a person's name
inline constexpr uint8_t kFormUsContext = 1 << 3;     // usctx: US state when US context is near
inline constexpr uint8_t kFormFoodSense = 1 << 4;     // food: also a food; see kWordPoultry

struct Form {
  int16_t country = -1;  // index into countries(); -1 for a block or bloc form
  int16_t bloc = -1;     // index into blocs() for a bloc form
  FormKind kind = FormKind::kName;
  uint8_t flags = 0;
  uint8_t num_tokens = 0;
  uint8_t upper_mask = 0;    // bit k: token k must start with an upper-case letter (cap)
  uint8_t allcaps_mask = 0;  // bit k: token k must be all upper case (cap)
  float weight = 0;
};

// Word classes (W rows), as bits.
inline constexpr uint8_t kWordGivenName = 1 << 0;
inline constexpr uint8_t kWordNotName = 1 << 1;
inline constexpr uint8_t kWordUsGa = 1 << 2;
inline constexpr uint8_t kWordUsGaNext = 1 << 3;
// A common surname that is also a town: after a person-rule name it makes a person.
inline constexpr uint8_t kWordSurname = 1 << 4;
// A word of poultry or holiday meals (Thanksgiving, roast, flocks): in an article with one,
// a `food` form counts only if the country has other evidence ("Turkey prices soar").
inline constexpr uint8_t kWordPoultry = 1 << 5;

class Gazetteer {
 public:
  // Parses the TSV text (see data/README.md). Errors name the offending line.
  static absl::StatusOr<Gazetteer> Parse(std::string_view tsv);

  const std::vector<Country>& countries() const { return countries_; }
  const std::vector<Bloc>& blocs() const { return blocs_; }
  const PhraseTable& phrases() const { return phrases_; }
  const Form& form(uint32_t index) const { return forms_[index]; }
  size_t num_forms() const { return forms_.size(); }
  // Token hash -> word class bits.
  const absl::flat_hash_map<uint64_t, uint8_t>& words() const { return words_; }
  int CountryIndex(std::string_view code) const;
  int us() const { return us_; }

 private:
  std::vector<Country> countries_;
  absl::flat_hash_map<std::string, int> country_index_;
  std::vector<Bloc> blocs_;
  absl::flat_hash_map<std::string, int> bloc_index_;
  std::vector<Form> forms_;
  PhraseTable phrases_;
  absl::flat_hash_map<uint64_t, uint8_t> words_;
  int us_ = -1;
};

}  // namespace newsflow::tag::internal

#endif  // NEWSFLOW_PROCESSORS_TAG_GAZETTEER_H_
