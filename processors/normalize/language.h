// Language identification for the normalizer: CLD2 on a sample of title + body, with the
// source's declared language as fallback when the detector is unsure.
#ifndef NEWSFLOW_PROCESSORS_NORMALIZE_LANGUAGE_H_
#define NEWSFLOW_PROCESSORS_NORMALIZE_LANGUAGE_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace newsflow::normalize {
struct NormalizedArticle;
}  // namespace newsflow::normalize

namespace newsflow::normalize::internal {

struct LanguageGuess {
  std::string code = "und";  // ISO 639-1 (or 639-2/3 where 639-1 has none), "und"
  float confidence = 0;      // [0, 1]
};

// Detects the language of valid UTF-8 `text`. Confidence is the share of the text CLD2
// attributes to the top language, halved when CLD2 calls the result unreliable. Below
// `min_confidence` the result is `declared` (normalized: "en-US" -> "en") when given, with
// the detector's share for that language as confidence, else "und".
LanguageGuess DetectLanguage(std::string_view text, std::string_view declared,
                             double min_confidence);

// CLD2 found no language, or none it is sure of: worth asking again with more text.
inline bool IsUnsure(const LanguageGuess& guess, double min_confidence) {
  return guess.code == "und" || guess.confidence < min_confidence;
}

// What the detector reads: title + body paragraphs, cut to about `limit` bytes at a word
// boundary (0 = no limit). Shared by the normalizer and tools/language_eval.
std::string LanguageSample(const NormalizedArticle& article, size_t limit);

// "en-US" -> "en", "EN" -> "en", "iw" -> "he", "zh-Hant" -> "zh"; empty when not a
// plausible language tag.
std::string NormalizeLanguageTag(std::string_view tag);

}  // namespace newsflow::normalize::internal

#endif  // NEWSFLOW_PROCESSORS_NORMALIZE_LANGUAGE_H_
