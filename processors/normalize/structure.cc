#include "processors/normalize/structure.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "processors/normalize/text.h"
#include "common/string_util.h"

namespace newsflow::normalize::internal {
namespace {

constexpr size_t npos = std::string::npos;

// ---------------------------------------------------------------------------------------
// Character helpers (UTF-8 aware, clean text assumed).

char32_t CodePointAt(std::string_view s, size_t i, int* len) {
  if (i >= s.size()) {
    *len = 0;
    return 0;
  }
  return DecodeUtf8(s.data() + i, s.size() - i, len);
}

bool IsUpper(char32_t cp) {
  if (cp < 0x80) return cp >= 'A' && cp <= 'Z';
  auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT;
}

bool IsLower(char32_t cp) {
  if (cp < 0x80) return cp >= 'a' && cp <= 'z';
  return utf8proc_category(static_cast<utf8proc_int32_t>(cp)) == UTF8PROC_CATEGORY_LL;
}

bool IsLetter(char32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
}

bool IsDigit(char32_t cp) { return cp >= '0' && cp <= '9'; }

// Characters that may open a sentence besides letters and digits: quotes, brackets.
bool IsOpeningPunct(char32_t cp) {
  switch (cp) {
    case '"':
    case '\'':
    case '(':
    case '[':
    case 0x2018:  // ‘
    case 0x201C:  // “
    case 0x00AB:  // «
    case 0x201E:  // „
    case 0x00BF:  // ¿
    case 0x00A1:  // ¡
      return true;
    default:
      return false;
  }
}

bool StartsLikeSentence(std::string_view s) {
  int len;
  char32_t cp = CodePointAt(s, 0, &len);
  return IsUpper(cp) || IsDigit(cp) || IsOpeningPunct(cp);
}

std::string_view Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && s[b] == ' ') ++b;
  while (e > b && s[e - 1] == ' ') --e;
  return s.substr(b, e - b);
}

std::string AsciiLowerWord(std::string_view w) {
  while (!w.empty() && (w.back() == '.' || w.back() == ',' || w.back() == ':')) w.remove_suffix(1);
  return AsciiLower(w);
}

template <size_t N>
constexpr bool IsSortedList(const std::string_view (&list)[N]) {
  for (size_t i = 1; i < N; ++i) {
    if (!(list[i - 1] < list[i])) return false;
  }
  return true;
}

template <size_t N>
bool InSortedList(const std::string_view (&list)[N], std::string_view word) {
  return std::binary_search(std::begin(list), std::end(list), word);
}

// ---------------------------------------------------------------------------------------
// Word lists (lower case, sorted).

// News agencies and outlets that appear in datelines "PARIS (AP) —" and photo credits.
constexpr std::string_view kAgencies[] = {
    "aa", "aap", "afp", "agence france-presse", "anadolu", "ani", "ansa", "antara", "ap",
    "ap photo", "apa", "associated press", "bbc", "bernama", "bloomberg", "cnn", "cp",
    "dpa", "efe", "epa", "epa-efe", "etv bharat", "getty", "getty images", "ians",
    "interfax", "irna", "kcna", "kna", "kuna", "kyodo", "mena", "nan", "nyt", "pa",
    "pa media", "pa wire", "photo", "pool", "press association", "pti", "reuters",
    "ria novosti", "rtr", "shutterstock", "spa", "sputnik", "tass", "the associated press",
    "the canadian press", "the new york times", "uni", "upi", "wafa", "xinhua", "yonhap",
    "zuma", "zuma press",};
static_assert(IsSortedList(kAgencies));

// First words that make "Word:" or "WORD -" an ordinary sentence opening, not a dateline.
constexpr std::string_view kNotPlaceWords[] = {
    "a", "above", "additional", "advertisement", "advisory", "after", "alert", "also",
    "analysis", "and", "answer", "april", "as", "at", "august", "background", "before",
    "below", "breaking", "bulletin", "but", "by", "caption", "chapter", "click", "column",
    "comment", "contact", "context", "corrected", "correction", "credit", "date", "day",
    "december", "disclaimer", "dr", "editing", "editor", "editorial", "editors", "email",
    "exclusive", "factbox", "fax", "february", "file", "flash", "follow", "for", "friday",
    "from", "he", "here", "how", "however", "i", "if", "image", "in", "insight", "it",
    "january", "july", "june", "key", "left", "listen", "live", "location", "march", "may",
    "meanwhile", "monday", "mr", "mrs", "ms", "note", "november", "now", "october", "on",
    "opinion", "or", "part", "phone", "photo", "photos", "pic", "picture", "pictured",
    "police", "president", "prof", "q", "question", "quote", "read", "refile", "related",
    "repeat", "reporting", "right", "rpt", "said", "saturday", "september", "share", "she",
    "so", "source", "sources", "still", "subject", "subscribe", "summary", "sunday", "tel",
    "that", "the", "then", "there", "these", "they", "this", "those", "thursday", "time",
    "title", "to", "today", "tomorrow", "tuesday", "update", "updated", "urgent", "video",
    "watch", "we", "wednesday", "what", "when", "where", "while", "who", "why", "with",
    "writing", "yesterday", "yet", "you",};
static_assert(IsSortedList(kNotPlaceWords));

constexpr std::string_view kMonthNames[] = {
    "apr", "april", "aug", "august", "dec", "december", "feb", "february", "fri", "friday",
    "jan", "january", "jul", "july", "jun", "june", "mar", "march", "may", "mon", "monday",
    "nov", "november", "oct", "october", "sat", "saturday", "sep", "sept", "september",
    "sun", "sunday", "thu", "thur", "thurs", "thursday", "today", "tomorrow", "tue", "tues",
    "tuesday", "wed", "wednesday", "yesterday",};
static_assert(IsSortedList(kMonthNames));

// Lower-case words allowed inside names and credits: "Jane de la Cruz", "Ministry of ...".
constexpr std::string_view kNameParticles[] = {
    "al", "and", "at", "bin", "da", "de", "del", "della", "der", "di", "du", "for", "in",
    "la", "le", "of", "on", "the", "van", "von", "y",};
static_assert(IsSortedList(kNameParticles));

bool IsKnownAgency(std::string_view s) { return InSortedList(kAgencies, AsciiLower(Trim(s))); }
bool IsNotPlaceWord(std::string_view w) { return InSortedList(kNotPlaceWords, AsciiLowerWord(w)); }
bool IsMonthOrDayName(std::string_view w) { return InSortedList(kMonthNames, AsciiLowerWord(w)); }
bool IsNameParticle(std::string_view w) { return InSortedList(kNameParticles, AsciiLowerWord(w)); }

// Words a heading does not end with (a line that does is a sentence cut short).
constexpr std::string_view kFunctionWords[] = {
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "had", "has",
    "have", "in", "is", "its", "of", "on", "or", "than", "that", "the", "their", "to",
    "was", "were", "which", "who", "will", "with"};
static_assert(IsSortedList(kFunctionWords));
bool IsFunctionWord(std::string_view w) { return InSortedList(kFunctionWords, AsciiLowerWord(w)); }

// ---------------------------------------------------------------------------------------
// Dateline scanning.

struct WordInfo {
  size_t begin = 0, end = 0;
  bool starts_upper = false;
  bool has_lower = false;
  int letters = 0;
};

// A place-name word at `pos`: starts with a letter; letters plus internal '.', '-', '\'',
// '’'. Returns false when there is none.
bool ReadWord(std::string_view s, size_t pos, WordInfo* info) {
  *info = WordInfo();
  info->begin = pos;
  size_t i = pos;
  while (i < s.size()) {
    int len;
    char32_t cp = CodePointAt(s, i, &len);
    if (IsLetter(cp)) {
      if (info->letters == 0) info->starts_upper = IsUpper(cp);
      if (IsLower(cp)) info->has_lower = true;
      ++info->letters;
    } else if (i > pos && (cp == '.' || cp == '-' || cp == '\'' || cp == 0x2019 || cp == '/')) {
      // part of the word ("Ill.", "PORT-AU-PRINCE", "O'HARE", "TOKYO/SEOUL") when a letter
      // or the end of an abbreviation follows; a trailing '-' is a separator
      if (cp != '.') {
        int next_len;
        char32_t next = CodePointAt(s, i + static_cast<size_t>(len), &next_len);
        if (!IsLetter(next)) break;
      }
    } else {
      break;
    }
    i += static_cast<size_t>(len);
  }
  info->end = i;
  return info->letters > 0;
}

enum class SeparatorKind { kNone, kDash, kColon };

// A dateline separator at `pos` (after an optional space): "—", "–", "--", "-" (followed by
// a space) or ":". Sets `*sep_end` after the separator and `*after` after following spaces.
SeparatorKind MatchSeparator(std::string_view s, size_t pos, size_t* sep_end, size_t* after) {
  size_t i = pos;
  bool space_before = i < s.size() && s[i] == ' ';
  if (space_before) ++i;
  SeparatorKind kind = SeparatorKind::kNone;
  size_t end = i;
  if (s.compare(i, 3, "\xE2\x80\x94") == 0 || s.compare(i, 3, "\xE2\x80\x93") == 0) {
    kind = SeparatorKind::kDash;
    end = i + 3;
  } else if (s.compare(i, 2, "--") == 0) {
    kind = SeparatorKind::kDash;
    end = i + 2;
  } else if (i < s.size() && s[i] == '-' && space_before) {
    kind = SeparatorKind::kDash;
    end = i + 1;
  } else if (i < s.size() && s[i] == ':' && !space_before) {
    kind = SeparatorKind::kColon;
    end = i + 1;
  }
  if (kind == SeparatorKind::kNone) return kind;
  size_t j = end;
  while (j < s.size() && s[j] == ' ') ++j;
  // "-" and ":" need a space (or the end) after them; dashes may touch the text.
  if ((kind == SeparatorKind::kColon || s[end - 1] == '-') && j == end && end < s.size()) {
    return SeparatorKind::kNone;
  }
  *sep_end = end;
  *after = j;
  return kind;
}

// "Feb 26", "Jan. 6", "March 2, 2026" at `pos`; sets `*end`.
bool MatchShortDate(std::string_view s, size_t pos, size_t* end) {
  WordInfo word;
  if (!ReadWord(s, pos, &word) || !word.starts_upper) return false;
  std::string lower = AsciiLowerWord(s.substr(word.begin, word.end - word.begin));
  static constexpr std::string_view kMonths[] = {
    "apr", "april", "aug", "august", "dec", "december", "feb", "february", "jan", "january",
    "jul", "july", "jun", "june", "mar", "march", "may", "nov", "november", "oct",
    "october", "sep", "sept", "september",};
static_assert(IsSortedList(kMonths));
  if (!InSortedList(kMonths, lower)) return false;
  size_t i = word.end;
  if (i >= s.size() || s[i] != ' ') return false;
  ++i;
  size_t digits = 0;
  while (i < s.size() && IsDigit(static_cast<unsigned char>(s[i])) && digits < 3) {
    ++i;
    ++digits;
  }
  if (digits == 0 || digits > 2) return false;
  // optional ", 2026"
  if (s.compare(i, 2, ", ") == 0 && i + 6 <= s.size() &&
      std::all_of(s.begin() + static_cast<std::ptrdiff_t>(i + 2),
                  s.begin() + static_cast<std::ptrdiff_t>(i + 6),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    i += 6;
  }
  *end = i;
  return true;
}

bool LooksLikeAgency(std::string_view content) {
  content = Trim(content);
  if (content.empty() || content.size() > 30) return false;
  if (IsKnownAgency(content)) return true;
  // Other outlets: one to three capitalized words ("Xinhua", "Gulf News").
  size_t pos = 0;
  int words = 0;
  while (pos < content.size()) {
    WordInfo w;
    if (!ReadWord(content, pos, &w) || !w.starts_upper) return false;
    ++words;
    pos = w.end;
    if (pos < content.size()) {
      if (content[pos] != ' ') return false;
      ++pos;
    }
  }
  return words >= 1 && words <= 3;
}

// ---------------------------------------------------------------------------------------

bool ContainsPhotoWord(std::string_view s) {
  static constexpr std::string_view kWords[] = {
    "Courtesy", "Credit", "Getty", "HANDOUT", "Handout", "Illustration", "Image", "PHOTO",
    "POOL", "Photo", "Pool", "courtesy", "photo",};
static_assert(IsSortedList(kWords));
  for (std::string_view w : kWords) {
    if (Contains(s, w)) return true;
  }
  return false;
}

// "Dado Ruvic/Reuters", "AP Photo/Evan Vucci", "Name/Getty Images".
bool IsSlashCredit(std::string_view s) {
  size_t slash = s.rfind('/');
  if (slash == npos || slash == 0 || slash + 1 >= s.size()) return false;
  std::string_view before = s.substr(0, slash);
  std::string_view after = s.substr(slash + 1);
  if (Contains(before, "://") || StartsWith(after, "/")) return false;
  return IsKnownAgency(after) || IsKnownAgency(before) || ContainsPhotoWord(before);
}

// A short photo-credit line: "Vjeran Pavic/The Verge", "Twitter/EirikurH via Storyful",
// "Jim Spellman/WireImage via Getty Images".
bool LooksLikeCreditLine(std::string_view s) {
  if (s.size() > 80 || std::count(s.begin(), s.end(), ' ') > 7) return false;
  // "Foto: Jane Doe", "Bild: dpa", "Crédits photos : X", "iStock.com", "Getty Images".
  const std::string lower = AsciiLower(s);
  static constexpr std::string_view kCreditPrefixes[] = {
      "bild:", "bildquelle:", "bildnachweis:", "beitragsbild", "credit:", "credits:",
      "cr\xC3\xA9" "dits photos", "foto:", "fotos:", "image:", "photo:", "photos:",
      "photo credit", "fuente:", "quelle: foto"};
  for (std::string_view prefix : kCreditPrefixes) {
    if (StartsWith(lower, prefix)) return true;
  }
  static constexpr std::string_view kAgencies[] = {"istock", "getty images", "shutterstock",
                                                   "adobestock", "adobe stock"};
  for (std::string_view agency : kAgencies) {
    if (lower.find(agency) != std::string::npos) return true;
  }
  // "Name/Agency" credits carry no figures and no final period; wire-copy fragments such as
  // "March/April shipment, traders said." or "Oct/Dec 3.06" do.
  if (std::any_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  if (!s.empty() && s.back() == '.') return false;
  if (IsSlashCredit(s)) return true;
  // Otherwise "First Last/Outlet": a name of two or more capitalized words before the first
  // slash, and nothing in lower case ("Meat/Meal", "Oct/Dec", "San/Bar Corp said it" and
  // "Rotterdam/Karachi" in wire copy are not credits).
  const size_t first_slash = s.find('/');
  if (first_slash == npos) return false;
  std::string_view name = Trim(s.substr(0, first_slash));
  if (name.find(' ') == npos) return false;
  for (size_t pos = 0; pos < s.size();) {
    size_t end = s.find_first_of(" /", pos);
    if (end == npos) end = s.size();
    if (end > pos) {
      int len;
      char32_t c = CodePointAt(s, pos, &len);
      if (!IsUpper(c) && s[pos] != '(' && s.substr(pos, end - pos) != "via") return false;
    }
    pos = end + 1;
  }
  for (size_t slash = first_slash; slash != npos; slash = s.find('/', slash + 1)) {
    if (slash == 0 || slash + 1 >= s.size()) continue;
    int len;
    char32_t after = CodePointAt(s, slash + 1, &len);
    char before = s[slash - 1];
    if (IsUpper(after) && before != ' ' && before != '/') return true;
  }
  return false;
}

}  // namespace

// ---------------------------------------------------------------------------------------

bool ParseDateline(std::string_view p, Dateline* dateline, size_t* rest, bool allow_empty_rest) {
  if (p.size() < 2) return false;
  size_t text_end = 0;  // end of the dateline as written
  size_t after = 0;     // where the paragraph continues
  size_t place_end = 0;
  std::string_view agency;
  SeparatorKind kind = SeparatorKind::kNone;
  bool caps = true, has_date = false, has_region = false;
  std::vector<WordInfo> words;

  if (p[0] == '(') {
    // "(CNN) In a major show of defiance ..."
    size_t close = p.find(')');
    if (close == npos || close > 40) return false;
    agency = Trim(p.substr(1, close - 1));
    if (!IsKnownAgency(agency)) return false;
    text_end = close + 1;
    after = text_end;
    size_t sep_end;
    kind = MatchSeparator(p, text_end, &sep_end, &after);
    if (kind != SeparatorKind::kNone) {
      text_end = sep_end;
    } else {
      while (after < p.size() && p[after] == ' ') ++after;
    }
  } else {
    size_t pos = 0;
    while (words.size() < 6) {
      WordInfo w;
      if (!ReadWord(p, pos, &w) || !w.starts_upper) break;
      words.push_back(w);
      if (w.has_lower) caps = false;
      pos = w.end;
      if (pos + 1 < p.size() && p[pos] == ' ') {
        WordInfo next;
        if (ReadWord(p, pos + 1, &next) && next.starts_upper) {
          pos = pos + 1;
          continue;
        }
      }
      break;
    }
    if (words.empty()) return false;
    place_end = words.back().end;
    if (place_end > 40) return false;
    int letters = 0;
    for (const WordInfo& w : words) letters += w.letters;
    if (letters < 2) return false;
    pos = place_end;
    size_t region_end = place_end;

    // ", Ill." / ", Feb 26" / ", Calif., Jan 6"
    if (p.compare(pos, 2, ", ") == 0) {
      size_t date_end;
      if (MatchShortDate(p, pos + 2, &date_end)) {
        has_date = true;
        pos = date_end;
      } else {
        size_t q = pos + 2;
        int region_words = 0;
        while (region_words < 3) {
          WordInfo w;
          if (!ReadWord(p, q, &w) || !w.starts_upper) break;
          ++region_words;
          region_end = w.end;
          if (w.end + 1 < p.size() && p[w.end] == ' ') {
            WordInfo next;
            if (ReadWord(p, w.end + 1, &next) && next.starts_upper) {
              q = w.end + 1;
              continue;
            }
          }
          break;
        }
        if (region_words == 0) return false;
        has_region = true;
        pos = region_end;
        if (p.compare(pos, 2, ", ") == 0 && MatchShortDate(p, pos + 2, &date_end)) {
          has_date = true;
          pos = date_end;
        }
      }
    }
    // " (AP)"
    if (p.compare(pos, 2, " (") == 0) {
      size_t close = p.find(')', pos + 2);
      if (close == npos || close - pos > 34) return false;
      agency = Trim(p.substr(pos + 2, close - pos - 2));
      if (!LooksLikeAgency(agency)) return false;
      pos = close + 1;
    }
    text_end = pos;
    size_t sep_end;
    kind = MatchSeparator(p, pos, &sep_end, &after);
    if (kind != SeparatorKind::kNone) {
      text_end = sep_end;
    } else {
      after = pos;
      while (after < p.size() && p[after] == ' ') ++after;
    }

    std::string_view first_word = p.substr(words[0].begin, words[0].end - words[0].begin);
    if (IsNotPlaceWord(first_word)) return false;
    if (agency.empty()) {
      if (kind == SeparatorKind::kNone) return false;
      if (kind == SeparatorKind::kDash) {
        // "WASHINGTON -- ..." needs capitals; "Paris, Jan 6 - ..." a date. Longer runs of
        // capitals are a shouted headline ("INSIGHTS PRELIMS TEST SERIES - ...").
        if (!caps && !has_date) return false;
        if (!has_date && !has_region && words.size() > 3) return false;
      } else {  // colon: "Paris: ...", "New Delhi: ..."
        if (words.size() > 3 || place_end > 30 || has_date) return false;
      }
    } else if (words.size() > 4) {
      return false;
    }
    place_end = has_region ? region_end : place_end;
  }

  std::string_view remainder = p.substr(std::min(after, p.size()));
  if (remainder.empty()) {
    if (!allow_empty_rest) return false;
  } else if (kind == SeparatorKind::kColon) {
    if (!StartsLikeSentence(remainder) || remainder.size() < 20) return false;
  } else if (agency.empty() || kind == SeparatorKind::kNone) {
    // "PLACE, Feb 26 - " is unmistakable wire copy, whatever follows: a "<Ticker Inc>",
    // "Shr 53 cts vs ...", a lower-case typo.
    const bool wire = has_date && kind == SeparatorKind::kDash;
    if (!wire && !StartsLikeSentence(remainder)) return false;
  }
  // "International Coffee Organization (ICO) said ..." is a sentence: without a separator
  // after it, the parenthesis must name a news agency.
  if (!agency.empty() && kind == SeparatorKind::kNone && !IsKnownAgency(agency)) return false;
  // Place words must not run into the sentence: with no separator after "(Agency)" the
  // text continues right away, which is fine; otherwise a separator was required above.
  dateline->text = std::string(Trim(p.substr(0, text_end)));
  dateline->place = std::string(p.substr(0, place_end));
  dateline->agency = std::string(agency);
  *rest = std::min(after, p.size());
  return true;
}

bool LooksLikeByline(std::string_view line) {
  line = Trim(line);
  if (line.size() < 5 || line.size() > 120) return false;
  if (!StartsWith(line, "By ") && !StartsWith(line, "BY ")) return false;
  std::string_view rest = line.substr(3);
  // Sentences are not bylines: "By 2030, the city ..." / "By contrast, ..." end with '.'.
  if (EndsSentence(rest)) {
    size_t last_space = rest.rfind(' ');
    std::string_view last = last_space == npos ? rest : rest.substr(last_space + 1);
    if (last.size() > 4 || rest.back() != '.') return false;  // "Jr." / "Inc." are fine
  }
  int words = 0;
  bool first = true;
  size_t pos = 0;
  while (pos < rest.size()) {
    size_t end = rest.find(' ', pos);
    if (end == npos) end = rest.size();
    std::string_view word = rest.substr(pos, end - pos);
    pos = end + 1;
    while (!word.empty() && (word.back() == ',' || word.back() == ';')) word.remove_suffix(1);
    if (word.empty() || word == "|" || word == "-" || word == "&" || word == "\xE2\x80\x94" ||
        word == "\xE2\x80\x93" || word == "/") {
      continue;
    }
    ++words;
    if (words > 12) return false;
    int len;
    char32_t cp = CodePointAt(word, 0, &len);
    if (std::any_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    if (first) {
      first = false;
      if (!IsUpper(cp) || IsMonthOrDayName(word)) return false;
      continue;
    }
    if (!IsUpper(cp) && !IsNameParticle(word)) return false;
  }
  return words >= 1;
}

// "(PHOTOS)", "(Video)", "(VIDEO/PHOTOS)", "(Watch)": what a headline says it comes with, not
// a credit. Without this a headline item such as "Stars at the awards (PHOTOS)" became a
// caption and left no body (docs/QUALITY.md, the no-topic rate on HuffPost headlines).
bool IsMediaTag(std::string_view content) {
  static constexpr std::string_view kWords[] = {"gallery", "graphic", "graphics", "pics",
                                                "photo", "photos", "picture", "pictures",
                                                "slideshow", "video", "videos", "watch"};
  bool any = false;
  size_t i = 0;
  while (i < content.size()) {
    while (i < content.size() && (content[i] == ' ' || content[i] == '/' || content[i] == ',' ||
                                  content[i] == '&' || content[i] == '+')) {
      ++i;
    }
    size_t j = i;
    while (j < content.size() && content[j] != ' ' && content[j] != '/' && content[j] != ',' &&
           content[j] != '&' && content[j] != '+') {
      ++j;
    }
    if (j == i) break;
    std::string word(content.substr(i, j - i));
    for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (word != "and" &&
        std::find(std::begin(kWords), std::end(kWords), word) == std::end(kWords)) {
      return false;
    }
    any |= word != "and";
    i = j;
  }
  return any;
}

bool LooksLikeCaption(std::string_view p, bool leading) {
  if (p.size() < 20 || p.size() > 800) return false;
  if (Contains(p, "toggle caption")) return true;  // NPR "Enlarge this image toggle caption"
  std::string_view s = p;
  while (!s.empty() && (s.back() == ' ' || s.back() == '.')) s.remove_suffix(1);
  const bool file_photo = StartsWith(p, "FILE - ") || StartsWith(p, "FILE PHOTO") ||
                          StartsWith(p, "FILE \xE2\x80\x94") ||
                          StartsWith(p, "FILE \xE2\x80\x93") ||
                          StartsWith(p, "FILE: ");
  // BBC / Express style credits in front: "Image copyright EPA Image caption ...".
  for (std::string_view prefix : {"Image copyright ", "Image caption ", "Media caption ",
                                  "GETTY ", "Getty Images "}) {
    if (StartsWith(p, prefix)) return true;
  }
  if (!s.empty() && s.back() == ')') {
    size_t open = s.rfind('(');
    if (open != npos && s.size() - open <= 64) {
      std::string_view content = Trim(s.substr(open + 1, s.size() - open - 2));
      if (!content.empty() && !IsMediaTag(content)) {
        if (ContainsPhotoWord(content) || IsSlashCredit(content)) return true;
        if (IsKnownAgency(content)) {
          if (leading || file_photo) return true;
          // Inside the body a bare "(Reuters)" credit ends a caption that is no sentence.
          std::string_view before = Trim(s.substr(0, open));
          if (!before.empty() && !EndsSentence(before) && before.back() != ',') return true;
        }
      }
    }
  }
  if (!leading && !file_photo) return false;
  if (file_photo && Contains(p, "file photo")) return true;
  // Credit without parentheses at the end: "... Dado Ruvic/Reuters", "... Photo: AP".
  std::string_view tail = s.size() > 60 ? s.substr(s.size() - 60) : s;
  for (std::string_view marker : {"Photo: ", "Photo Credit: ", "Photograph: ", "Image: ",
                                  "Picture: ", "Photo credit: ", "Image credit: "}) {
    if (Contains(tail, marker)) return true;
  }
  size_t space = s.rfind(' ');
  std::string_view last = space == npos ? s : s.substr(space + 1);
  if (last.find('/') != npos && IsSlashCredit(last)) return true;
  if (EndsWith(s, "/Getty Images") || EndsWith(s, "/AP Photo")) return true;
  return false;
}

bool LooksLikeSubheading(std::string_view line, std::string_view previous,
                         std::string_view next) {
  if (line.size() < 8 || line.size() > 100) return false;
  int words = 1 + static_cast<int>(std::count(line.begin(), line.end(), ' '));
  if (words < 2 || words > 12) return false;
  int len;
  char32_t first = CodePointAt(line, 0, &len);
  if (!IsUpper(first) && !IsDigit(first) && first != '"' && first != 0x201C) return false;
  if (EndsSentence(line)) return false;
  char last = line.back();
  if (last == ',' || last == ';' || last == '-' || last == '|' || last == '/' || last == '(') {
    return false;
  }
  // A sentence cut short ends with a function word; a table row is mostly digits.
  size_t last_space = line.rfind(' ');
  if (IsFunctionWord(line.substr(last_space + 1))) return false;
  size_t digits = static_cast<size_t>(
      std::count_if(line.begin(), line.end(), [](char c) { return c >= '0' && c <= '9'; }));
  if (digits * 5 > line.size() || Contains(line, "...")) return false;
  if (Contains(line, "http") || Contains(line, "www.") || Contains(line, "@")) return false;
  if (LooksLikeByline(line) || LooksLikeCreditLine(line)) return false;
  // Followed by a real paragraph that starts a sentence, preceded by a finished one.
  if (next.size() < std::max<size_t>(60, line.size() + 20) || !StartsLikeSentence(next)) {
    return false;
  }
  if (!EndsSentence(previous)) return false;
  return true;
}

bool IsBoilerplateLine(std::string_view p) {
  if (p.size() > 160) return false;
  static constexpr std::string_view kExact[] = {
      "Advertisement", "Advertisement Continue reading the main story", "Continue reading",
      "Continue reading the main story", "Media playback is unsupported on your device",
      "Photo", "Read more", "Scroll below for video",
      "Scroll down for video", "Scroll for video",
      "Story continues below advertisement", "Video"};
  for (std::string_view e : kExact) {
    if (p == e) return true;
  }
  static constexpr std::string_view kPrefixes[] = {
      "ALSO READ:", "Also Read:", "Also read:", "Click here to", "More:", "READ MORE:",
      "RELATED:", "Read More:", "Read more:", "Related:", "SEE ALSO:", "See also:"};
  for (std::string_view prefix : kPrefixes) {
    if (StartsWith(p, prefix)) return true;
  }
  // A related-story link scraped with its label: "China: the new space superpower Read more".
  if (EndsWith(p, " Read more") || EndsWith(p, " Read More")) return true;
  return StartsWith(p, "Keep up with this story");
}

// ASCII and Latin-1 letters (À-Þ, as UTF-8) to lower case: "Ähnliche Beiträge" matches
// "ähnliche beiträge".
std::string LatinLower(std::string_view p) {
  std::string lower = AsciiLower(p);
  for (size_t i = 0; i + 1 < lower.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(lower[i]);
    unsigned char next = static_cast<unsigned char>(lower[i + 1]);
    if (c == 0xC3 && next >= 0x80 && next <= 0x9E && next != 0x97) {
      lower[i + 1] = static_cast<char>(next + 0x20);
      ++i;
    }
  }
  return lower;
}

bool IsSectionCloser(std::string_view p) {
  if (p.size() > 80 || CountWords(p) > 8) return false;
  const std::string lower = LatinLower(p);
  // Labels that open what follows an article: related reading, contact box, tags, comments,
  // revision notes. Whole words at the start of the paragraph.
  static constexpr std::string_view kLabels[] = {
      "mehr zum thema", "mehr themen", "mehr aus", "weitere artikel",
      "weitere beitr\xC3\xA4ge", "weitere informationen", "weitere infos",
      "weiterf\xC3\xBChrende informationen", "weiterlesen", "zum weiterlesen",
      "auch interessant", "das k\xC3\xB6nnte sie auch interessieren",
      "empfohlene beitr\xC3\xA4ge", "empfohlene artikel", "neueste artikel", "schon gelesen",
      "\xC3\xA4hnliche beitr\xC3\xA4ge", "\xC3\xA4hnliche artikel", "verwandte artikel",
      "verwandte beitr\xC3\xA4ge", "das k\xC3\xB6nnte dich auch interessieren", "top themen",
      "themen im artikel", "kontakt", "originalpublikation", "keine kommentare", "kommentare",
      "letzte \xC3\xA4nderung", "aktualisiert am", "zuletzt aktualisiert", "community",
      "related", "read more", "read next", "recommended", "you might also like",
      "you may also like", "more from", "more stories", "contenido relacionado",
      "temas relacionados", "lea tambi\xC3\xA9n", "lire aussi", "\xC3\xA0 lire aussi",
      "inne artyku\xC5\x82y", "czytaj te\xC5\xBC", "photo credits", "tags", "schlagworte",
      "share", "teilen", "diesen artikel teilen", "war der artikel", "lade weitere"};
  for (std::string_view label : kLabels) {
    if (!StartsWith(lower, label)) continue;
    if (lower.size() == label.size()) return true;
    unsigned char next = static_cast<unsigned char>(lower[label.size()]);
    if (next < 0x80 && !absl::ascii_isalnum(next)) return true;  // a whole word
  }
  return false;
}

bool IsTrailerLine(std::string_view p) {
  if (p.size() > 300) return false;
  const std::string lower = LatinLower(p);
  // Outlet furniture that closes articles in many languages: rights notices, newsletter and
  // app pitches, "follow us", share prompts, tag lists and "related" teasers.
  static constexpr std::string_view kMarkers[] = {
      "\xC2\xA9", "copyright", "all rights reserved", "alle rechte", "todos los derechos",
      "tous droits", "written permission", "newsletter", "subscribe", "abonnieren",
      "suscr\xC3\xAD" "bete", "abonnez", "follow us", "follow the", "folgen sie uns",
      "s\xC3\xADguenos", "download the", "app store", "google play", "share this",
      "jetzt teilen", "schlagworte", "tags:", "themen:", "mehr zum thema",
      "auch interessant", "k\xC3\xB6nnte sie auch interessieren", "you might also like",
      "\xC3\xA4hnliche beitr\xC3\xA4ge",
      "temas relacionados", "contenido relacionado", "related articles", "related stories",
      "weiterf\xC3\xBChrende", "zum weiterlesen", "neueste artikel", "whatsapp", "telegram"};
  for (std::string_view marker : kMarkers) {
    if (Contains(lower, marker)) return true;
  }
  return false;
}

void ApplyStructure(std::vector<Block> blocks, const StructureOptions& options,
                    NormalizedArticle* article) {
  const std::string title_folded = MatchingForm(article->title);
  auto is_title = [&](const std::string& text) {
    return !title_folded.empty() && text.size() <= article->title.size() * 2 + 16 &&
           MatchingForm(text) == title_folded;
  };
  auto later_paragraph = [&](size_t i) {
    for (size_t j = i + 1; j < blocks.size(); ++j) {
      if (blocks[j].kind == Block::Kind::kParagraph) return true;
    }
    return false;
  };

  // A heading introduces text: one followed by another heading or by nothing is the title
  // of a dropped block (a related-links list, a comment section) or page furniture.
  auto heading_has_text = [&](size_t i) {
    for (size_t j = i + 1; j < blocks.size(); ++j) {
      if (blocks[j].text.empty()) continue;
      if (blocks[j].kind == Block::Kind::kParagraph) return !IsBoilerplateLine(blocks[j].text);
      if (blocks[j].kind == Block::Kind::kHeading) return false;
    }
    return false;
  };

  size_t i = 0;
  // Leading matter: repeated title, captions, byline, in any order.
  for (int guard = 0; i < blocks.size() && guard < 12; ++guard) {
    Block& b = blocks[i];
    if (b.text.empty()) {
      ++i;
      continue;
    }
    if (b.kind == Block::Kind::kCaption) {
      article->captions.push_back(std::move(b.text));
      ++i;
      continue;
    }
    if (i <= 2 && is_title(b.text)) {
      ++i;
      continue;
    }
    if (b.kind == Block::Kind::kHeading) {
      // Before the first paragraph: a heading of six words or more is the standfirst
      // (subtitle), unless it is written as finished sentences: then it is the lead
      // paragraph, which pages often set as a heading. A short one is a sub-heading
      // opening the body, kept when text follows it.
      const int32_t words = CountWords(b.text);
      if (article->subtitle.empty() && article->paragraphs.empty() && words >= 6 &&
          !(words >= 12 && EndsSentence(b.text))) {
        article->subtitle = std::move(b.text);
      } else if (words >= 12 && EndsSentence(b.text)) {
        article->paragraphs.push_back(std::move(b.text));
      } else if (heading_has_text(i)) {
        article->subheadings.push_back(b.text);
        article->paragraphs.push_back(std::move(b.text));
      }
      ++i;
      continue;
    }
    if (b.kind == Block::Kind::kByline) {
      if (article->byline.empty()) article->byline = std::move(b.text);
      ++i;
      continue;
    }
    if (LooksLikeCaption(b.text, /*leading=*/true) && later_paragraph(i)) {
      article->captions.push_back(std::move(b.text));
      ++i;
      continue;
    }
    if (article->byline.empty()) {
      if (b.first_line_end != npos &&
          LooksLikeByline(std::string_view(b.text).substr(0, b.first_line_end))) {
        article->byline = b.text.substr(0, b.first_line_end);
        b.text.erase(0, b.first_line_end + 1);
        b.first_line_end = npos;
        continue;  // look at the rest of the block again
      }
      if (LooksLikeByline(b.text)) {
        article->byline = std::move(b.text);
        ++i;
        continue;
      }
    }
    break;
  }

  // Dateline: at the start of the first body paragraph, possibly after a few short header
  // lines ("Xinhua | Updated: 2017-09-15 17:52").
  bool found = false;
  for (size_t k = i; k < blocks.size() && k < i + 3; ++k) {
    Block& b = blocks[k];
    if (b.kind != Block::Kind::kParagraph) break;
    size_t rest = 0;
    if (ParseDateline(b.text, &article->dateline, &rest)) {
      found = true;
    } else if (b.first_line_end != npos &&
               ParseDateline(std::string_view(b.text).substr(0, b.first_line_end),
                             &article->dateline, &rest, /*allow_empty_rest=*/true)) {
      found = true;
      rest = b.first_line_end + 1;  // dateline alone on the first line
    }
    if (found) {
      b.text.erase(0, rest);
      if (b.text.empty()) blocks.erase(blocks.begin() + static_cast<std::ptrdiff_t>(k));
      break;
    }
    if (b.text.size() > 100 || EndsSentence(b.text)) break;
  }
  if (!found) {
    std::string_view hint = Trim(options.dateline_hint);
    if (!hint.empty()) {
      // Strip it when the body repeats it.
      if (i < blocks.size() && blocks[i].kind == Block::Kind::kParagraph &&
          StartsWith(blocks[i].text, hint)) {
        std::string& text = blocks[i].text;
        size_t cut = hint.size();
        while (cut < text.size() && text[cut] == ' ') ++cut;
        text.erase(0, cut);
        if (text.empty()) blocks.erase(blocks.begin() + static_cast<std::ptrdiff_t>(i));
      }
      size_t rest = 0;
      if (!ParseDateline(hint, &article->dateline, &rest, /*allow_empty_rest=*/true)) {
        article->dateline = Dateline();
        article->dateline.text = std::string(hint);
        size_t comma = hint.find_first_of(",(-");
        article->dateline.place = std::string(Trim(hint.substr(0, comma)));
      }
    }
  }

  // Body.
  for (; i < blocks.size(); ++i) {
    Block& b = blocks[i];
    if (b.text.empty()) continue;
    switch (b.kind) {
      case Block::Kind::kCaption:
        article->captions.push_back(std::move(b.text));
        break;
      case Block::Kind::kHeading:
        // Sub-headings stay in the body, in place, as paragraphs of their own; the
        // `subheadings` list marks which paragraphs they are.
        if (!is_title(b.text) && heading_has_text(i)) {
          article->subheadings.push_back(b.text);
          article->paragraphs.push_back(std::move(b.text));
        }
        break;
      case Block::Kind::kByline:
        if (article->byline.empty()) article->byline = std::move(b.text);
        break;
      case Block::Kind::kParagraph: {
        if (IsBoilerplateLine(b.text)) break;
        // Page residue before the article's first sentence (HTML): dates, labels, kickers
        // such as "Aktualisiert:", "23.10.2018", "Veröffentlichung".
        if (!options.detect_subheadings && article->paragraphs.empty() && b.text.size() < 50 &&
            CountWords(b.text) < 6 && !EndsSentence(b.text) && later_paragraph(i)) {
          break;
        }
        if (LooksLikeCaption(b.text, /*leading=*/false) ||
            LooksLikeCreditLine(b.text)) {  // "Jae C. Hong/AP"
          article->captions.push_back(std::move(b.text));
        } else if (options.detect_subheadings && !article->paragraphs.empty() &&
                   i + 1 < blocks.size() && blocks[i + 1].kind == Block::Kind::kParagraph &&
                   LooksLikeSubheading(b.text, article->paragraphs.back(), blocks[i + 1].text)) {
          article->subheadings.push_back(b.text);
          article->paragraphs.push_back(std::move(b.text));
        } else {
          article->paragraphs.push_back(std::move(b.text));
        }
        break;
      }
    }
  }

  // Closing sections: from a label that opens related reading, a contact box or comments
  // (IsSectionCloser) in the last part of the body to the end, when that is a small share
  // of the text: what comes after such a label is not the article.
  size_t total = 0;
  for (const std::string& p : article->paragraphs) total += p.size();
  for (size_t k = 1, before = total == 0 ? 0 : article->paragraphs[0].size();
       k < article->paragraphs.size();
       before += article->paragraphs[k].size(), ++k) {
    if (before * 10 < total * 6 || (total - before) * 10 > total * 3) continue;
    if (!IsSectionCloser(article->paragraphs[k])) continue;
    for (size_t r = k; r < article->paragraphs.size(); ++r) {
      auto it = std::find(article->subheadings.begin(), article->subheadings.end(),
                          article->paragraphs[r]);
      if (it != article->subheadings.end()) article->subheadings.erase(it);
    }
    article->paragraphs.resize(k);
    break;
  }

  // Trailing matter: the last few paragraphs when they are outlet furniture (IsTrailerLine),
  // a label waiting for a dropped list ("Weitere Informationen:"), or a sub-heading left
  // without text.
  for (int dropped = 0; dropped < 4 && article->paragraphs.size() > 1; ++dropped) {
    const std::string& last = article->paragraphs.back();
    const bool heading =
        !article->subheadings.empty() && article->subheadings.back() == last;
    const bool label = last.size() < 60 && last.back() == ':';
    if (!heading && !label && !IsTrailerLine(last)) break;
    if (heading) article->subheadings.pop_back();
    article->paragraphs.pop_back();
  }
}

}  // namespace newsflow::normalize::internal
