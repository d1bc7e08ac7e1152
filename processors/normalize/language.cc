#include "processors/normalize/language.h"
#include "common/string_util.h"

#include <cstdio>  // compact_lang_det.h uses FILE without including it
#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>

#include "absl/strings/ascii.h"

namespace newsflow::normalize::internal {
namespace {

// CLD2 allocates ~175 KB of scratch per call (four blocks of 16-60 KB) and frees it again.
// With glibc, freeing them at the top of the heap hands the memory back to the kernel (the
// trim threshold is 128 KB) and the next call faults it in again: ~15 us per article, as
// much as detecting 1 KB of text. Once per thread, leave a free 256 KB hole below a small
// block that lives as long as the thread, so that the scratch is carved from the hole and is
// never at the top of the heap when freed. Harmless with other allocators.
void KeepScratchSpaceForCld2() {
  struct Pin {
    void* block = nullptr;
    bool tried = false;
    ~Pin() { std::free(block); }
  };
  thread_local Pin pin;
  if (pin.tried) return;
  pin.tried = true;
  constexpr size_t kHoleBlock = 64 * 1024;
  void* hole[4];
  uintptr_t hole_end = 0;
  for (void*& h : hole) {
    h = std::malloc(kHoleBlock);
    hole_end = std::max(hole_end, reinterpret_cast<uintptr_t>(h) + kHoleBlock);
  }
  // The pin must come from above the hole, not from a free chunk elsewhere.
  void* misses[32];
  int missed = 0;
  for (int i = 0; i < 32; ++i) {
    void* p = std::malloc(4096);
    if (reinterpret_cast<uintptr_t>(p) > hole_end) {
      pin.block = p;
      break;
    }
    misses[missed++] = p;
  }
  for (int i = 0; i < missed; ++i) std::free(misses[i]);
  for (void* h : hole) std::free(h);
}

}  // namespace

std::string NormalizeLanguageTag(std::string_view tag) {
  tag = StripWhitespace(tag);
  size_t end = tag.find_first_of("-_");
  std::string primary = AsciiLower(tag.substr(0, end));
  if (primary.size() < 2 || primary.size() > 3) return "";
  for (char c : primary) {
    if (c < 'a' || c > 'z') return "";
  }
  // Deprecated ISO 639-1 codes CLD2 (and old pages) still use.
  if (primary == "iw") return "he";
  if (primary == "in") return "id";
  if (primary == "ji") return "yi";
  if (primary == "jw") return "jv";
  if (primary == "mo") return "ro";
  if (primary == "un" || primary == "xx" || primary == "zxx" || primary == "mul") return "";
  return primary;
}

LanguageGuess DetectLanguage(std::string_view text, std::string_view declared,
                             double min_confidence) {
  LanguageGuess guess;
  CLD2::Language languages[3] = {CLD2::UNKNOWN_LANGUAGE, CLD2::UNKNOWN_LANGUAGE,
                                 CLD2::UNKNOWN_LANGUAGE};
  int percents[3] = {0, 0, 0};
  double scores[3] = {0, 0, 0};
  int text_bytes = 0;
  bool reliable = false;
  if (!text.empty()) {
    KeepScratchSpaceForCld2();
    CLD2::ExtDetectLanguageSummary(text.data(), static_cast<int>(text.size()),
                                   /*is_plain_text=*/true, /*tld_hint=*/"",
                                   CLD2::UNKNOWN_ENCODING, CLD2::UNKNOWN_LANGUAGE, languages,
                                   percents, scores, &text_bytes, &reliable);
  }
  std::string code;
  if (languages[0] != CLD2::UNKNOWN_LANGUAGE && languages[0] != CLD2::TG_UNKNOWN_LANGUAGE) {
    code = NormalizeLanguageTag(CLD2::LanguageCode(languages[0]));
  }
  float confidence = static_cast<float>(percents[0]) / 100.0f;
  if (!reliable) confidence *= 0.5f;
  if (!code.empty() && confidence >= min_confidence) {
    guess.code = code;
    guess.confidence = confidence;
    return guess;
  }
  std::string fallback = NormalizeLanguageTag(declared);
  if (!fallback.empty()) {
    guess.code = fallback;
    guess.confidence = 0;
    for (int i = 0; i < 3; ++i) {
      if (languages[i] != CLD2::UNKNOWN_LANGUAGE &&
          NormalizeLanguageTag(CLD2::LanguageCode(languages[i])) == fallback) {
        guess.confidence = static_cast<float>(percents[i]) / 100.0f;
        break;
      }
    }
    return guess;
  }
  return guess;  // "und", confidence 0
}

}  // namespace newsflow::normalize::internal
