#include "processors/tag/gazetteer.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "processors/tag/tsv_util.h"

namespace newsflow::tag::internal {
namespace {

bool ParseKind(std::string_view text, FormKind* kind) {
  static constexpr std::pair<std::string_view, FormKind> kKinds[] = {
      {"name", FormKind::kName}, {"alias", FormKind::kAlias},     {"capital", FormKind::kCapital},
      {"city", FormKind::kCity}, {"demonym", FormKind::kDemonym}, {"admin", FormKind::kAdmin},
      {"org", FormKind::kOrg},   {"block", FormKind::kBlock},     {"bloc", FormKind::kBloc},
  };
  for (const auto& [name, value] : kKinds) {
    if (name == text) {
      *kind = value;
      return true;
    }
  }
  return false;
}

bool ParseFlags(std::string_view text, uint8_t* flags) {
  *flags = 0;
  if (text.empty()) return true;
  for (std::string_view flag : Split(text, ',')) {
    if (flag == "cap") {
      *flags |= kFormCap;
    } else if (flag == "dl") {
      *flags |= kFormDatelineOnly;
    } else if (flag == "pn") {
      *flags |= kFormPersonRule;
    } else if (flag == "food") {
      *flags |= kFormFoodSense;
    } else if (flag == "usctx") {
      *flags |= kFormUsContext;
    } else {
      return false;
    }
  }
  return true;
}

bool ParseWordClass(std::string_view text, uint8_t* cls) {
  if (text == "given") {
    *cls = kWordGivenName;
  } else if (text == "surname") {
    *cls = kWordSurname;
  } else if (text == "poultry") {
    *cls = kWordPoultry;
  } else if (text == "notname") {
    *cls = kWordNotName;
  } else if (text == "usga") {
    *cls = kWordUsGa;
  } else if (text == "usga_next") {
    *cls = kWordUsGaNext;
  } else {
    return false;
  }
  return true;
}

}  // namespace

int Gazetteer::CountryIndex(std::string_view code) const {
  // absl's own string_view: a heterogeneous lookup, no temporary string.
  const auto it = country_index_.find(absl::string_view(code.data(), code.size()));
  return it == country_index_.end() ? -1 : it->second;
}

absl::StatusOr<Gazetteer> Gazetteer::Parse(std::string_view tsv) {
  Gazetteer g;
  TokenBuffer buffer;
  absl::Status error;
  const size_t lines = CountLines(tsv);  // most are forms: reserving saves the rehashes
  g.forms_.reserve(lines);
  g.phrases_.Reserve(lines);
  std::vector<std::string_view> cols;
  ForEachLine(tsv, [&](int line_number, std::string_view line) -> bool {
    if (line.empty() || line[0] == '#') return true;
    SplitInto(line, '\t', &cols);
    auto bad = [&](std::string_view why) {
      error = absl::InvalidArgumentError("gazetteer line " + std::to_string(line_number) + ": " +
                                         std::string(why));
      return false;
    };
    if (cols[0] == "C") {
      if (cols.size() != 5 || cols[1].empty())
        return bad("C row needs code, name, region, subregion");
      Country c{std::string(cols[1]), std::string(cols[2]), std::string(cols[3]),
                std::string(cols[4])};
      if (!g.country_index_.emplace(c.code, static_cast<int>(g.countries_.size())).second) {
        return bad("duplicate country");
      }
      g.countries_.push_back(std::move(c));
    } else if (cols[0] == "B") {
      if (cols.size() != 4 || cols[1].empty()) return bad("B row needs code, name, region");
      Bloc b{std::string(cols[1]), std::string(cols[2]), std::string(cols[3])};
      if (!g.bloc_index_.emplace(b.code, static_cast<int>(g.blocs_.size())).second) {
        return bad("duplicate bloc");
      }
      g.blocs_.push_back(std::move(b));
    } else if (cols[0] == "F") {
      if (cols.size() != 6) return bad("F row needs surface, code, kind, weight, flags");
      Form form;
      if (!ParseKind(cols[3], &form.kind)) return bad("unknown kind");
      if (!ParseFlags(cols[5], &form.flags)) return bad("unknown flag");
      double weight = 0;
      if (!ParseNumber(cols[4], &weight) || weight < 0) return bad("bad weight");
      form.weight = static_cast<float>(weight);
      if (cols[2] == "-") {
        form.kind = FormKind::kBlock;
      } else if (form.kind == FormKind::kBloc) {
        const auto bloc = g.bloc_index_.find(absl::string_view(cols[2].data(), cols[2].size()));
        if (bloc == g.bloc_index_.end()) return bad("unknown bloc code (B rows must come first)");
        form.bloc = static_cast<int16_t>(bloc->second);
      } else {
        const int country = g.CountryIndex(cols[2]);
        if (country < 0) return bad("unknown country code (C rows must come first)");
        form.country = static_cast<int16_t>(country);
      }
      buffer.Clear();
      Tokenize(cols[1], 0, &buffer);
      const size_t n = buffer.tokens.size();
      if (n == 0 || n > static_cast<size_t>(kMaxPhraseTokens)) return true;  // unmatchable
      form.num_tokens = static_cast<uint8_t>(n);
      if (form.flags & kFormCap) {
        for (size_t k = 0; k < n; ++k) {
          const uint8_t f = buffer.tokens[k].flags;
          const bool all_caps = (f & kAllUpper) && buffer.tokens[k].fold_len >= 2;
          if (all_caps) form.allcaps_mask |= static_cast<uint8_t>(1u << k);
          if (f & kInitialUpper) form.upper_mask |= static_cast<uint8_t>(1u << k);
        }
      }
      if (g.phrases_.Add(buffer, 0, n, static_cast<uint32_t>(g.forms_.size()))) {
        g.forms_.push_back(form);
      }
    } else if (cols[0] == "W") {
      if (cols.size() != 3) return bad("W row needs word, class");
      uint8_t cls = 0;
      if (!ParseWordClass(cols[2], &cls)) return bad("unknown word class");
      buffer.Clear();
      Tokenize(cols[1], 0, &buffer);
      if (buffer.tokens.size() == 1) g.words_[buffer.tokens[0].hash] |= cls;  // single tokens only
    } else {
      return bad("unknown row type '" + std::string(cols[0]) + "'");
    }
    return true;
  });
  if (!error.ok()) return error;
  if (g.countries_.empty() || g.forms_.empty()) {
    return absl::InvalidArgumentError("gazetteer has no countries or no forms");
  }
  g.us_ = g.CountryIndex("US");
  return g;
}

}  // namespace newsflow::tag::internal
