// CanonicalizeUrl: one spelling per article address, so that the same story reached through
// a share link, an AMP page or a tracking redirect gets the same key.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "processors/normalize/normalize.h"
#include "common/string_util.h"

namespace newsflow::normalize {
namespace {

using ::newsflow::AsciiLower;
using ::newsflow::EndsWith;
using ::newsflow::EqualsIgnoreCase;
using ::newsflow::SplitView;
using ::newsflow::StartsWith;
using ::newsflow::StripWhitespace;

// Query parameters that only say where a click came from.
constexpr std::string_view kTrackingParams[] = {
    "__twitter_impression", "_ga",         "_gl",          "action_object_map",
    "action_ref_map",       "action_type_map", "cmp",      "cmpid",
    "dclid",                "fbclid",      "gbraid",       "gclid",
    "gclsrc",               "guccounter",  "guce_referrer", "guce_referrer_sig",
    "hsctatracking",        "igsh",        "igshid",       "int_cmp",
    "intcmp",               "li_fat_id",   "mbid",         "mc_cid",
    "mc_eid",               "mkt_tok",     "msclkid",      "ncid",
    "ocid",                 "rb_clickid",  "ref",          "ref_src",
    "ref_url",              "s_cid",       "smid",         "smtyp",
    "spm",                  "sr_share",    "ttclid",       "twclid",
    "wbraid",               "wickedid",    "xtor",         "yclid"};
constexpr std::string_view kTrackingPrefixes[] = {"utm_", "fb_", "ns_", "pk_", "mtm_",
                                                  "hsa_", "_hs", "__hs", "oly_", "vero_"};

bool IsTrackingParam(std::string_view lower_key) {
  for (std::string_view prefix : kTrackingPrefixes) {
    if (StartsWith(lower_key, prefix)) return true;
  }
  return std::find(std::begin(kTrackingParams), std::end(kTrackingParams), lower_key) !=
         std::end(kTrackingParams);
}

bool IsUnreserved(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Upper-case hex digits in %XX escapes and decode escaped unreserved characters
// (RFC 3986 section 6.2.2).
std::string NormalizePercent(std::string_view s) {
  if (s.find('%') == std::string_view::npos) return std::string(s);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && Hex(s[i + 1]) >= 0 && Hex(s[i + 2]) >= 0) {
      char decoded = static_cast<char>(Hex(s[i + 1]) * 16 + Hex(s[i + 2]));
      if (IsUnreserved(decoded)) {
        out.push_back(decoded);
      } else {
        out.push_back('%');
        out.push_back(absl::ascii_toupper(static_cast<unsigned char>(s[i + 1])));
        out.push_back(absl::ascii_toupper(static_cast<unsigned char>(s[i + 2])));
      }
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Path with "." and ".." segments resolved and AMP segments ("/amp/", trailing "/amp",
// "story.amp", "story.amp.html") removed. Sets `*amp` when one was removed.
std::string NormalizePath(std::string_view path, bool* amp) {
  if (path.empty()) return "/";
  std::vector<std::string_view> segments = SplitView(path.substr(1), '/');
  std::vector<std::string> out;
  out.reserve(segments.size());
  bool trailing_slash = path.back() == '/';
  for (size_t i = 0; i < segments.size(); ++i) {
    std::string_view seg = segments[i];
    bool last = i + 1 == segments.size();
    if (seg == ".") {
      if (last) trailing_slash = true;
      continue;
    }
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
      if (last) trailing_slash = true;
      continue;
    }
    if (EqualsIgnoreCase(seg, "amp")) {
      *amp = true;
      if (last) trailing_slash = false;  // "/story/amp" -> "/story"
      continue;
    }
    if (last && !seg.empty()) {
      std::string lower = AsciiLower(seg);
      if (EndsWith(lower, ".amp.html")) {
        *amp = true;
        out.push_back(std::string(seg.substr(0, seg.size() - 9)) + ".html");
        continue;
      }
      if (EndsWith(lower, ".amp") && seg.size() > 4) {
        *amp = true;
        out.emplace_back(seg.substr(0, seg.size() - 4));
        continue;
      }
    }
    if (seg.empty()) continue;  // "//" inside the path, or the trailing slash
    out.emplace_back(seg);
  }
  std::string result = "/" + absl::StrJoin(out, "/");
  if (trailing_slash && !out.empty()) result.push_back('/');
  return result;
}

struct Param {
  std::string key;
  std::string text;  // "key=value" as written (percent-normalized)
};

std::string Canonicalize(std::string_view url, int depth) {
  const std::string original(url);
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return original;
  std::string scheme = AsciiLower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return original;
  std::string_view rest = url.substr(scheme_end + 3);
  size_t authority_end = rest.find_first_of("/?#");
  if (authority_end == std::string_view::npos) authority_end = rest.size();
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail = rest.substr(authority_end);

  std::string userinfo;
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    userinfo = std::string(authority.substr(0, at + 1));
    authority = authority.substr(at + 1);
  }
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {  // IPv6 literal
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return original;
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return original;
      port = after.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
  }
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return original;
  }
  while (port.size() > 1 && port[0] == '0') port.remove_prefix(1);
  std::string lower_host = AsciiLower(host);
  while (!lower_host.empty() && lower_host.back() == '.') lower_host.pop_back();
  if (lower_host.empty()) return original;
  if ((scheme == "http" && port == "80") || (scheme == "https" && port == "443")) port = {};

  size_t hash = tail.find('#');
  if (hash != std::string_view::npos) tail = tail.substr(0, hash);
  std::string_view path = tail;
  std::string_view query;
  size_t question = tail.find('?');
  if (question != std::string_view::npos) {
    path = tail.substr(0, question);
    query = tail.substr(question + 1);
  }

  // AMP caches: https://www-example-com.cdn.ampproject.org/c/s/www.example.com/story and
  // https://www.google.com/amp/s/www.example.com/story point at the publisher's page.
  if (depth == 0) {
    std::string_view inner;
    bool inner_https = false;
    if (EndsWith(lower_host, ".cdn.ampproject.org")) {
      for (std::string_view prefix : {"/c/", "/v/", "/i/"}) {
        if (StartsWith(path, prefix)) {
          inner = path.substr(3);
          break;
        }
      }
    } else if ((lower_host == "google.com" || StartsWith(lower_host, "www.google.")) &&
               StartsWith(path, "/amp/")) {
      inner = path.substr(5);
    }
    if (!inner.empty()) {
      if (StartsWith(inner, "s/")) {
        inner_https = true;
        inner.remove_prefix(2);
      }
      size_t slash = inner.find('/');
      std::string_view inner_host = inner.substr(0, slash);
      if (inner_host.find('.') != std::string_view::npos) {
        std::string target = std::string(inner_https ? "https://" : "http://") + std::string(inner);
        if (!query.empty()) target += "?" + std::string(query);
        return Canonicalize(target, depth + 1);
      }
    }
  }

  bool amp = false;
  if (StartsWith(lower_host, "amp.") && lower_host.size() > 4 &&
      lower_host.find('.', 4) != std::string::npos) {
    lower_host.erase(0, 4);
    amp = true;
  }
  std::string normalized_path = NormalizePath(NormalizePercent(path), &amp);

  std::vector<Param> params;
  for (std::string_view piece : SplitView(query, '&')) {
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    std::string_view key = piece.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
    std::string lower_key = AsciiLower(NormalizePercent(key));
    if (lower_key.empty() || IsTrackingParam(lower_key)) continue;
    std::string lower_value = AsciiLower(value);
    if (lower_key == "amp" || lower_key == "_amp" ||
        ((lower_key == "outputtype" || lower_key == "output") && lower_value == "amp")) {
      amp = true;
      continue;
    }
    params.push_back(Param{NormalizePercent(key), NormalizePercent(piece)});
  }
  std::stable_sort(params.begin(), params.end(),
                   [](const Param& a, const Param& b) { return a.key < b.key; });

  (void)amp;  // AMP variants are simply mapped; nothing else depends on it
  std::string out = scheme + "://" + userinfo + lower_host;
  if (!port.empty()) out += ":" + std::string(port);
  out += normalized_path;
  for (size_t i = 0; i < params.size(); ++i) {
    out.push_back(i == 0 ? '?' : '&');
    out += params[i].text;
  }
  return out;
}

}  // namespace

std::string CanonicalizeUrl(const std::string& url) {
  std::string_view trimmed = StripWhitespace(url);
  if (trimmed.empty()) return std::string();
  return Canonicalize(trimmed, 0);
}

}  // namespace newsflow::normalize
