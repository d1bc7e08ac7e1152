#include "processors/normalize/html_tree.h"

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

namespace newsflow::normalize::internal {
namespace {

// Gumbo's memory for one page: a bump allocator, emptied in one go after the page. Gumbo
// makes a great many small allocations (nodes, attribute vectors, string buffers) and frees
// each at the end; through malloc that was a fifth of the time spent on a page. Freed blocks
// are not reused within a page: what a page's tree takes is bounded by the page's size (a
// few times the HTML, plus buffers that doubled). One arena per thread keeps its blocks for
// the next page (up to kKeptBytes), so that their pages are not faulted in again each time.
class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena() {
    for (char* block : blocks_) std::free(block);
    for (char* large : large_) std::free(large);
  }
  static void* Allocate(void* arena, size_t size) { return static_cast<Arena*>(arena)->Take(size); }
  static void Release(void*, void*) {}

  template <typename T>
  T* New(size_t count = 1) {
    void* at = Take(sizeof(T) * count);
    if (at != nullptr) std::memset(at, 0, sizeof(T) * count);
    return static_cast<T*>(at);
  }

  // Forgets every allocation; keeps up to kKeptBytes of blocks for the next page.
  void Reset() {
    for (char* large : large_) std::free(large);
    large_.clear();
    const size_t keep = kKeptBytes / kBlockBytes;
    for (size_t i = keep; i < blocks_.size(); ++i) std::free(blocks_[i]);
    if (blocks_.size() > keep) blocks_.resize(keep);
    current_ = 0;
    next_ = blocks_.empty() ? nullptr : blocks_[0];
    remaining_ = blocks_.empty() ? 0 : kBlockBytes;
  }

 private:
  static constexpr size_t kBlockBytes = 64 * 1024;  // below malloc's mmap threshold
  static constexpr size_t kKeptBytes = 8 << 20;

  void* Take(size_t size) {
    size = (size + 15) & ~size_t{15};
    if (size > kBlockBytes / 4) {  // a large buffer: its own allocation
      char* large = static_cast<char*>(std::malloc(size));
      if (large != nullptr) large_.push_back(large);
      return large;
    }
    if (size > remaining_) {
      if (blocks_.empty() || current_ + 1 >= blocks_.size()) {
        char* block = static_cast<char*>(std::malloc(kBlockBytes));
        if (block == nullptr) return nullptr;
        blocks_.push_back(block);
        current_ = blocks_.size() - 1;
      } else {
        ++current_;  // a block kept from an earlier page
      }
      next_ = blocks_[current_];
      remaining_ = kBlockBytes;
    }
    void* at = next_;
    next_ += size;
    remaining_ -= size;
    return at;
  }

  std::vector<char*> blocks_;  // kBlockBytes each, in use order
  std::vector<char*> large_;   // this page's large buffers
  size_t current_ = 0;
  char* next_ = nullptr;
  size_t remaining_ = 0;
};

Arena& ThreadArena() {
  thread_local Arena arena;
  return arena;
}

// --- libxml2's tree as gumbo's ---------------------------------------------------------------

bool IsWhitespace(const char* text) {
  for (; *text != '\0'; ++text) {
    if (*text != ' ' && *text != '\t' && *text != '\n' && *text != '\r' && *text != '\f') {
      return false;
    }
  }
  return true;
}

const char* Copy(Arena& arena, const char* text, size_t length) {
  char* out = arena.New<char>(length + 1);
  std::memcpy(out, text, length);
  return out;
}

class Converter {
 public:
  explicit Converter(Arena& arena) : arena_(arena) {}

  GumboNode* Element(xmlNodePtr node, GumboNode* parent, size_t index) {
    GumboNode* out = arena_.New<GumboNode>();
    out->type = GUMBO_NODE_ELEMENT;
    out->parent = parent;
    out->index_within_parent = index;
    GumboElement& element = out->v.element;
    const char* name = reinterpret_cast<const char*>(node->name);
    const size_t name_length = std::strlen(name);
    element.tag = gumbo_tagn_enum(name, static_cast<unsigned>(name_length));
    element.tag_namespace = GUMBO_NAMESPACE_HTML;
    if (element.tag == GUMBO_TAG_UNKNOWN) {
      // As gumbo keeps it: "<name>", from which gumbo_tag_from_original_text takes the name.
      char* original = arena_.New<char>(name_length + 3);
      original[0] = '<';
      std::memcpy(original + 1, name, name_length);
      original[name_length + 1] = '>';
      element.original_tag = {original, name_length + 2};
    }
    // Attributes.
    unsigned attributes = 0;
    for (xmlAttrPtr a = node->properties; a != nullptr; a = a->next) ++attributes;
    element.attributes.data = arena_.New<void*>(attributes);
    element.attributes.capacity = attributes;
    for (xmlAttrPtr a = node->properties; a != nullptr; a = a->next) {
      GumboAttribute* attribute = arena_.New<GumboAttribute>();
      attribute->name = reinterpret_cast<const char*>(a->name);
      attribute->value = AttributeValue(a);
      element.attributes.data[element.attributes.length++] = attribute;
    }
    // Children.
    unsigned children = 0;
    for (xmlNodePtr c = node->children; c != nullptr; c = c->next) ++children;
    element.children.data = arena_.New<void*>(children);
    element.children.capacity = children;
    for (xmlNodePtr c = node->children; c != nullptr; c = c->next) {
      GumboNode* child = nullptr;
      const size_t at = element.children.length;
      if (c->type == XML_ELEMENT_NODE) {
        child = Element(c, out, at);
      } else if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
                 c->content != nullptr) {
        child = arena_.New<GumboNode>();
        const char* text = reinterpret_cast<const char*>(c->content);
        child->type = IsWhitespace(text) ? GUMBO_NODE_WHITESPACE : GUMBO_NODE_TEXT;
        child->parent = out;
        child->index_within_parent = at;
        child->v.text.text = text;
      }
      if (child != nullptr) element.children.data[element.children.length++] = child;
    }
    return out;
  }

 private:
  const char* AttributeValue(xmlAttrPtr attribute) {
    xmlNodePtr value = attribute->children;
    if (value == nullptr) return "";
    if (value->next == nullptr && value->type == XML_TEXT_NODE && value->content != nullptr) {
      return reinterpret_cast<const char*>(value->content);
    }
    std::string joined;
    for (; value != nullptr; value = value->next) {
      if (value->content != nullptr) joined += reinterpret_cast<const char*>(value->content);
    }
    return Copy(arena_, joined.data(), joined.size());
  }

  Arena& arena_;
};

void InitLibxml2() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

}  // namespace

HtmlTree::HtmlTree(std::string_view utf8_html, HtmlParser parser) {
  Arena& arena = ThreadArena();
  arena.Reset();
  if (parser == HtmlParser::kGumbo) {
    GumboOptions options = kGumboDefaultOptions;
    options.max_errors = 0;  // do not record parse errors
    options.allocator = &Arena::Allocate;
    options.deallocator = &Arena::Release;
    options.userdata = &arena;
    // No gumbo_destroy_output: the arena frees the whole tree.
    output_ = gumbo_parse_with_options(&options, utf8_html.data(), utf8_html.size());
    return;
  }
  InitLibxml2();
  htmlDocPtr document = htmlReadMemory(
      utf8_html.data(), static_cast<int>(std::min<size_t>(utf8_html.size(), 1u << 30)), nullptr,
      "UTF-8",
      HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
          HTML_PARSE_COMPACT | HTML_PARSE_IGNORE_ENC);
  if (document == nullptr) return;
  libxml2_document_ = document;
  xmlNodePtr root = xmlDocGetRootElement(document);
  if (root == nullptr) return;
  output_ = arena.New<GumboOutput>();
  GumboNode* document_node = arena.New<GumboNode>();
  document_node->type = GUMBO_NODE_DOCUMENT;
  Converter converter(arena);
  output_->root = converter.Element(root, document_node, 0);
  output_->document = document_node;
  document_node->v.document.children.data = arena.New<void*>(1);
  document_node->v.document.children.data[0] = output_->root;
  document_node->v.document.children.length = 1;
  document_node->v.document.children.capacity = 1;
}

HtmlTree::~HtmlTree() {
  if (libxml2_document_ != nullptr) xmlFreeDoc(static_cast<htmlDocPtr>(libxml2_document_));
}

}  // namespace newsflow::normalize::internal
