// ParsePublishedAt: the publication-time formats feeds use (RFC 3339 / ISO 8601, RFC 822 /
// 1123, Reuters "26-FEB-1987 15:01:01.79", "Jan 6, 2026 2:03 PM", Unix epoch) to RFC 3339 UTC.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "processors/normalize/normalize.h"
#include "common/string_util.h"

namespace newsflow::normalize {
namespace {

using ::newsflow::AsciiLower;

// Cursor over the date text.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek(size_t ahead = 0) const { return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0'; }
  size_t pos() const { return pos_; }
  void Reset(size_t pos) { pos_ = pos; }
  void Skip(size_t n = 1) { pos_ += n; }

  bool Consume(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  void SkipSpaces() {
    while (Peek() == ' ' || Peek() == '\t') ++pos_;
  }
  // Exactly `min`..`max` digits.
  bool Digits(int min, int max, int* value, int* count = nullptr) {
    int n = 0, v = 0;
    while (n < max && absl::ascii_isdigit(static_cast<unsigned char>(Peek()))) {
      v = v * 10 + (Peek() - '0');
      ++pos_;
      ++n;
    }
    if (n < min) {
      pos_ -= static_cast<size_t>(n);
      return false;
    }
    if (absl::ascii_isdigit(static_cast<unsigned char>(Peek()))) {  // too many digits
      pos_ -= static_cast<size_t>(n);
      return false;
    }
    *value = v;
    if (count != nullptr) *count = n;
    return true;
  }
  // A run of ASCII letters (and '.'), lower-cased.
  std::string Word() {
    size_t start = pos_;
    while (absl::ascii_isalpha(static_cast<unsigned char>(Peek()))) ++pos_;
    std::string word = AsciiLower(s_.substr(start, pos_ - start));
    return word;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

int MonthFromName(const std::string& w) {
  static constexpr const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                            "jul", "aug", "sep", "oct", "nov", "dec"};
  if (w.size() < 3) return 0;
  for (int m = 0; m < 12; ++m) {
    if (w.compare(0, 3, kMonths[m]) == 0) {
      // "jan" / "january" / "sept"; reject other words that start alike ("marching").
      static constexpr const char* kFull[] = {"january", "february", "march",     "april",
                                              "may",     "june",     "july",      "august",
                                              "september", "october", "november", "december"};
      std::string_view full = kFull[m];
      if (w.size() == 3 || w == full || (m == 8 && w == "sept")) return m + 1;
      return 0;
    }
  }
  return 0;
}

bool IsWeekdayName(const std::string& w) {
  static constexpr const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  if (w.size() < 3) return false;
  for (const char* d : kDays) {
    if (w.compare(0, 3, d) == 0) return true;
  }
  return false;
}

// Offset in seconds of a zone abbreviation; false when unknown.
bool ZoneAbbreviation(const std::string& w, int* offset) {
  struct Zone {
    const char* name;
    int hours_times_60;
  };
  static constexpr Zone kZones[] = {
      {"z", 0},          {"ut", 0},         {"utc", 0},       {"gmt", 0},
      {"est", -5 * 60},  {"edt", -4 * 60},  {"cst", -6 * 60}, {"cdt", -5 * 60},
      {"mst", -7 * 60},  {"mdt", -6 * 60},  {"pst", -8 * 60}, {"pdt", -7 * 60},
      {"akst", -9 * 60}, {"akdt", -8 * 60}, {"hst", -10 * 60}, {"bst", 60},
      {"cet", 60},       {"cest", 120},     {"eet", 120},     {"eest", 180},
      {"wet", 0},        {"west", 60},      {"msk", 180},     {"ist", 330},
      {"pkt", 300},      {"jst", 540},      {"kst", 540},     {"hkt", 480},
      {"sgt", 480},      {"aest", 600},     {"aedt", 660},    {"awst", 480},
      {"nzst", 720},     {"nzdt", 780},
  };
  for (const Zone& z : kZones) {
    if (w == z.name) {
      *offset = z.hours_times_60 * 60;
      return true;
    }
  }
  return false;
}

struct Parsed {
  int year = 0, month = 0, day = 0;
  int hour = 0, minute = 0, second = 0, millis = 0;
  int offset_seconds = 0;  // local time = UTC + offset
  bool fraction = false;   // seconds had a fraction
};

// Numeric offset "+0100", "+01:00", "-05", after the sign.
bool NumericOffset(Scanner* sc, int* offset) {
  char sign = sc->Peek();
  if (sign != '+' && sign != '-') return false;
  size_t start = sc->pos();
  sc->Skip();
  int hh = 0, mm = 0, count = 0;
  if (!sc->Digits(2, 4, &hh, &count)) {
    sc->Reset(start);
    return false;
  }
  if (count == 4) {
    mm = hh % 100;
    hh /= 100;
  } else if (count == 2) {
    if (sc->Consume(':') && !sc->Digits(2, 2, &mm)) {
      sc->Reset(start);
      return false;
    }
  } else {
    sc->Reset(start);
    return false;
  }
  if (hh > 14 || mm > 59) return false;
  *offset = (sign == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
  return true;
}

// Optional zone: "Z", "+01:00", "+0100", " GMT", " UTC+2", " (UTC)". Must reach the end.
bool ParseZoneAndEnd(Scanner* sc, Parsed* p) {
  sc->SkipSpaces();
  if (sc->AtEnd()) return true;
  if (sc->Peek() == 'Z' || sc->Peek() == 'z') {
    sc->Skip();
  } else if (sc->Peek() == '+' || sc->Peek() == '-') {
    if (!NumericOffset(sc, &p->offset_seconds)) return false;
  } else {
    bool paren = sc->Consume('(');
    std::string w = sc->Word();
    int offset = 0;
    if (!ZoneAbbreviation(w, &offset)) return false;
    p->offset_seconds = offset;
    if ((w == "utc" || w == "gmt") && (sc->Peek() == '+' || sc->Peek() == '-')) {
      int extra = 0;
      size_t start = sc->pos();
      char sign = sc->Peek();
      sc->Skip();
      int hh = 0;
      if (sc->Digits(1, 2, &hh)) {
        int mm = 0;
        if (sc->Consume(':') && !sc->Digits(2, 2, &mm)) return false;
        extra = (sign == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
      } else {
        sc->Reset(start);
        if (!NumericOffset(sc, &extra)) return false;
      }
      p->offset_seconds = extra;
    }
    if (paren && !sc->Consume(')')) return false;
  }
  sc->SkipSpaces();
  return sc->AtEnd();
}

// "hh:mm[:ss[.fff]]" with optional AM/PM.
bool ParseClock(Scanner* sc, Parsed* p) {
  if (!sc->Digits(1, 2, &p->hour)) return false;
  if (!sc->Consume(':') && !sc->Consume('.')) return false;
  if (!sc->Digits(2, 2, &p->minute)) return false;
  if (sc->Consume(':')) {
    if (!sc->Digits(2, 2, &p->second)) return false;
    if (sc->Peek() == '.' || sc->Peek() == ',') {
      sc->Skip();
      int digits = 0;
      int ms = 0;
      while (absl::ascii_isdigit(static_cast<unsigned char>(sc->Peek()))) {
        if (digits < 3) ms = ms * 10 + (sc->Peek() - '0');
        ++digits;
        sc->Skip();
      }
      if (digits == 0) return false;
      for (int d = digits; d < 3; ++d) ms *= 10;
      p->millis = ms;
      p->fraction = true;
    }
  }
  // AM / PM / a.m. / p.m.
  size_t before = sc->pos();
  sc->SkipSpaces();
  char c = static_cast<char>(absl::ascii_tolower(static_cast<unsigned char>(sc->Peek())));
  char m = static_cast<char>(absl::ascii_tolower(static_cast<unsigned char>(sc->Peek(1))));
  char m2 = static_cast<char>(absl::ascii_tolower(static_cast<unsigned char>(sc->Peek(2))));
  int meridiem_len = 0;
  if ((c == 'a' || c == 'p') && m == 'm' && !absl::ascii_isalpha(static_cast<unsigned char>(sc->Peek(2)))) {
    meridiem_len = 2;
  } else if ((c == 'a' || c == 'p') && m == '.' && m2 == 'm') {
    meridiem_len = sc->Peek(3) == '.' ? 4 : 3;
  }
  if (meridiem_len > 0) {
    if (p->hour < 1 || p->hour > 12) return false;
    if (c == 'p' && p->hour != 12) p->hour += 12;
    if (c == 'a' && p->hour == 12) p->hour = 0;
    sc->Skip(static_cast<size_t>(meridiem_len));
  } else {
    sc->Reset(before);
  }
  return true;
}

// ISO 8601 / RFC 3339: "2026-01-07", "2026-01-07T14:03:00.123+01:00", "2026-01-07 14:03",
// "2026/01/07", basic "20260107T140300Z".
bool ParseIso(std::string_view text, Parsed* p) {
  Scanner sc(text);
  if (!sc.Digits(4, 4, &p->year)) {
    // basic format
    int ymd = 0, count = 0;
    if (!sc.Digits(8, 8, &ymd, &count)) return false;
    p->year = ymd / 10000;
    p->month = ymd / 100 % 100;
    p->day = ymd % 100;
    if (sc.AtEnd()) return true;
    if (!sc.Consume('T') && !sc.Consume('t')) return false;
    int hms = 0;
    if (sc.Digits(6, 6, &hms, &count)) {
      p->hour = hms / 10000;
      p->minute = hms / 100 % 100;
      p->second = hms % 100;
    } else if (sc.Digits(4, 4, &hms, &count)) {
      p->hour = hms / 100;
      p->minute = hms % 100;
    } else {
      return false;
    }
    return ParseZoneAndEnd(&sc, p);
  }
  char sep = sc.Peek();
  if (sep != '-' && sep != '/') return false;
  sc.Skip();
  if (!sc.Digits(1, 2, &p->month)) return false;
  if (!sc.Consume(sep)) return false;
  if (!sc.Digits(1, 2, &p->day)) return false;
  if (sc.AtEnd()) return true;
  if (sc.Peek() == 'T' || sc.Peek() == 't') {
    sc.Skip();
  } else if (sc.Peek() == ' ') {
    sc.SkipSpaces();
    if (!absl::ascii_isdigit(static_cast<unsigned char>(sc.Peek()))) return ParseZoneAndEnd(&sc, p);
  } else {
    return ParseZoneAndEnd(&sc, p);
  }
  if (!ParseClock(&sc, p)) return false;
  return ParseZoneAndEnd(&sc, p);
}

int ExpandYear(int year, int digits) {
  if (digits == 2) return year < 50 ? 2000 + year : 1900 + year;
  return year;
}

// RFC 822 / 1123 and other written forms: "Tue, 06 Jan 2026 14:03:00 GMT",
// "26-FEB-1987 15:01:01.79", "6 January 2026", "Jan 6, 2026 2:03 PM EST",
// "January 6, 2026 at 14:03".
bool ParseWritten(std::string_view text, Parsed* p) {
  Scanner sc(text);
  // Optional weekday: "Tue," / "Tuesday"
  if (absl::ascii_isalpha(static_cast<unsigned char>(sc.Peek()))) {
    size_t start = sc.pos();
    std::string w = sc.Word();
    if (IsWeekdayName(w) && MonthFromName(w) == 0) {
      sc.Consume('.');
      sc.Consume(',');
      sc.SkipSpaces();
    } else {
      sc.Reset(start);
    }
  }
  int digits = 0;
  if (absl::ascii_isdigit(static_cast<unsigned char>(sc.Peek()))) {
    // day month year: "06 Jan 2026", "26-FEB-1987", "6. Jan. 2026"
    if (!sc.Digits(1, 2, &p->day)) return false;
    sc.Consume('.');
    char sep = sc.Peek();
    if (sep != ' ' && sep != '-' && sep != '/') return false;
    sc.Skip();
    sc.SkipSpaces();
    p->month = MonthFromName(sc.Word());
    if (p->month == 0) return false;
    sc.Consume('.');
    if (sc.Peek() != sep && sc.Peek() != ' ' && sc.Peek() != ',') return false;
    sc.Skip();
    sc.SkipSpaces();
    if (!sc.Digits(4, 4, &p->year, &digits) && !sc.Digits(2, 2, &p->year, &digits)) return false;
  } else {
    // month day, year: "Jan 6, 2026", "January 6 2026"
    p->month = MonthFromName(sc.Word());
    if (p->month == 0) return false;
    sc.Consume('.');
    sc.SkipSpaces();
    if (!sc.Digits(1, 2, &p->day)) return false;
    // ordinal suffix "6th"
    size_t after_day = sc.pos();
    std::string suffix = sc.Word();
    if (!(suffix == "st" || suffix == "nd" || suffix == "rd" || suffix == "th")) sc.Reset(after_day);
    sc.Consume(',');
    sc.SkipSpaces();
    if (!sc.Digits(4, 4, &p->year, &digits)) return false;
  }
  p->year = ExpandYear(p->year, digits);
  // Optional time, possibly after ",", "T" or "at".
  size_t before_time = sc.pos();
  sc.Consume(',');
  sc.SkipSpaces();
  if (sc.Peek() == 'a' && sc.Peek(1) == 't' && sc.Peek(2) == ' ') {
    sc.Skip(3);
    sc.SkipSpaces();
  }
  if (absl::ascii_isdigit(static_cast<unsigned char>(sc.Peek()))) {
    if (!ParseClock(&sc, p)) return false;
    // Reuters-21578 SGML residue glued to the fraction: "00:02:59.13RM", "...59.13E F".
    if (p->fraction && absl::ascii_isupper(static_cast<unsigned char>(sc.Peek())) &&
        absl::ascii_isdigit(static_cast<unsigned char>(text[sc.pos() - 1]))) {
      while (absl::ascii_isupper(static_cast<unsigned char>(sc.Peek())) || sc.Peek() == ' ') {
        sc.Skip();
      }
      return sc.AtEnd();
    }
  } else {
    sc.Reset(before_time);
  }
  return ParseZoneAndEnd(&sc, p);
}

bool ToTime(const Parsed& p, absl::Time* t) {
  if (p.year < 1900 || p.year > 2199 || p.month < 1 || p.month > 12 || p.day < 1 ||
      p.hour > 23 || p.minute > 59 || p.second > 60) {
    return false;
  }
  absl::CivilDay day(p.year, p.month, p.day);
  if (day.year() != p.year || day.month() != p.month || day.day() != p.day) return false;  // Feb 30
  absl::CivilSecond cs(p.year, p.month, p.day, p.hour, p.minute, p.second == 60 ? 59 : p.second);
  *t = absl::FromCivil(cs, absl::UTCTimeZone()) - absl::Seconds(p.offset_seconds) +
       absl::Milliseconds(p.millis);
  return true;
}

}  // namespace

bool ParsePublishedAt(const std::string& text, std::string* rfc3339_utc, int64_t* unix_ms) {
  std::string_view s = StripWhitespace(text);
  if (s.empty() || s.size() > 64) return false;
  absl::Time t;
  bool ok = false;
  if (std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
      (s.size() == 10 || s.size() == 13)) {
    // Unix epoch seconds or milliseconds.
    int64_t value = std::stoll(std::string(s));
    t = s.size() == 10 ? absl::FromUnixSeconds(value) : absl::FromUnixMillis(value);
    ok = true;
  } else {
    Parsed p;
    if (ParseIso(s, &p)) {
      ok = ToTime(p, &t);
    } else {
      p = Parsed();
      ok = ParseWritten(s, &p) && ToTime(p, &t);
    }
  }
  if (!ok) return false;
  int64_t ms = absl::ToUnixMillis(t);
  absl::CivilSecond cs = absl::ToCivilSecond(t, absl::UTCTimeZone());
  int64_t sub_ms = ms - absl::ToUnixSeconds(absl::FromCivil(cs, absl::UTCTimeZone())) * 1000;
  std::string formatted = absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d", cs.year(), cs.month(),
                                          cs.day(), cs.hour(), cs.minute(), cs.second());
  if (sub_ms != 0) absl::StrAppendFormat(&formatted, ".%03d", sub_ms);
  formatted.push_back('Z');
  if (rfc3339_utc != nullptr) *rfc3339_utc = std::move(formatted);
  if (unix_ms != nullptr) *unix_ms = ms;
  return true;
}

}  // namespace newsflow::normalize
