#include "processors/normalize/html_extract.h"

#include <gumbo.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "processors/normalize/charset.h"
#include "processors/normalize/html_tree.h"
#include "processors/normalize/text.h"
#include "common/string_util.h"

namespace newsflow::normalize::internal {
namespace {

constexpr int kMaxDepth = 1000;  // recursion limit of the tree walks (see kMaxNesting)

// ---------------------------------------------------------------------------------------
// Tags.

// Never content.
bool IsDroppedTag(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_MATH:
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_INPUT:
    case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_APPLET:
    case GUMBO_TAG_CANVAS:
    case GUMBO_TAG_AUDIO:
    case GUMBO_TAG_VIDEO:
    case GUMBO_TAG_MAP:
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_TITLE:
    case GUMBO_TAG_META:
    case GUMBO_TAG_LINK:
    case GUMBO_TAG_BASE:
    case GUMBO_TAG_OPTION:
    case GUMBO_TAG_DATALIST:
    case GUMBO_TAG_FRAMESET:
    case GUMBO_TAG_FRAME:
    case GUMBO_TAG_NOFRAMES:
      return true;
    default:
      return false;
  }
}

// Page furniture: dropped like boilerplate class names, unless the element holds most of the
// page's text (a <header> left open by broken markup, an ASP.NET <form> around the page).
bool IsFurnitureTag(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_FORM:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_MENU:
      return true;
    default:
      return false;
  }
}

bool IsInlineTag(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_A:
    case GUMBO_TAG_ABBR:
    case GUMBO_TAG_ACRONYM:
    case GUMBO_TAG_B:
    case GUMBO_TAG_BDI:
    case GUMBO_TAG_BDO:
    case GUMBO_TAG_BIG:
    case GUMBO_TAG_BR:
    case GUMBO_TAG_CITE:
    case GUMBO_TAG_CODE:
    case GUMBO_TAG_DATA:
    case GUMBO_TAG_DEL:
    case GUMBO_TAG_DFN:
    case GUMBO_TAG_EM:
    case GUMBO_TAG_FONT:
    case GUMBO_TAG_I:
    case GUMBO_TAG_IMG:
    case GUMBO_TAG_INS:
    case GUMBO_TAG_KBD:
    case GUMBO_TAG_LABEL:
    case GUMBO_TAG_MARK:
    case GUMBO_TAG_NOBR:
    case GUMBO_TAG_Q:
    case GUMBO_TAG_RP:
    case GUMBO_TAG_RT:
    case GUMBO_TAG_RUBY:
    case GUMBO_TAG_S:
    case GUMBO_TAG_SAMP:
    case GUMBO_TAG_SMALL:
    case GUMBO_TAG_SOURCE:
    case GUMBO_TAG_SPAN:
    case GUMBO_TAG_STRIKE:
    case GUMBO_TAG_STRONG:
    case GUMBO_TAG_SUB:
    case GUMBO_TAG_SUP:
    case GUMBO_TAG_TIME:
    case GUMBO_TAG_TT:
    case GUMBO_TAG_U:
    case GUMBO_TAG_VAR:
    case GUMBO_TAG_WBR:
      return true;
    default:
      return false;
  }
}

// Text inside these counts as paragraph text for content scoring.
bool IsParagraphTag(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_DD:
      return true;
    default:
      return false;
  }
}

const char* Attr(const GumboElement& e, const char* name) {
  const GumboAttribute* a = gumbo_get_attribute(&e.attributes, name);
  return a == nullptr ? nullptr : a->value;
}

std::string_view AttrView(const GumboElement& e, const char* name) {
  const char* v = Attr(e, name);
  return v == nullptr ? std::string_view() : std::string_view(v);
}

// Name of an element gumbo does not know (custom elements such as <amp-ad>), lower-cased.
std::string UnknownTagName(const GumboElement& e) {
  GumboStringPiece piece = e.original_tag;
  gumbo_tag_from_original_text(&piece);
  return AsciiLower(std::string_view(piece.data, piece.length));
}

// ---------------------------------------------------------------------------------------
// class / id vocabulary.

constexpr std::string_view kNegativeTokens[] = {
    "ad", "ads", "adsbygoogle", "adslot", "adunit", "advert", "advertisement",
    "advertising", "adverts", "banner", "bio", "breadcrumb", "breadcrumbs", "comment",
    "comments", "consent", "cookie", "cookiebanner", "cookies", "copyright", "dfp",
    "disqus", "footer", "gdpr", "login", "masthead", "menu", "modal", "mostpopular",
    "mostread", "nav", "navbar", "navigation", "newsletter", "newsletters", "outbrain",
    "pager", "pagination", "popular", "popup", "promo", "promoted", "promotion", "rating",
    "recirculation", "recommendations", "recommended", "related", "relatedposts", "share",
    "sharebar", "shariff", "sharing", "sidebar", "signup", "social", "sponsor", "sponsored",
    "subscribe", "subscription", "taboola", "tagcloud", "tags", "toolbar",
    "trending", "utility"};

// Tokens of a class / id naming the article's lead (standfirst, teaser paragraph), which
// layouts often put next to the body container rather than inside it.
constexpr std::string_view kLeadTokens[] = {
    "abstract", "bajada", "chapo", "dek", "epigraph", "excerpt", "intro", "lead", "lede",
    "perex", "standfirst", "subheadline", "subtitle", "summary", "teaser"};

constexpr std::string_view kPositiveTokens[] = {"article", "articlebody", "blog",  "body",
                                                "content", "entry",       "main",  "post",
                                                "story",   "text"};

// Substrings of a lower-cased class / id that name the article body itself.
constexpr std::string_view kBodyHints[] = {
    "articlebody",   "article-body",  "article_body",  "article__body", "article-content",
    "articlecontent", "article-text", "story-body",    "storybody",     "story-content",
    "story-text",    "entry-content", "post-content",  "post-body",     "postbody",
    "post-entry",    "content-body",  "td-post-content", "article__content", "main-content"};

template <size_t N>
constexpr bool IsSortedList(const std::string_view (&list)[N]) {
  for (size_t i = 1; i < N; ++i) {
    if (!(list[i - 1] < list[i])) return false;
  }
  return true;
}
static_assert(IsSortedList(kNegativeTokens));
static_assert(IsSortedList(kPositiveTokens));
static_assert(IsSortedList(kLeadTokens));

template <size_t N>
bool InList(const std::string_view (&list)[N], std::string_view token) {
  return std::binary_search(std::begin(list), std::end(list), token);
}


enum Flags : uint16_t {
  kNegative = 1,     // class/id names boilerplate
  kPositive = 2,     // class/id names content
  kBodyHint = 4,     // class/id/itemprop names the article body
  kHidden = 8,       // hidden attribute, aria-hidden, display:none
  kDropped = 16,     // decided: not content
  kBylineHint = 32,  // class/id/rel names the author
  kProtected = 64,   // holds the main content: never dropped for its name
  kLeadHint = 128,   // class/id names the article's lead paragraph
  kCaptionHint = 256,  // class/id names a picture's caption or credit
  kDiscussion = 512,   // class/id names reader comments or a forum
};

// What one class / id token says, looked up once per token (class and id values are read for
// every element of every page: a hash lookup instead of three binary searches and a dozen
// comparisons). kModifierToken marks "has", "no", ... which qualify the next token.
constexpr uint32_t kModifierToken = 1u << 16;
const absl::flat_hash_map<std::string_view, uint32_t>& TokenFlags() {
  static const auto* table = [] {
    auto* t = new absl::flat_hash_map<std::string_view, uint32_t>();
    for (std::string_view token : kNegativeTokens) (*t)[token] |= kNegative;
    for (std::string_view token : kPositiveTokens) (*t)[token] |= kPositive;
    for (std::string_view token : kLeadTokens) (*t)[token] |= kLeadHint;
    for (std::string_view token : {"byline", "author", "authors"}) (*t)[token] |= kBylineHint;
    for (std::string_view token : {"caption", "credit", "credits", "legend", "bildunterschrift",
                                   "imagecaption", "imagedescription", "photocaption",
                                   "photocredit"}) {
      (*t)[token] |= kCaptionHint;
    }
    for (std::string_view token : {"has", "no", "with", "without", "show", "hide", "is", "enable",
                                   "enabled", "disable", "allow", "before", "after"}) {
      (*t)[token] |= kModifierToken;
    }
    return t;
  }();
  return *table;
}

// Splits class / id values into lower-case tokens at non-alphanumerics and camelCase
// humps ("relatedArticles" -> "related", "articles") and sets flags.
uint16_t ClassifyNames(std::string_view names) {
  uint16_t flags = 0;
  char token[40];
  size_t len = 0;
  bool prev_lower = false;
  bool modifier = false;  // previous token was "has", "no", ...: "has-ads", "no-sidebar"
  auto emit = [&]() {
    if (len > 0 && len < sizeof(token)) {
      std::string_view t(token, len);
      // "commentlist", "commentlinks", "kommentare", "forum": reader discussions.
      // ("commentary": an opinion piece, a kind of article.)
      const bool discussion =
          (StartsWith(t, "comment") && !StartsWith(t, "commentar") && !StartsWith(t, "commentat")) ||
          StartsWith(t, "kommentar") || t == "forum" || t == "community";
      const auto found = TokenFlags().find(t);
      const uint32_t known = found == TokenFlags().end() ? 0 : found->second;
      if (((known & kNegative) || discussion) && !modifier) flags |= kNegative;
      if (discussion && !modifier) flags |= kDiscussion;
      flags |= static_cast<uint16_t>(known & (kPositive | kLeadHint | kBylineHint | kCaptionHint));
      modifier = (known & kModifierToken) != 0;
    }
    len = 0;
  };
  for (char c : names) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      bool upper = absl::ascii_isupper(static_cast<unsigned char>(c));
      if (upper && prev_lower) emit();
      if (len < sizeof(token)) token[len] = absl::ascii_tolower(static_cast<unsigned char>(c));
      ++len;
      prev_lower = absl::ascii_islower(static_cast<unsigned char>(c));
    } else {
      emit();
      prev_lower = false;
    }
  }
  emit();
  if (names.size() < 300) {
    std::string lower = AsciiLower(names);
    // Every hint holds one of these: most names hold none, and skip the twenty searches.
    if (!Contains(lower, "body") && !Contains(lower, "content") && !Contains(lower, "text") &&
        !Contains(lower, "entry")) {
      return flags;
    }
    for (std::string_view hint : kBodyHints) {
      if (lower.find(hint) != std::string::npos) {
        flags |= kBodyHint;
        break;
      }
    }
  }
  return flags;
}

size_t TrimmedLength(const char* text) {
  size_t n = std::strlen(text);
  size_t b = 0;
  while (b < n && absl::ascii_isspace(static_cast<unsigned char>(text[b]))) ++b;
  while (n > b && absl::ascii_isspace(static_cast<unsigned char>(text[n - 1]))) --n;
  return n - b;
}

const char* FirstTextChild(const GumboNode* node) {
  const GumboVector& children = node->v.element.children;
  for (unsigned i = 0; i < children.length; ++i) {
    const auto* child = static_cast<const GumboNode*>(children.data[i]);
    if (child->type == GUMBO_NODE_TEXT || child->type == GUMBO_NODE_CDATA) {
      return child->v.text.text;
    }
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------

struct NodeInfo {
  int32_t good = 0;  // non-link text in paragraphs (or long loose text)
  int32_t text = 0;  // all text
  int32_t link = 0;  // text inside <a>
  int32_t links = 0;  // <a> elements with text
  bool has_block = false;
  uint16_t flags = 0;
};

struct Metadata {
  std::string title_tag, og_title, twitter_title, site_name, jsonld_headline;
  std::string canonical, og_url;
  std::string meta_time, jsonld_time, time_element;
  std::string html_lang, jsonld_lang, og_locale;
  std::string first_h1;
  std::string jsonld_body;  // longest JSON-LD articleBody, raw
};

class Extractor {
 public:
  explicit Extractor(const GumboOutput* output) : output_(output) { info_.reserve(4096); }

  void Run(HtmlExtraction* out) {
    const GumboNode* root = output_->root;
    if (root == nullptr || root->type != GUMBO_NODE_ELEMENT) return;
    meta_.html_lang = std::string(AttrView(root->v.element, "lang"));
    Scan(root, 0, false, false);
    const GumboNode* body = FindBody(root);
    if (body == nullptr) body = root;
    DecideDrops(body, /*by_name=*/true);
    NodeInfo kept = Recount(body, 0, false, false);
    // When class names left next to no text (under 100 characters, or a tenth of the
    // page's), they named the content itself: a forum thread made of "comment" blocks, a
    // shop page inside a <form>. Then only the page furniture tags (nav, header, footer,
    // aside) and hidden elements go. (At 250 characters, short blog posts lost to their
    // comment form.)
    if (total_good_ >= 500 && (kept.good < 100 || kept.good * 10 < total_good_)) {
      for (auto& [node, info] : info_) {
        if (!(info.flags & kHidden)) info.flags &= static_cast<uint16_t>(~kDropped);
      }
      DecideDrops(body, /*by_name=*/false);
      Recount(body, 0, false, false);
    }
    if (first_h1_ != nullptr && !Dropped(first_h1_)) meta_.first_h1 = InlineTextOf(first_h1_);
    const GumboNode* content = ChooseRoot(body);
    content_ = content;
    EmitLeads(content, body);
    Emit(content, 0);
    FlushAnonymous();
    // When the link rules leave no paragraph (a link blog whose posts are links, a page of
    // teasers), the links are the text: emit again without them.
    if (!HasParagraph()) {
      blocks_.clear();
      keep_links_ = true;
      EmitLeads(content, body);
      Emit(content, 0);
      FlushAnonymous();
    }
    Finish(out);
  }

 private:
  // -- pass 1: metadata, flags, raw text statistics ----------------------------------------
  NodeInfo Scan(const GumboNode* node, int depth, bool in_link, bool in_para) {
    NodeInfo sum;
    if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_CDATA) {
      CountText(node->v.text.text, in_link, in_para, &sum);
      return sum;
    }
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_TEMPLATE) return sum;
    if (depth > kMaxDepth) return sum;
    const GumboElement& e = node->v.element;
    CollectMetadata(node);
    if (IsDroppedTag(e.tag)) {
      if (e.tag == GUMBO_TAG_HEAD) CollectMetadataIn(node, depth);  // <title>, <meta>, <link>
      return sum;
    }
    NodeInfo& self = info_[node];
    std::string_view role;
    self.flags = ElementFlags(e, &role);
    if (IsFurnitureTag(e.tag)) self.flags |= kNegative;
    if (self.flags & kHidden) {
      self.flags |= kDropped;
      return sum;
    }
    if (e.tag == GUMBO_TAG_H1 && first_h1_ == nullptr) first_h1_ = node;
    if (e.tag == GUMBO_TAG_ARTICLE || e.tag == GUMBO_TAG_MAIN || (self.flags & kBodyHint) ||
        role == "main" || role == "article") {
      semantic_.push_back(node);
    }
    sum.has_block = !IsInlineTag(e.tag);
    bool child_link = in_link || e.tag == GUMBO_TAG_A;
    bool child_para = in_para || IsParagraphTag(e.tag);
    for (unsigned i = 0; i < e.children.length; ++i) {
      NodeInfo c = Scan(static_cast<const GumboNode*>(e.children.data[i]), depth + 1, child_link,
                        child_para);
      sum.good += c.good;
      sum.text += c.text;
      sum.link += c.link;
      sum.links += c.links;
      sum.has_block |= c.has_block;
    }
    if (e.tag == GUMBO_TAG_A && sum.text > 0) ++sum.links;
    NodeInfo& stored = info_[node];  // (re-lookup: the map may have rehashed)
    uint16_t flags = stored.flags;
    // An HTML5 <header> holding paragraphs of text is an article's or a section's head
    // (headline, lead), not the page's masthead; its class may still name it furniture.
    if (e.tag == GUMBO_TAG_HEADER && sum.good >= 300 && !(ClassFlags(e) & kNegative)) {
      flags &= static_cast<uint16_t>(~kNegative);
    }
    stored = sum;
    stored.flags = flags;
    // has_block of the node itself means "has block-level descendants"
    stored.has_block = false;
    for (unsigned i = 0; i < e.children.length; ++i) {
      const auto* child = static_cast<const GumboNode*>(e.children.data[i]);
      if (child->type != GUMBO_NODE_ELEMENT) continue;
      if (!IsInlineTag(child->v.element.tag)) {
        stored.has_block = true;
        break;
      }
      auto it = info_.find(child);
      if (it != info_.end() && it->second.has_block) {
        stored.has_block = true;
        break;
      }
    }
    return sum;
  }

  void CollectMetadataIn(const GumboNode* node, int depth) {
    if (depth > kMaxDepth) return;
    const GumboVector& children = node->v.element.children;
    for (unsigned i = 0; i < children.length; ++i) {
      const auto* child = static_cast<const GumboNode*>(children.data[i]);
      if (child->type != GUMBO_NODE_ELEMENT) continue;
      CollectMetadata(child);
      GumboTag tag = child->v.element.tag;
      if (tag != GUMBO_TAG_SCRIPT && tag != GUMBO_TAG_STYLE) CollectMetadataIn(child, depth + 1);
    }
  }

  static void CountText(const char* text, bool in_link, bool in_para, NodeInfo* sum) {
    auto len = static_cast<int32_t>(TrimmedLength(text));
    sum->text += len;
    if (in_link) {
      sum->link += len;
    } else if (in_para || len >= 25) {
      sum->good += len;
    }
  }

  static uint16_t ClassFlags(const GumboElement& e) {
    uint16_t flags = 0;
    std::string_view cls = AttrView(e, "class");
    std::string_view id = AttrView(e, "id");
    if (!cls.empty()) flags |= ClassifyNames(cls);
    if (!id.empty()) flags |= ClassifyNames(id);
    return flags;
  }

  // Reads the attributes that matter in one pass (the parser lower-cases attribute names, so
  // plain comparisons do): class and id vocabulary, itemprop, rel, hidden, aria-hidden,
  // an inline style that hides. `role` receives the role attribute.
  uint16_t ElementFlags(const GumboElement& e, std::string_view* role) {
    uint16_t flags = 0;
    for (unsigned i = 0; i < e.attributes.length; ++i) {
      const auto* attribute = static_cast<const GumboAttribute*>(e.attributes.data[i]);
      const std::string_view name(attribute->name);
      const std::string_view value(attribute->value);
      if (name == "class" || name == "id") {
        if (!value.empty()) flags |= ClassifyNames(value);
      } else if (name == "itemprop") {
        if (EqualsIgnoreCase(value, "articleBody")) flags |= kBodyHint;
        if (value == "author") flags |= kBylineHint;
      } else if (name == "rel") {
        if (EqualsIgnoreCase(value, "author")) flags |= kBylineHint;
      } else if (name == "hidden") {
        flags |= kHidden;
      } else if (name == "aria-hidden") {
        if (value == "true") flags |= kHidden;
      } else if (name == "role") {
        *role = value;
      } else if (name == "style" && !value.empty()) {
        std::string style = AsciiLower(value);
        style.erase(std::remove(style.begin(), style.end(), ' '), style.end());
        if (Contains(style, "display:none") || Contains(style, "visibility:hidden")) {
          flags |= kHidden;
        }
      }
    }
    if (e.tag == GUMBO_TAG_UNKNOWN) flags |= ClassifyNames(UnknownTagName(e));
    return flags;
  }

  void CollectMetadata(const GumboNode* node) {
    const GumboElement& e = node->v.element;
    switch (e.tag) {
      case GUMBO_TAG_TITLE: {
        if (meta_.title_tag.empty()) {
          const char* t = FirstTextChild(node);
          if (t != nullptr) meta_.title_tag = CleanText(t);
        }
        break;
      }
      case GUMBO_TAG_META: {
        std::string key = AsciiLower(AttrView(e, "property"));
        if (key.empty()) key = AsciiLower(AttrView(e, "name"));
        if (key.empty()) key = AsciiLower(AttrView(e, "itemprop"));
        if (key.empty()) key = AsciiLower(AttrView(e, "http-equiv"));
        std::string_view content = AttrView(e, "content");
        if (key.empty() || content.empty()) break;
        auto set = [&](std::string* field) {
          if (field->empty()) *field = CleanText(content);
        };
        if (key == "og:title") set(&meta_.og_title);
        else if (key == "twitter:title") set(&meta_.twitter_title);
        else if (key == "og:site_name") set(&meta_.site_name);
        else if (key == "og:url") set(&meta_.og_url);
        else if (key == "og:locale") set(&meta_.og_locale);
        else if (key == "content-language") set(&meta_.og_locale);
        else if (key == "article:published_time" || key == "og:published_time" ||
                 key == "datepublished" || key == "pubdate" || key == "publishdate" ||
                 key == "publish-date" || key == "publication_date" || key == "dc.date" ||
                 key == "dc.date.issued" || key == "dcterms.created" ||
                 key == "dcterms.date" || key == "sailthru.date" || key == "parsely-pub-date" ||
                 key == "article.published" || key == "date") {
          set(&meta_.meta_time);
        }
        break;
      }
      case GUMBO_TAG_LINK: {
        if (EqualsIgnoreCase(AttrView(e, "rel"), "canonical") && meta_.canonical.empty()) {
          meta_.canonical = CleanText(AttrView(e, "href"));
        }
        break;
      }
      case GUMBO_TAG_SCRIPT: {
        if (Contains(AsciiLower(AttrView(e, "type")), "ld+json")) {
          const char* t = FirstTextChild(node);
          if (t != nullptr) ParseJsonLd(t);
        }
        break;
      }
      case GUMBO_TAG_TIME: {
        if (meta_.time_element.empty()) {
          std::string_view dt = AttrView(e, "datetime");
          if (!dt.empty()) meta_.time_element = CleanText(dt);
        }
        break;
      }
      default:
        break;
    }
  }

  void ParseJsonLd(const char* text) {
    size_t n = std::strlen(text);
    if (n == 0 || n > 512 * 1024) return;
    nlohmann::json doc = nlohmann::json::parse(text, text + n, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return;
    VisitJsonLd(doc, 0);
  }

  static bool IsArticleType(const nlohmann::json& type) {
    auto check = [](const nlohmann::json& t) {
      if (!t.is_string()) return false;
      const std::string& s = t.get_ref<const std::string&>();
      return Contains(s, "Article") || s == "BlogPosting" || s == "Report" ||
             s == "LiveBlogPosting";
    };
    if (type.is_array()) return std::any_of(type.begin(), type.end(), check);
    return check(type);
  }

  void VisitJsonLd(const nlohmann::json& node, int depth) {
    if (depth > 6) return;
    if (node.is_array()) {
      for (const auto& item : node) VisitJsonLd(item, depth + 1);
      return;
    }
    if (!node.is_object()) return;
    auto graph = node.find("@graph");
    if (graph != node.end()) VisitJsonLd(*graph, depth + 1);
    auto type = node.find("@type");
    if (type == node.end() || !IsArticleType(*type)) return;
    auto get = [&](const char* key, std::string* field) {
      auto it = node.find(key);
      if (it != node.end() && it->is_string() && field->empty()) {
        *field = CleanText(it->get_ref<const std::string&>());
      }
    };
    get("headline", &meta_.jsonld_headline);
    auto article_body = node.find("articleBody");
    if (article_body != node.end() && article_body->is_string() &&
        article_body->get_ref<const std::string&>().size() > meta_.jsonld_body.size()) {
      meta_.jsonld_body = article_body->get<std::string>();
    }
    get("datePublished", &meta_.jsonld_time);
    get("dateCreated", &meta_.jsonld_time);
    get("inLanguage", &meta_.jsonld_lang);
  }

  // -- drop decisions -----------------------------------------------------------------------
  void DecideDrops(const GumboNode* body, bool by_name) {
    auto it = info_.find(body);
    total_good_ = it == info_.end() ? 0 : it->second.good;
    // The article / main / article-body element holding the most text, and its ancestors,
    // stay whatever their class says ("o-section--has-ads").
    const GumboNode* keep = nullptr;
    int32_t keep_good = 0;
    for (const GumboNode* node : semantic_) {
      const NodeInfo* info = Info(node);
      if (info != nullptr && info->good > keep_good) {
        keep_good = info->good;
        keep = node;
      }
    }
    if (keep != nullptr && keep_good * 4 >= total_good_) {
      for (const GumboNode* n = keep; n != nullptr && n->type == GUMBO_NODE_ELEMENT; n = n->parent) {
        auto found = info_.find(n);
        if (found != info_.end()) found->second.flags |= kProtected;
      }
    }
    for (auto& [node, info] : info_) {
      // An author box (byline-named element with block content and a biography's worth of
      // text) is not article text either; short ones are the byline and stay.
      const bool author_box = (info.flags & kBylineHint) && info.has_block && info.text >= 150;
      if (!((info.flags & kNegative) || author_box) || (info.flags & (kDropped | kProtected))) {
        continue;
      }
      if (!by_name && !IsFurnitureTag(node->v.element.tag)) continue;
      if (!by_name && node->v.element.tag == GUMBO_TAG_FORM) continue;
      if (node == body || node == output_->root) continue;
      GumboTag tag = node->v.element.tag;
      // Never drop the container that holds most of the page's text: the class of a page
      // wrapper often mentions "sidebar" or "ad" for layout reasons.
      // Reader comments outweighing a short article are still comments: when an article
      // element of some length stands outside the discussion, the discussion goes.
      if (info.good * 2 >= total_good_ && total_good_ > 0 &&
          !((info.flags & kDiscussion) && ArticleOutside(node))) {
        continue;
      }
      if ((tag == GUMBO_TAG_ARTICLE || tag == GUMBO_TAG_MAIN || (info.flags & kBodyHint)) &&
          info.good * 4 >= total_good_) {
        continue;
      }
      info.flags |= kDropped;
    }
  }

  // An <article> / <main> / article-body element with 500+ characters of paragraph text
  // that is neither inside `node` nor around it.
  bool ArticleOutside(const GumboNode* node) const {
    for (const GumboNode* candidate : semantic_) {
      const NodeInfo* info = Info(candidate);
      if (info == nullptr || info->good < 500) continue;
      if (IsAncestor(node, candidate) || IsAncestor(candidate, node)) continue;
      return true;
    }
    return false;
  }

  bool Dropped(const GumboNode* node) const {
    if (node->type != GUMBO_NODE_ELEMENT) return false;
    if (IsDroppedTag(node->v.element.tag)) return true;
    auto it = info_.find(node);
    return it == info_.end() || (it->second.flags & kDropped);
  }

  // -- pass 2: statistics without the dropped parts ------------------------------------------
  NodeInfo Recount(const GumboNode* node, int depth, bool in_link, bool in_para) {
    NodeInfo sum;
    if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_CDATA) {
      CountText(node->v.text.text, in_link, in_para, &sum);
      return sum;
    }
    if (node->type != GUMBO_NODE_ELEMENT || depth > kMaxDepth || Dropped(node)) return sum;
    const GumboElement& e = node->v.element;
    bool child_link = in_link || e.tag == GUMBO_TAG_A;
    bool child_para = in_para || IsParagraphTag(e.tag);
    for (unsigned i = 0; i < e.children.length; ++i) {
      NodeInfo c = Recount(static_cast<const GumboNode*>(e.children.data[i]), depth + 1,
                           child_link, child_para);
      sum.good += c.good;
      sum.text += c.text;
      sum.link += c.link;
      sum.links += c.links;
    }
    if (e.tag == GUMBO_TAG_A && sum.text > 0) ++sum.links;
    NodeInfo& stored = info_[node];
    stored.good = sum.good;
    stored.text = sum.text;
    stored.link = sum.link;
    stored.links = sum.links;
    return sum;
  }

  const NodeInfo* Info(const GumboNode* node) const {
    auto it = info_.find(node);
    return it == info_.end() ? nullptr : &it->second;
  }

  static const GumboNode* FindBody(const GumboNode* html) {
    const GumboVector& children = html->v.element.children;
    for (unsigned i = 0; i < children.length; ++i) {
      const auto* child = static_cast<const GumboNode*>(children.data[i]);
      if (child->type == GUMBO_NODE_ELEMENT && child->v.element.tag == GUMBO_TAG_BODY) {
        return child;
      }
    }
    return nullptr;
  }

  // -- content root -------------------------------------------------------------------------
  const GumboNode* ChooseRoot(const GumboNode* body) {
    const NodeInfo* body_info = Info(body);
    int32_t total = body_info == nullptr ? 0 : body_info->good;
    if (total == 0) return body;

    // Semantic candidates.
    const GumboNode* best = nullptr;
    int32_t best_good = 0;
    std::vector<std::pair<const GumboNode*, int32_t>> candidates;
    for (const GumboNode* node : semantic_) {  // document order: ties go to the first
      const NodeInfo* info = Info(node);
      if (info == nullptr || info->good <= 0 || !Reachable(node, body)) continue;
      candidates.emplace_back(node, info->good);
      if (info->good > best_good) {
        best_good = info->good;
        best = node;
      }
    }
    if (best != nullptr && best_good * 10 >= total * 4 && best_good >= 100) {
      // The innermost candidate that still holds 85% of the best one's text: <main> often
      // wraps the article and its related-links rail.
      const GumboNode* chosen = best;
      int32_t chosen_good = best_good;
      for (const auto& [node, good] : candidates) {
        if (good * 100 >= best_good * 85 && good < chosen_good && IsAncestor(best, node)) {
          chosen = node;
          chosen_good = good;
        }
      }
      return chosen;
    }

    // Densest block: descend while one child holds most of the paragraph text.
    const GumboNode* current = body;
    int32_t current_good = total;
    for (int depth = 0; depth < kMaxDepth; ++depth) {
      const GumboVector& children = current->v.element.children;
      const GumboNode* top = nullptr;
      int32_t top_good = 0;
      for (unsigned i = 0; i < children.length; ++i) {
        const auto* child = static_cast<const GumboNode*>(children.data[i]);
        if (child->type != GUMBO_NODE_ELEMENT || Dropped(child)) continue;
        const NodeInfo* ci = Info(child);
        if (ci != nullptr && ci->good > top_good) {
          top_good = ci->good;
          top = child;
        }
      }
      if (top == nullptr || top_good * 10 < current_good * 7) break;
      // Do not descend into a single paragraph: its siblings are the article.
      if (IsParagraphTag(top->v.element.tag)) break;
      current = top;
      current_good = top_good;
    }
    return current;
  }

  // The lead ("teaser-text", "article__intro", "chapo") often sits next to the body
  // container, before it, in one of its first few ancestors: emitted first when it reads
  // like text (not a list of links, not a page's worth of text).
  void EmitLeads(const GumboNode* content, const GumboNode* body) {
    std::vector<const GumboNode*> leads;
    const GumboNode* node = content;
    for (int level = 0; level < 3 && node != body && node->parent != nullptr &&
                        node->parent->type == GUMBO_NODE_ELEMENT;
         ++level, node = node->parent) {
      const GumboVector& siblings = node->parent->v.element.children;
      std::vector<const GumboNode*> found;
      for (unsigned i = 0; i < siblings.length; ++i) {
        const auto* sibling = static_cast<const GumboNode*>(siblings.data[i]);
        if (sibling == node) break;
        if (sibling->type != GUMBO_NODE_ELEMENT || Dropped(sibling)) continue;
        FindLead(sibling, 0, &found);
      }
      leads.insert(leads.begin(), found.begin(), found.end());  // outer ones come first
    }
    for (const GumboNode* lead : leads) Emit(lead, 1);
    FlushAnonymous();
  }

  // The lead-named element at or (a few levels) inside `node`: the article's header block
  // ("article-header") holds the headline, the date and the lead.
  void FindLead(const GumboNode* node, int depth, std::vector<const GumboNode*>* found) {
    if (node->type != GUMBO_NODE_ELEMENT || Dropped(node)) return;
    const NodeInfo* info = Info(node);
    if (info == nullptr || info->text < 40) return;
    if (info->flags & kLeadHint) {
      if (info->text <= 2000 && info->link * 2 <= info->text) found->push_back(node);
      return;
    }
    if (depth >= 5 || info->text > 3000) return;
    const GumboVector& children = node->v.element.children;
    for (unsigned i = 0; i < children.length; ++i) {
      FindLead(static_cast<const GumboNode*>(children.data[i]), depth + 1, found);
    }
  }

  // Not inside a dropped element (candidates are collected from the whole tree).
  bool Reachable(const GumboNode* node, const GumboNode* body) const {
    for (const GumboNode* n = node; n != nullptr; n = n->parent) {
      if (n == body) return true;
      if (n->type == GUMBO_NODE_ELEMENT && Dropped(n)) return false;
    }
    return false;
  }

  static bool IsAncestor(const GumboNode* ancestor, const GumboNode* node) {
    for (const GumboNode* n = node; n != nullptr; n = n->parent) {
      if (n == ancestor) return true;
    }
    return false;
  }

  // A container of three or more links whose text is mostly (60%) link text: a list of
  // related stories with their teasers, a link rail. (40% cost recall: lists of sources,
  // link-rich blog posts.)
  static bool LinkDense(const NodeInfo& info) {
    return info.links >= 3 && info.link * 100 >= info.text * 60;
  }

  // -- pass 3: blocks -----------------------------------------------------------------------
  void Emit(const GumboNode* node, int depth) {
    if (node->type != GUMBO_NODE_ELEMENT || depth > kMaxDepth || Dropped(node)) return;
    const GumboElement& e = node->v.element;
    const NodeInfo* info = Info(node);
    bool has_block = info != nullptr && info->has_block;
    if (node != content_ && has_block && !keep_links_ && LinkDense(*info)) {
      FlushAnonymous();
      return;
    }
    // Blocks inside a link (a teaser card: <a><h3>headline</h3><p>teaser</p></a>) are
    // link text, whatever their tags.
    struct LinkScope {
      int* depth;
      bool on;
      ~LinkScope() {
        if (on) --*depth;
      }
    } link_scope{&link_depth_, e.tag == GUMBO_TAG_A};
    if (link_scope.on) ++link_depth_;
    // Captions and picture credits outside <figcaption> ("wp-caption-text", "media__caption",
    // "credits").
    if (info != nullptr && (info->flags & kCaptionHint) && info->text < 400) {
      EmitInlineBlock(node, Block::Kind::kCaption);
      return;
    }
    switch (e.tag) {
      case GUMBO_TAG_H1:
        FlushAnonymous();
        return;  // the headline: metadata, not body
      case GUMBO_TAG_H2:
      case GUMBO_TAG_H3:
      case GUMBO_TAG_H4:
      case GUMBO_TAG_H5:
      case GUMBO_TAG_H6:
        EmitInlineBlock(node, Block::Kind::kHeading);
        return;
      case GUMBO_TAG_P:
      case GUMBO_TAG_PRE:
      case GUMBO_TAG_ADDRESS:
        EmitInlineBlock(node, Block::Kind::kParagraph);
        return;
      case GUMBO_TAG_FIGCAPTION:
        EmitInlineBlock(node, Block::Kind::kCaption);
        return;
      case GUMBO_TAG_LI:
      case GUMBO_TAG_DD:
      case GUMBO_TAG_DT:
      case GUMBO_TAG_BLOCKQUOTE:
      case GUMBO_TAG_TD:
      case GUMBO_TAG_TH:
      case GUMBO_TAG_CAPTION:
      case GUMBO_TAG_SUMMARY:
        if (!has_block) {
          EmitInlineBlock(node, Block::Kind::kParagraph);
          return;
        }
        break;
      default:
        if (info != nullptr && (info->flags & kBylineHint) && !has_block && info->text < 120) {
          EmitInlineBlock(node, Block::Kind::kByline);
          return;
        }
        break;
    }
    EmitChildren(node, depth);
  }

  void EmitChildren(const GumboNode* node, int depth) {
    const GumboVector& children = node->v.element.children;
    for (unsigned i = 0; i < children.length; ++i) {
      const auto* child = static_cast<const GumboNode*>(children.data[i]);
      switch (child->type) {
        case GUMBO_NODE_TEXT:
        case GUMBO_NODE_CDATA: {
          Collector c{&anonymous_, link_depth_ > 0};
          c.Text(child->v.text.text);
          break;
        }
        case GUMBO_NODE_WHITESPACE:
          anonymous_.builder.Space();
          break;
        case GUMBO_NODE_ELEMENT: {
          if (Dropped(child)) break;
          GumboTag tag = child->v.element.tag;
          if (tag == GUMBO_TAG_BR) {
            FlushAnonymous();
            break;
          }
          const NodeInfo* ci = Info(child);
          if (IsInlineTag(tag) && (ci == nullptr || !ci->has_block) &&
              !(ci != nullptr && (ci->flags & kBylineHint) && ci->text < 120) &&
              !(ci != nullptr && (ci->flags & kCaptionHint))) {
            Collector c{&anonymous_, tag == GUMBO_TAG_A || link_depth_ > 0};
            c.Element(this, child, depth + 1);
            break;
          }
          FlushAnonymous();
          Emit(child, depth + 1);
          break;
        }
        default:
          break;
      }
    }
  }

  struct Pending {
    CleanTextBuilder builder;
    int32_t text = 0;
    int32_t link = 0;
  };

  // Gathers the inline text of a subtree into a Pending block.
  struct Collector {
    Pending* pending;
    bool in_link;
    int32_t text = 0;
    bool caption = false;  // collecting a caption: credits inside it are part of it

    void Text(const char* t) {
      auto len = static_cast<int32_t>(TrimmedLength(t));
      pending->builder.Append(t);
      pending->text += len;
      if (in_link) pending->link += len;
      text += len;
    }
    void Element(const Extractor* x, const GumboNode* node, int depth) {
      if (depth > kMaxDepth || x->Dropped(node)) return;
      const GumboElement& e = node->v.element;

      if (e.tag == GUMBO_TAG_BR) {
        pending->builder.Space();
        return;
      }
      bool inline_tag = IsInlineTag(e.tag);
      if (!inline_tag) pending->builder.Space();
      bool saved = in_link;
      if (e.tag == GUMBO_TAG_A) in_link = true;
      for (unsigned i = 0; i < e.children.length; ++i) {
        const auto* child = static_cast<const GumboNode*>(e.children.data[i]);
        if (child->type == GUMBO_NODE_TEXT || child->type == GUMBO_NODE_CDATA) {
          Text(child->v.text.text);
        } else if (child->type == GUMBO_NODE_WHITESPACE) {
          pending->builder.Space();
        } else if (child->type == GUMBO_NODE_ELEMENT) {
          // A picture's caption or credit inside a paragraph is not its text.
          const NodeInfo* ci = x->Info(child);
          if (!caption && ci != nullptr && (ci->flags & kCaptionHint)) continue;
          Element(x, child, depth + 1);
        }
      }
      in_link = saved;
      if (!inline_tag) pending->builder.Space();
    }
  };

  void EmitInlineBlock(const GumboNode* node, Block::Kind kind) {
    FlushAnonymous();
    Pending pending;
    Collector c{&pending, link_depth_ > 0};
    c.caption = kind == Block::Kind::kCaption;
    c.Element(this, node, 0);
    PushBlock(kind, &pending);
  }

  void FlushAnonymous() {
    if (anonymous_.builder.empty()) {
      anonymous_.text = anonymous_.link = 0;
      return;
    }
    // Loose text between blocks: keep what reads like text, not labels and separators.
    std::string text = anonymous_.builder.Finish();
    int32_t chars = anonymous_.text, link = anonymous_.link;
    anonymous_.text = anonymous_.link = 0;
    if (text.size() < 25 && !EndsSentence(text)) return;
    PushBlock(Block::Kind::kParagraph, std::move(text), chars, link);
  }

  void PushBlock(Block::Kind kind, Pending* pending) {
    std::string text = pending->builder.Finish();
    PushBlock(kind, std::move(text), pending->text, pending->link);
  }

  void PushBlock(Block::Kind kind, std::string text, int32_t chars, int32_t link) {
    if (text.empty()) return;
    if (kind != Block::Kind::kCaption && chars > 0 && link * 2 > chars && !keep_links_) {
      return;  // mostly links: navigation, related stories
    }
    Block block;
    block.kind = kind;
    block.text = std::move(text);
    blocks_.push_back(std::move(block));
  }

  std::string InlineTextOf(const GumboNode* node) {
    Pending pending;
    Collector c{&pending, false};
    c.Element(this, node, 0);
    return pending.builder.Finish();
  }

  bool HasParagraph() const {
    for (const Block& b : blocks_) {
      if (b.kind == Block::Kind::kParagraph && !b.text.empty()) return true;
    }
    return false;
  }

  // -- result -------------------------------------------------------------------------------
  void Finish(HtmlExtraction* out) {
    UseJsonLdBodyIfLonger();
    out->blocks = std::move(blocks_);
    out->title = ChooseTitle();
    out->canonical_url = !meta_.canonical.empty() ? meta_.canonical : meta_.og_url;
    if (!meta_.meta_time.empty()) {
      out->published_time = meta_.meta_time;
    } else if (!meta_.jsonld_time.empty()) {
      out->published_time = meta_.jsonld_time;
    } else {
      out->published_time = meta_.time_element;
    }
    if (!meta_.html_lang.empty()) {
      out->language = meta_.html_lang;
    } else if (!meta_.jsonld_lang.empty()) {
      out->language = meta_.jsonld_lang;
    } else {
      out->language = meta_.og_locale;
    }
  }

  // Pages that render the article with JavaScript carry it only in JSON-LD: when its
  // articleBody is more than twice the paragraph text found in the markup, it is the body
  // (paragraphs at line breaks; captions and headings found in the markup are kept).
  void UseJsonLdBodyIfLonger() {
    const std::string& raw = meta_.jsonld_body;
    if (raw.size() < 400) return;
    size_t found = 0;
    for (const Block& b : blocks_) {
      if (b.kind == Block::Kind::kParagraph) found += b.text.size();
    }
    if (raw.size() <= 2 * found) return;
    std::string decoded;
    std::string_view text = raw;
    if (DecodeHtmlEntities(text, &decoded)) text = decoded;
    if (LooksLikeHtml(text)) return;  // markup inside JSON: not worth a second parse
    std::vector<Block> blocks;
    for (const Block& b : blocks_) {
      if (b.kind == Block::Kind::kCaption || b.kind == Block::Kind::kByline) blocks.push_back(b);
    }
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      std::string paragraph = CleanText(text.substr(start, end - start));
      if (!paragraph.empty()) {
        Block block;
        block.text = std::move(paragraph);
        blocks.push_back(std::move(block));
      }
      start = end + 1;
    }
    blocks_ = std::move(blocks);
  }

  std::string ChooseTitle() const {
    if (!meta_.og_title.empty()) return meta_.og_title;
    if (!meta_.jsonld_headline.empty()) return meta_.jsonld_headline;
    if (!meta_.twitter_title.empty()) return meta_.twitter_title;
    std::string title = meta_.title_tag;
    if (title.empty()) return meta_.first_h1;
    // "Headline | Site" / "Headline - Site": prefer the page's <h1> when the <title> starts
    // with it, else cut a known site name.
    if (!meta_.first_h1.empty() && StartsWith(title, meta_.first_h1)) return meta_.first_h1;
    if (!meta_.site_name.empty()) {
      for (std::string_view sep : {" | ", " - ", " \xE2\x80\x93 ", " \xE2\x80\x94 ", " :: "}) {
        std::string suffix = std::string(sep) + meta_.site_name;
        if (EndsWith(title, suffix) && title.size() > suffix.size()) {
          return title.substr(0, title.size() - suffix.size());
        }
      }
    }
    return title;
  }

  const GumboOutput* output_;
  absl::flat_hash_map<const GumboNode*, NodeInfo> info_;
  Metadata meta_;
  int32_t total_good_ = 0;
  Pending anonymous_;
  std::vector<Block> blocks_;
  const GumboNode* first_h1_ = nullptr;
  const GumboNode* content_ = nullptr;
  int link_depth_ = 0;  // <a> elements around the node being emitted
  bool keep_links_ = false;  // second pass: link-dense blocks stay
  std::vector<const GumboNode*> semantic_;  // article / main / article-body candidates
};

bool IsTagNameEnd(char c) {
  return c == '>' || c == '/' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// Offset just past the '>' that closes the tag starting at html[pos] == '<', skipping
// quoted attribute values; html.size() when unterminated.
size_t TagEnd(std::string_view html, size_t pos) {
  char quote = 0;
  for (size_t i = pos + 1; i < html.size(); ++i) {
    char c = html[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      if (IsAsciiWhitespace(html[i - 1]) || html[i - 1] == '=') quote = c;
    } else if (c == '>') {
      return i + 1;
    }
  }
  return html.size();
}

// Case-insensitive search for `needle` (lower case ASCII) from `pos`.
size_t FindIgnoreCase(std::string_view haystack, std::string_view needle, size_t pos) {
  while (pos < haystack.size()) {
    size_t lt = haystack.find('<', pos);
    if (lt == std::string_view::npos || lt + needle.size() > haystack.size()) break;
    if (EqualsIgnoreCase(haystack.substr(lt, needle.size()), needle)) return lt;
    pos = lt + 1;
  }
  return std::string_view::npos;
}

// Elements without end tag, and elements whose end tag the parser implies: neither counts
// towards nesting depth.
bool IsVoidOrAutoClosed(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "area", "base", "body", "br", "caption", "col", "colgroup", "dd", "dt", "embed", "head",
      "hr", "html", "img", "input", "keygen", "li", "link", "meta", "optgroup", "option", "p",
      "param", "rb", "rp", "rt", "source", "tbody", "td", "tfoot", "th", "thead", "tr",
      "track", "wbr"};
  static_assert(IsSortedList(kNames));
  return InList(kNames, name);
}

// Attributes the extractor reads: on every element those of ElementFlags (class, id, role,
// style, hidden, aria-hidden, itemprop, rel); on some elements those of CollectMetadata and
// the root (meta: name, property, http-equiv, content, charset; link: href; script: type;
// time: datetime; html: lang). The others (data-*, href of links, src, srcset, on*, width,
// ...) are a large share of a page's markup, and gumbo reads them a code point at a time:
// PrepareHtml drops them. `tag` is the lower-cased element name.
bool IsReadAttribute(std::string_view tag, std::string_view name) {
  static constexpr std::string_view kEverywhere[] = {"aria-hidden", "class", "hidden", "id",
                                                     "itemprop",    "rel",   "role",   "style"};
  static_assert(IsSortedList(kEverywhere));
  if (name.size() > 12) return false;
  char buffer[16];
  for (size_t i = 0; i < name.size(); ++i) {
    buffer[i] = absl::ascii_tolower(static_cast<unsigned char>(name[i]));
  }
  const std::string_view lower(buffer, name.size());
  if (InList(kEverywhere, lower)) return true;
  if (tag == "meta") {
    return lower == "name" || lower == "property" || lower == "http-equiv" ||
           lower == "content" || lower == "charset";
  }
  if (tag == "link") return lower == "href";
  if (tag == "script") return lower == "type";
  if (tag == "time") return lower == "datetime";
  if (tag == "html") return lower == "lang";
  return false;
}

// `tag` is a whole start tag ("<div class=a data-x='1'>") whose name ends at `name_end`.
// Writes it to `out` without the attributes the extractor never reads and returns true; or
// returns false, writing nothing, when there is none to drop or the tag is not plainly
// formed (then gumbo gets it as it was).
bool StripUnreadAttributes(std::string_view tag, size_t name_end, std::string_view tag_name,
                           std::string* out) {
  const size_t end = tag.size() - 1;  // the '>'
  if (tag.back() != '>') return false;
  struct Span {
    size_t from, to;
  };
  Span kept[32];
  size_t kept_count = 0;
  bool dropped = false, self_closing = false;
  size_t i = name_end;
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; };
  while (true) {
    while (i < end && (space(tag[i]) || tag[i] == '/')) {
      self_closing = tag[i] == '/';
      ++i;
    }
    if (i >= end) break;
    self_closing = false;
    const size_t start = i;
    while (i < end && !space(tag[i]) && tag[i] != '/' && tag[i] != '=') {
      if (tag[i] == '"' || tag[i] == '\'' || tag[i] == '<') return false;
      ++i;
    }
    if (i == start) return false;
    const std::string_view name = tag.substr(start, i - start);
    size_t after = i;
    while (after < end && space(tag[after])) ++after;
    if (after < end && tag[after] == '=') {
      i = after + 1;
      while (i < end && space(tag[i])) ++i;
      if (i >= end) return false;
      if (tag[i] == '"' || tag[i] == '\'') {
        const size_t close = tag.find(tag[i], i + 1);
        if (close == std::string_view::npos || close >= end) return false;
        i = close + 1;
      } else {
        while (i < end && !space(tag[i])) {
          if (tag[i] == '"' || tag[i] == '\'' || tag[i] == '<' || tag[i] == '=' || tag[i] == '`') {
            return false;
          }
          ++i;
        }
      }
    }
    if (IsReadAttribute(tag_name, name)) {
      if (kept_count == 32) return false;
      kept[kept_count++] = Span{start, i};
    } else {
      dropped = true;
    }
  }
  if (!dropped) return false;
  out->append(tag.data(), name_end);
  for (size_t k = 0; k < kept_count; ++k) {
    out->push_back(' ');
    out->append(tag.data() + kept[k].from, kept[k].to - kept[k].from);
  }
  if (self_closing) out->push_back('/');
  out->push_back('>');
  return true;
}

// Nesting depth beyond which tags are dropped (their text kept): gumbo's tree construction
// is quadratic in depth (10,000 nested <div><span> take 20 s), real pages stay below 100.
constexpr int kMaxNesting = 800;

// Prepares HTML for gumbo: drops what gumbo would spend most of its time on and the
// extractor throws away anyway, the contents of <script> (except JSON-LD), <style> and <svg>
// (drawings: path data, and icon titles such as "Share on Facebook") and comments, and the
// attributes it never reads (IsReadAttribute), finding their end the way the HTML tokenizer does ("</script" ends a script
// wherever it is); and drops tags nested deeper than kMaxNesting. Returns false, leaving
// `out` untouched, when there is nothing to change.
bool PrepareHtml(std::string_view html, std::string* out) {
  std::string result;
  size_t copied = 0;
  size_t pos = 0;
  bool changed = false;
  int depth = 0;
  auto skip = [&](size_t from, size_t to) {  // drop html[from, to)
    if (!changed) result.reserve(html.size());
    result.append(html.data() + copied, from - copied);
    copied = to;
    changed = true;
  };
  while (true) {
    size_t lt = html.find('<', pos);
    if (lt == std::string_view::npos || lt + 1 >= html.size()) break;
    char next = html[lt + 1];
    if (next == '!') {
      if (html.compare(lt, 4, "<!--") == 0) {
        size_t end = html.find("-->", lt + 4);
        end = end == std::string_view::npos ? html.size() : end + 3;
        skip(lt, end);
        pos = end;
      } else {
        pos = TagEnd(html, lt);  // <!DOCTYPE>, <![CDATA[
      }
      continue;
    }
    bool closing = next == '/';
    size_t name_start = lt + (closing ? 2 : 1);
    size_t name_end = name_start;
    while (name_end < html.size() && !IsTagNameEnd(html[name_end])) ++name_end;
    if (name_end == name_start || !absl::ascii_isalpha(static_cast<unsigned char>(html[name_start]))) {
      pos = lt + 1;  // a '<' in text
      continue;
    }
    std::string name = AsciiLower(html.substr(name_start, std::min<size_t>(name_end - name_start, 16)));
    size_t tag_end = TagEnd(html, lt);
    if (!closing && (name == "script" || name == "style" || name == "svg")) {
      std::string_view close = name == "script" ? "</script" : name == "style" ? "</style" : "</svg";
      if (name == "script" && Contains(AsciiLower(html.substr(lt, tag_end - lt)), "ld+json")) {
        pos = tag_end;  // JSON-LD metadata: keep
        continue;
      }
      size_t end_tag = FindIgnoreCase(html, close, tag_end);
      if (end_tag == std::string_view::npos) break;  // unterminated: leave it to gumbo
      if (end_tag > tag_end) skip(tag_end, end_tag);
      pos = end_tag + close.size();
      continue;
    }
    if (!closing && depth < kMaxNesting) {
      std::string rewritten;
      if (StripUnreadAttributes(html.substr(lt, tag_end - lt), name_end - lt, name, &rewritten)) {
        skip(lt, tag_end);
        result.append(rewritten);
      }
    }
    bool self_closing = tag_end >= 2 && html[tag_end - 2] == '/';
    if (!self_closing && !IsVoidOrAutoClosed(name)) {
      if (closing) {
        if (depth > kMaxNesting) skip(lt, tag_end);
        if (depth > 0) --depth;
      } else {
        ++depth;
        if (depth > kMaxNesting) skip(lt, tag_end);
      }
    }
    pos = tag_end;
  }
  if (!changed) return false;
  result.append(html.data() + copied, html.size() - copied);
  out->swap(result);
  return true;
}

HtmlExtraction ExtractParsed(std::string_view html, HtmlParser parser) {
  HtmlExtraction out;
  std::string stripped;
  if (PrepareHtml(html, &stripped)) html = stripped;
  HtmlTree tree(html, parser);
  if (tree.output() == nullptr) return out;
  Extractor extractor(tree.output());
  extractor.Run(&out);
  return out;
}

}  // namespace

HtmlExtraction ExtractHtml(std::string_view bytes, std::string_view declared_charset,
                           HtmlParser parser) {
  DecodedText decoded = DecodeToUtf8(bytes, declared_charset);
  HtmlExtraction out = ExtractParsed(decoded.text, parser);
  out.charset = decoded.charset;
  out.invalid_utf8_replaced = decoded.invalid_replaced;
  return out;
}

HtmlExtraction ExtractHtmlUtf8(std::string_view html, HtmlParser parser) {
  HtmlExtraction out = ExtractParsed(html, parser);
  out.charset = "utf-8";
  return out;
}

bool LooksLikeHtml(std::string_view text) {
  size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return false;
  if (text[start] != '<') return false;
  std::string lower = AsciiLower(text.substr(start, 2048));
  if (StartsWith(lower, "<!doctype html") || StartsWith(lower, "<html")) return true;
  static constexpr std::string_view kTags[] = {"<p>", "<p ", "</p>", "<br", "<div", "</div>",
                                               "<h2", "<ul>", "<li>", "<span", "<a href"};
  int hits = 0;
  for (std::string_view tag : kTags) {
    if (lower.find(tag) != std::string::npos) ++hits;
  }
  return hits >= 2;
}

}  // namespace newsflow::normalize::internal
